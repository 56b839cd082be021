"""Being a good guest of slow government sites: a gate per site (host and port) that spaces and
caps requests, and robots.txt read once per site and batch (``Crawl-delay`` and
``Request-rate`` lengthen the interval)."""
from __future__ import annotations

import threading
import time
import urllib.robotparser
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator
from urllib.parse import urlsplit

from .decoding import charset_of, decode_text

if TYPE_CHECKING:
    from .http import FetchPolicy, HttpClient

ROBOTS_TOKEN = "disclosure-pipeline"   # the product token robots.txt groups are matched on


class HostGate:
    """One site's share of the fetcher: at most ``concurrency`` requests in flight, and at
    least ``interval`` seconds between the starts of two requests.

    With one request at a time (the default), the interval is also counted from the end of
    the previous request: the server has certainly received a request by the time its answer
    (or the error) is back, so two requests never reach the server closer than ``interval``,
    however long connecting took. With several in flight only their starts are spaced, and
    connection latency can bring two arrivals closer."""

    def __init__(self, interval: float, concurrency: int):
        self.interval = interval
        self.serial = concurrency == 1
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._next_start = 0.0

    @contextmanager
    def slot(self, sleep: Callable[[float], None] = time.sleep) -> Iterator[None]:
        with self._slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self.interval
            if start > now:
                sleep(start - now)
            try:
                yield
            finally:
                if self.serial:
                    with self._lock:
                        self._next_start = max(self._next_start, time.monotonic() + self.interval)

    def hold_off(self, seconds: float) -> None:
        """No request to this host for ``seconds`` (a 429's Retry-After applies to the site)."""
        with self._lock:
            self._next_start = max(self._next_start, time.monotonic() + seconds)

    def slow_down(self, interval: float) -> None:
        """A longer interval from now on, counted from the last request already started."""
        with self._lock:
            if interval > self.interval:
                self._next_start += interval - self.interval
                self.interval = interval


class Politeness:
    """The per-host gates and robots.txt rules of one batch, shared by all its workers."""

    def __init__(self, policy: FetchPolicy):
        self.policy = policy
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_notes: dict[str, str] = {}
        self._lock = threading.Lock()
        self._robots_locks: dict[str, threading.Lock] = {}

    def gate(self, netloc: str) -> HostGate:
        with self._lock:
            if netloc not in self._gates:
                self._gates[netloc] = HostGate(self.policy.min_interval_seconds, self.policy.per_host_concurrency)
            return self._gates[netloc]

    def allowed(self, url: str, client: "HttpClient") -> tuple[bool, str | None]:
        """(may the URL be requested, and if not why)."""
        if not self.policy.respect_robots:
            return True, None
        parts = urlsplit(url)
        netloc = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            lock = self._robots_locks.setdefault(netloc, threading.Lock())
        with lock:   # one robots.txt request per host, however many workers ask at once
            if netloc not in self._robots:
                self._robots[netloc] = self._load_robots(netloc, client)
        rules = self._robots[netloc]
        if rules is None:
            return False, self._robots_notes.get(netloc)
        if not rules.can_fetch(ROBOTS_TOKEN, url):
            return False, f"disallowed by robots.txt: {url}"
        return True, None

    def _load_robots(self, netloc: str, client: "HttpClient") -> urllib.robotparser.RobotFileParser | None:
        """RFC 9309: a robots.txt that is missing (any 4xx) allows everything; one that cannot
        be had (5xx, network errors, after the retries) disallows everything for this batch."""
        result = client.get(netloc + "/robots.txt", check_robots=False, max_bytes=512 * 1024)
        parser = urllib.robotparser.RobotFileParser(netloc + "/robots.txt")
        if result.outcome == "fetched" and result.http_status == 200:
            text, _, _ = decode_text(result.data or b"", charset_of(result.headers.get("content-type")))
            parser.parse(text.splitlines())
            rate = parser.request_rate(ROBOTS_TOKEN)
            wanted = max(crawl_delay(text, ROBOTS_TOKEN) or 0.0,
                         (rate.seconds / rate.requests) if rate and rate.requests else 0.0)
            if wanted > 0:
                self.gate(urlsplit(netloc).netloc).slow_down(min(wanted, self.policy.max_interval_seconds))
                self._robots_notes[netloc] = f"robots.txt asks for {wanted:g} s between requests"
            return parser
        if result.http_status is not None and 400 <= result.http_status < 500:
            parser.parse([])   # no robots.txt: everything is allowed
            return parser
        self._robots_notes[netloc] = f"robots.txt unavailable ({result.error}): the site is skipped"
        return None


def crawl_delay(robots_text: str, token: str) -> float | None:
    """``Crawl-delay`` for our group (or ``*``), decimals allowed (the standard library's
    parser takes whole seconds only)."""
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in robots_text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        name, value = (part.strip() for part in line.split(":", 1))
        name = name.lower()
        if name == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        else:
            in_rules = True
            if name == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                for agent in agents:
                    delays[agent] = delay
    for agent, delay in delays.items():
        if agent != "*" and agent in token.lower():
            return delay
    return delays.get("*")


