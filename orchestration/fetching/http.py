"""Fetching documents (local files and HTTP) into a content-addressed store, politely.

The bytes go to the :class:`~orchestration.fetching.raw_store.RawStore`; the per-site gate and
robots.txt are in :mod:`orchestration.fetching.politeness`.

HTTP is done the way a slow, flaky government site needs:

- a timeout on connecting and on every read, and a deadline for the whole download;
- retries with exponential backoff and jitter on connection errors, timeouts, truncated
  bodies, 408, 429 and 5xx, honouring ``Retry-After`` (a 429's wait also holds back every
  other request to that host); any other 4xx is final;
- a per-host gate: a minimum interval between request starts (raised to the site's
  robots.txt ``Crawl-delay`` when that is longer) and a cap on concurrent requests;
- robots.txt read once per host and batch, and obeyed on every hop of a redirect chain;
- a descriptive ASCII User-Agent;
- conditional requests (``If-None-Match`` / ``If-Modified-Since``) when the previous fetch
  gave validators, and the content hash besides, since many CMSes ignore them;
- redirects followed by hand, with a bound and loop detection;
- a size limit, checked against ``Content-Length`` before downloading and while reading.

Nothing here raises for a bad source: every failure is a :class:`FetchResult` with a reason.
"""
from __future__ import annotations

import email.utils
import json
import mimetypes
import random
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from requests.utils import requote_uri

from .decoding import charset_of, decode_text, looks_textual
from .politeness import Politeness
from .raw_store import RawStore

# HTTP headers are latin-1: keep this ASCII (checked in FetchPolicy).
USER_AGENT = ("disclosure-pipeline/0.2 (collects government information-disclosure annual reports "
              "for research; honours robots.txt, one request at a time per site)")

# Kept for callers of the first version; FetchPolicy holds the values used now.
TIMEOUT_SECONDS = 30
RETRIES = 3
MAX_BYTES = 100 * 1024 * 1024

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
RETRY_STATUSES = (408, 429)     # and every 5xx
# Only these response headers are kept in the manifest: the ones that explain an outcome.
HEADERS_THAT_MATTER = ("content-type", "content-length", "content-encoding", "etag", "last-modified",
                       "retry-after", "location", "cache-control", "date")


