"""Fetching documents (local files and HTTP) into a content-addressed store.

The store keeps every distinct content once, under its sha256, and never overwrites:
what was fetched is never lost, whatever a later fetch returns.
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

# HTTP headers are latin-1: keep this ASCII.
USER_AGENT = ("disclosure-pipeline/0.1 (collects government information-disclosure annual "
              "reports for research; one request at a time)")
TIMEOUT_SECONDS = 30
RETRIES = 2              # on connection errors and 5xx; a 4xx is final
MAX_BYTES = 200 * 1024 * 1024


class RawStore:
    def __init__(self, root: Path):
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.bin"

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)   # a reader never sees half a file
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


@dataclass
class FetchResult:
    source_id: str
    location: str
    outcome: str                 # fetched | failed
    sha256: str | None = None
    size_bytes: int | None = None
    media_type: str | None = None
    http_status: int | None = None
    error: str | None = None


def _media_type_of(name: str, header: str | None = None) -> str | None:
    if header:
        return header.split(";")[0].strip().lower() or None
    guessed, _ = mimetypes.guess_type(name)
    if guessed:
        return guessed
    if name.lower().endswith((".txt", ".md")):
        return "text/plain"
    return None


def fetch_local(source_id: str, location: str, store: RawStore) -> FetchResult:
    path = Path(location)
    try:
        if path.is_dir():
            raise IsADirectoryError("is a folder; list each document as its own source")
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileNotFoundError):
            reason = "no such file"
        return FetchResult(source_id, location, "failed", error=f"cannot read {location}: {reason}")
    sha256 = store.put(data)
    return FetchResult(source_id, location, "fetched", sha256=sha256, size_bytes=len(data),
                       media_type=_media_type_of(path.name))


def fetch_http(source_id: str, url: str, store: RawStore, session: requests.Session | None = None,
               timeout: float = TIMEOUT_SECONDS, retries: int = RETRIES) -> FetchResult:
    session = session or requests.Session()
    error = "not attempted"
    status = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(2 ** attempt, 10))   # back off before trying a struggling site again
        try:
            response = session.get(url, timeout=timeout, headers={"User-Agent": USER_AGENT})
        except requests.RequestException as exc:
            error, status = f"{type(exc).__name__}: {exc}", None
            continue
        status = response.status_code
        if status >= 500:
            error = f"HTTP {status}"
            continue
        if status >= 400:
            return FetchResult(source_id, url, "failed", http_status=status,
                               error=f"HTTP {status} {response.reason or ''}".strip())
        data = response.content
        if len(data) > MAX_BYTES:
            return FetchResult(source_id, url, "failed", http_status=status,
                               error=f"larger than {MAX_BYTES} bytes")
        sha256 = store.put(data)
        return FetchResult(source_id, url, "fetched", sha256=sha256, size_bytes=len(data),
                           media_type=_media_type_of(url, response.headers.get("Content-Type")),
                           http_status=status)
    return FetchResult(source_id, url, "failed", http_status=status,
                       error=f"{error} (after {retries + 1} attempts)")


def fetch(source_id: str, location: str, store: RawStore, session: requests.Session | None = None) -> FetchResult:
    """Fetch one source. Never raises: whatever goes wrong is the failed result's reason, so
    one bad source cannot stop the batch."""
    try:
        if location.startswith(("http://", "https://")):
            return fetch_http(source_id, location, store, session)
        return fetch_local(source_id, location, store)
    except Exception as exc:
        return FetchResult(source_id, location, "failed", error=f"{type(exc).__name__}: {exc}")