@dataclass(frozen=True)
class FetchPolicy:
    """How hard the fetcher may push a site. The defaults are polite for a government site;
    tests shrink the waits to milliseconds."""

    user_agent: str = USER_AGENT
    timeout_seconds: float = 30.0           # to connect, and for each read of the socket
    download_deadline_seconds: float = 300.0  # for a whole response body
    retries: int = 3                         # further tries after the first
    backoff_base_seconds: float = 2.0        # the n-th retry waits about base * 2**(n-1), jittered
    backoff_max_seconds: float = 60.0
    max_retry_after_seconds: float = 600.0   # a longer Retry-After makes the fetch fail instead
    min_interval_seconds: float = 2.0        # per host, between the starts of two requests
    max_interval_seconds: float = 60.0       # cap on a robots.txt Crawl-delay
    per_host_concurrency: int = 1            # requests in flight to one host
    max_workers: int = 4                     # requests in flight in all (so several hosts at once)
    max_redirects: int = 5
    max_bytes: int = MAX_BYTES
    respect_robots: bool = True
    conditional_requests: bool = True
    listing_max_pages: int = 10              # pages of one listing followed (the first included)
    listing_max_reports: int = 500           # report links taken from one listing
    max_attachments: int = 10                # attachments followed from one report page
    # A report URL verified (fetched, or answered 304) less than this many days ago is not
    # requested again, unless the catalogue's ``updated`` date says it changed since. None:
    # every report is revalidated on every run. Listings are always fetched: they are how new
    # reports are found. At national scale (100,000 reports) revalidating everything costs
    # minutes and 100,000 requests to government sites for the 1 % that changed.
    revalidate_after_days: float | None = None

    def __post_init__(self) -> None:
        try:
            self.user_agent.encode("ascii")
        except UnicodeEncodeError as exc:
            raise ValueError("the User-Agent must be ASCII (HTTP headers are latin-1)") from exc
        if self.per_host_concurrency < 1 or self.max_workers < 1:
            raise ValueError("per_host_concurrency and max_workers must be at least 1")
        if self.revalidate_after_days is not None and self.revalidate_after_days < 0:
            raise ValueError("revalidate_after_days must be 0 or more (None: revalidate every time)")

    def with_overrides(self, **overrides) -> "FetchPolicy":
        """A copy with the given fields changed; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


# ---- results ---------------------------------------------------------------------------------

@dataclass
class FetchResult:
    source_id: str
    location: str                # what was asked for (path or URL)
    outcome: str                 # fetched | not_modified | failed | disallowed
    sha256: str | None = None
    size_bytes: int | None = None
    media_type: str | None = None
    http_status: int | None = None
    error: str | None = None
    final_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    encoding_rule: str | None = None
    tries: int = 0
    try_log: list[str] = field(default_factory=list)
    redirects: int = 0
    unchanged: bool = False      # the content is what the previous fetch got (by hash)
    started_at: float | None = None   # time.time() when the first request was sent
    finished_at: float | None = None
    waited_seconds: float | None = None   # taken up → first request sent: robots.txt and the site's turn
    data: bytes | None = field(default=None, repr=False)   # the bytes, while the batch needs them

    @property
    def ok(self) -> bool:
        return self.outcome in ("fetched", "not_modified")

    @property
    def headers_json(self) -> str | None:
        return json.dumps(self.headers, ensure_ascii=True, sort_keys=True) if self.headers else None


@dataclass(frozen=True)
class Previous:
    """What the last successful fetch of a URL returned: validators for a conditional request
    and the hash that a 304 (or identical bytes) stands for."""

    sha256: str
    etag: str | None = None
    last_modified: str | None = None
    media_type: str | None = None
    encoding: str | None = None
    encoding_rule: str | None = None
    final_url: str | None = None


def _media_type_of(name: str, header: str | None = None) -> str | None:
    if header:
        media = header.split(";")[0].strip().lower()
        if media and media != "application/octet-stream":
            return media
    guessed, _ = mimetypes.guess_type(urlsplit(name).path if "://" in name else name)
    if guessed:
        return guessed
    if name.lower().endswith((".txt", ".md")):
        return "text/plain"
    if name.lower().endswith(".wps"):
        return "application/vnd.ms-works"
    return header.split(";")[0].strip().lower() if header else None


# ---- HTTP ------------------------------------------------------------------------------------

class _Retry(Exception):
    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.status, self.retry_after = status, retry_after


class _Final(Exception):
    def __init__(self, reason: str, status: int | None = None, outcome: str = "failed"):
        super().__init__(reason)
        self.status, self.outcome = status, outcome


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait, from ``Retry-After`` as delta-seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _describe(exc: BaseException) -> str:
    """A failure reason that is the same on every run (no object addresses or timings), so a
    source that keeps failing the same way keeps one manifest row."""
    if isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return "timeout"
    text = str(exc)
    # A server that stalls mid-body surfaces as a ConnectionError wrapping urllib3's read timeout.
    for marker, reason in (("Read timed out", "timeout"), ("timed out", "timeout"),
                           ("Connection reset", "connection reset by peer"),
                           ("RemoteDisconnected", "connection closed without a response"),
                           ("Connection aborted", "connection aborted"),
                           ("Connection refused", "connection refused"),
                           ("IncompleteRead", "connection broken mid-body (truncated response)"),
                           ("Name or service not known", "host name not found"),
                           ("nodename nor servname", "host name not found"),
                           ("Temporary failure in name resolution", "host name not found")):
        if marker in text:
            return reason
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    return f"{type(exc).__name__}: {text}"[:300]


class HttpClient:
    """GET with retries, politeness and limits. One per batch; thread-safe (one urllib3
    ``PoolManager`` per thread, gates and robots shared).

    urllib3 directly, not ``requests`` on top of it: requests' sessions merge settings, hooks
    and cookies on every request, 0.3 ms of the fetching process's CPU a request (0.61–0.67
    against 0.37 ms measured over loopback), and at national scale the fetch is that process's
    CPU. What requests did besides is done here: its default headers (compression, keep-alive),
    its quoting of a URL's path (``requote_uri``: non-ASCII report names), certificates checked
    against certifi's bundle, no proxy from the environment (urllib3 reads none)."""

    def __init__(self, policy: FetchPolicy, politeness: Politeness | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        self.policy = policy
        self.politeness = politeness or Politeness(policy)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._local = threading.local()
        self._headers = {"User-Agent": policy.user_agent,
                         "Accept-Encoding": urllib3.util.make_headers(accept_encoding=True)["accept-encoding"],
                         "Accept": "text/html,application/xhtml+xml,application/pdf,*/*;q=0.8",
                         "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
                         "Connection": "keep-alive"}
        self._timeout = urllib3.Timeout(connect=policy.timeout_seconds, read=policy.timeout_seconds)

    def _pool(self) -> urllib3.PoolManager:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            # retries=False: every try, redirect and wait is this class's (a response, not an
            # exception, for a 3xx or 5xx; a connection error raised as it is).
            pool = self._local.pool = urllib3.PoolManager(retries=False, cert_reqs="CERT_REQUIRED",
                                                          ca_certs=certifi.where())
        return pool

    def backoff(self, retry: int) -> float:
        """Exponential, with jitter so that workers retrying together spread out."""
        ceiling = min(self.policy.backoff_max_seconds, self.policy.backoff_base_seconds * 2 ** (retry - 1))
        return ceiling * (0.5 + self.rng.random() / 2)

    def get(self, url: str, previous: Previous | None = None, check_robots: bool = True,
            max_bytes: int | None = None, source_id: str = "") -> FetchResult:
        taken_up = time.time()
        result = FetchResult(source_id, url, "failed")
        validators = {}
        if previous is not None and self.policy.conditional_requests:
            if previous.etag:
                validators["If-None-Match"] = previous.etag
            if previous.last_modified:
                validators["If-Modified-Since"] = previous.last_modified
        last_error = "not attempted"
        retry_after = None
        for attempt in range(self.policy.retries + 1):
            if attempt:
                wait = self.backoff(attempt)
                if retry_after is not None:
                    wait = max(wait, retry_after)
                self.sleep(wait)
            result.tries = attempt + 1
            try:
                self._one_try(url, result, validators, check_robots, max_bytes or self.policy.max_bytes)
                result.try_log.append(f"{attempt + 1}: {result.outcome} {result.http_status or ''}".strip())
                break
            except _Retry as exc:
                last_error, retry_after = str(exc), exc.retry_after
                result.http_status = exc.status
                result.try_log.append(f"{attempt + 1}: {exc}")
                if retry_after is not None and retry_after > self.policy.max_retry_after_seconds:
                    result.outcome = "failed"
                    result.error = (f"{exc}; Retry-After {retry_after:g} s is longer than the "
                                    f"{self.policy.max_retry_after_seconds:g} s allowed")
                    break
            except _Final as exc:
                result.outcome, result.http_status, result.error = exc.outcome, exc.status, str(exc)
                result.try_log.append(f"{attempt + 1}: {exc}")
                break
        else:
            result.outcome = "failed"
            result.error = f"{last_error} (after {result.tries} tries)"
        result.finished_at = time.time()
        if result.started_at is None:    # nothing was sent (robots.txt, not an http URL)
            result.started_at = taken_up
        else:
            result.waited_seconds = round(result.started_at - taken_up, 3)
        if previous is not None and result.outcome == "not_modified":
            result.sha256 = previous.sha256
            result.media_type = result.media_type or previous.media_type
            result.encoding, result.encoding_rule = previous.encoding, previous.encoding_rule
            result.etag = result.etag or previous.etag
            result.last_modified = result.last_modified or previous.last_modified
            result.unchanged = True
        return result

    def _one_try(self, url: str, result: FetchResult, validators: dict, check_robots: bool,
                 max_bytes: int) -> None:
        current, seen = url, {url}
        result.redirects = 0
        for _hop in range(self.policy.max_redirects + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise _Final(f"not an http(s) URL: {current}")
            if check_robots:
                allowed, why = self.politeness.allowed(current, self)
                if not allowed:
                    raise _Final(why or f"disallowed by robots.txt: {current}", outcome="disallowed")
            gate = self.politeness.gate(parts.netloc)
            with gate.slot(self.sleep):
                if result.started_at is None:   # the first try's send time; waiting is not server time
                    result.started_at = time.time()
                try:
                    response = self._pool().request(
                        "GET", requote_uri(current), headers={**self._headers, **validators},
                        preload_content=False, redirect=False, timeout=self._timeout)
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    raise _Retry(_describe(exc)) from exc
                data = None
                try:
                    status = response.status
                    result.final_url = current
                    result.headers = {k: response.headers[k] for k in HEADERS_THAT_MATTER if k in response.headers}
                    if status in REDIRECT_STATUSES and response.headers.get("Location"):
                        target = urljoin(current, response.headers["Location"])
                        if target in seen:
                            raise _Final(f"redirect loop: {current} -> {target}", status)
                        seen.add(target)
                        current = target
                        result.redirects += 1
                        continue
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if status == 304:
                        result.outcome, result.http_status = "not_modified", status
                        result.etag = response.headers.get("ETag")
                        result.last_modified = response.headers.get("Last-Modified")
                        return
                    if status in RETRY_STATUSES or status >= 500:
                        if status == 429 and retry_after:
                            gate.hold_off(min(retry_after, self.policy.max_retry_after_seconds))
                        raise _Retry(f"HTTP {status}", status, retry_after)
                    if status >= 300:
                        reason = f"HTTP {status} {response.reason or ''}".strip()
                        raise _Final(reason, status)
                    data = self._read_body(response, max_bytes)
                finally:
                    # A connection whose response was read to its end serves the site's next
                    # request; one left with unread bytes (a redirect's or an error's body, a
                    # download cut short) is closed, or the next response would start inside it.
                    if data is None:
                        response.close()
                    response.release_conn()
            result.outcome, result.http_status, result.data = "fetched", status, data
            result.size_bytes = len(data)
            content_type = response.headers.get("Content-Type")
            result.media_type = _media_type_of(current, content_type)
            result.etag = response.headers.get("ETag")
            result.last_modified = response.headers.get("Last-Modified")
            return
        raise _Final(f"more than {self.policy.max_redirects} redirects from {url}")

    def _read_body(self, response: urllib3.BaseHTTPResponse, max_bytes: int) -> bytes:
        declared = response.headers.get("Content-Length")
        expected = int(declared) if declared and declared.isdigit() else None
        if expected is not None and expected > max_bytes:
            raise _Final(f"larger than {max_bytes} bytes (Content-Length {expected})", response.status)
        deadline = time.monotonic() + self.policy.download_deadline_seconds
        chunks, size = [], 0
        try:
            # read1: one socket read at a time, returning whatever arrived. Reading 64 KB chunks
            # blocks until 64 KB have come, so a server trickling a byte a second never reached the
            # deadline check; each read is still bounded by the read timeout.
            while True:
                chunk = response.read1(64 * 1024, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise _Final(f"larger than {max_bytes} bytes", response.status)
                if time.monotonic() > deadline:
                    raise _Retry(f"download took longer than the deadline "
                                 f"({self.policy.download_deadline_seconds:g} s)", response.status)
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Retry(_describe(exc), response.status) from exc
        data = b"".join(chunks)
        if expected is not None and not response.headers.get("Content-Encoding") and len(data) < expected:
            raise _Retry("connection broken mid-body (truncated response)", response.status)
        return data


# ---- one document ----------------------------------------------------------------------------

def fetch_local(source_id: str, location: str, store: RawStore) -> FetchResult:
    path = Path(location)
    started = time.time()
    try:
        if path.is_dir():
            raise IsADirectoryError("is a folder; list it with kind folder, or each document as its own source")
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileNotFoundError):
            reason = "no such file"
        return FetchResult(source_id, location, "failed", error=f"cannot read {location}: {reason}",
                           tries=1, started_at=started, finished_at=time.time())
    sha256 = store.put(data)
    result = FetchResult(source_id, location, "fetched", sha256=sha256, size_bytes=len(data),
                         media_type=_media_type_of(path.name), tries=1, data=data,
                         started_at=started, finished_at=time.time())
    _decode_for_manifest(result, None)
    return result


def _decode_for_manifest(result: FetchResult, header_charset: str | None) -> str | None:
    """Record which encoding rule decides a textual document; return its text."""
    if result.data is None or not looks_textual(result.data, result.media_type):
        return None
    text, result.encoding, result.encoding_rule = decode_text(result.data, header_charset)
    return text


def fetch_http(source_id: str, url: str, store: RawStore, client: HttpClient | None = None,
               previous: Previous | None = None) -> FetchResult:
    """One URL: a conditional request when ``previous`` has validators and its bytes are still
    in the store; new bytes stored by hash; ``unchanged`` when the hash is the previous one."""
    client = client or HttpClient(FetchPolicy())
    if previous is not None and not store.has(previous.sha256):
        previous = None   # the stored copy is gone: a 304 would leave us with nothing
    result = client.get(url, previous=previous, source_id=source_id)
    if result.outcome == "fetched" and result.data is not None:
        result.sha256 = store.put(result.data)
        result.unchanged = previous is not None and previous.sha256 == result.sha256
        _decode_for_manifest(result, charset_of(result.headers.get("content-type")))
    elif result.outcome == "not_modified" and result.sha256:
        result.data = store.get(result.sha256)
    return result


def fetch(source_id: str, location: str, store: RawStore, client: HttpClient | None = None,
          previous: Previous | None = None) -> FetchResult:
    """Fetch one source. Never raises: whatever goes wrong is the failed result's reason, so
    one bad source cannot stop the batch."""
    try:
        if location.startswith(("http://", "https://")):
            return fetch_http(source_id, location, store, client, previous)
        result = fetch_local(source_id, location, store)
        result.unchanged = result.ok and previous is not None and previous.sha256 == result.sha256
        return result
    except Exception as exc:
        return FetchResult(source_id, location, "failed", error=f"{type(exc).__name__}: {exc}",
                           finished_at=time.time())
