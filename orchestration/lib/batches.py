"""One fetch batch and one parse batch: the loops the Dagster assets run, with no Dagster in them.

Fetching is a bounded crawl. Each catalogue row is a task; a listing page's task yields report
pages and (up to ``listing_max_pages``) further listing pages, a report page's task yields its
attachments, a folder yields its files. Workers (threads) do the HTTP and store the bytes; this
module's loop, on the calling thread, records the results in the warehouse as they arrive, a
group at a time (at most ``RECORD_EVERY`` results or ``RECORD_SECONDS``), failures at once. So a
batch killed midway has lost no bytes it had fetched and at most one group of records, and
running it again completes it: every key is natural (source, URL, hash), so nothing is recorded
twice, and what had been fetched comes back as a 304 or as identical bytes.
"""
from __future__ import annotations

import collections
import hashlib
import os
import queue
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

from . import warehouse as wh
from .catalogue import Source, host_of, is_url
from .discovery import Link, attachment_links, pagination_links, report_links, year_in
from .fetching import (FetchPolicy, FetchResult, HttpClient, Previous, RawStore, decode_text, fetch,
                       looks_like_html)

Log = Callable[[str], None]

# Fetch results are recorded in groups, a transaction each: at most this many, or this many
# seconds' worth. A process killed midway loses the records of at most one group, never bytes:
# those are in the store, and the next run finds them again (as a 304 or the same hash).
RECORD_EVERY = 200
RECORD_SECONDS = 2.0
IN_FLIGHT_PER_WORKER = 4   # fetches handed to the threads and not yet handled, per thread
PARSE_SLICE = 1000         # documents handed to the parse workers at a time

# Issue codes that mean a document could not be read at all: it goes to quarantine.
QUARANTINE_CODES = ("unreadable", "parser_error", "unsupported_form", "missing_bytes")


@dataclass(frozen=True)
class Selection:
    """What one run refreshes: some years, some sites (hosts), some catalogue rows. Empty
    means everything. A source whose year is unknown (a listing, a row without a year) is
    kept by a year selection: its discovered reports are then filtered by their own year."""

    years: tuple[int, ...] = ()
    hosts: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.years or self.hosts or self.source_ids)

    def year_ok(self, year: int | None) -> bool:
        return not self.years or year is None or year in self.years

    def source_ok(self, source_id: str, origin_id: str, year: int | None, location: str) -> bool:
        if self.source_ids and source_id not in self.source_ids and origin_id not in self.source_ids:
            return False
        if self.hosts and (host_of(location) or "") not in {h.lower() for h in self.hosts}:
            return False
        return self.year_ok(year)

    def describe(self) -> str:
        parts = [f"{name}={','.join(map(str, values))}" for name, values in
                 (("years", self.years), ("hosts", self.hosts), ("sources", self.source_ids)) if values]
        return " ".join(parts) or "everything"


@dataclass
class Task:
    source_id: str
    location: str
    role: str                     # listing | report | attachment
    origin: Source                # the catalogue row it derives from
    year: int | None
    depth: int = 0                # listing page number (0: the catalogue's page)


@dataclass
class FetchCounts:
    sources: int = 0              # catalogue rows in this batch
    discovered: int = 0           # reports, listing pages and attachments found
    requests: int = 0             # URLs and files fetched (tasks run)
    fetched: int = 0              # new or changed content
    not_modified: int = 0         # 304, or the same bytes as last time
    fresh: int = 0                # not requested: verified inside the revalidation window
    failed: int = 0
    disallowed: int = 0           # robots.txt said no: never requested
    failures: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "failures"}

    def line(self) -> str:
        fresh = f", {self.fresh} verified recently (not requested)" if self.fresh else ""
        return (f"{self.discovered} discovered, {self.fetched} fetched, {self.not_modified} not modified, "
                f"{self.failed} failed, {self.disallowed} disallowed by robots.txt{fresh} "
                f"({self.requests} fetches for {self.sources} catalogue sources)")


def _derived_id(parent: str, prefix: str, url: str) -> str:
    return f"{parent}/{prefix}{hashlib.sha1(url.encode('utf-8')).hexdigest()[:10]}"


class FetchBatch:
    """Run with :meth:`run`. ``recorder_hook`` is called after each result is recorded (tests
    use it to simulate a crash midway)."""

    def __init__(self, con, store: RawStore, policy: FetchPolicy, selection: Selection = Selection(),
                 batch_id: str | None = None, log: Log = print, progress_every: int = 50, warn: Log | None = None,
                 client: HttpClient | None = None, clock: Callable = None,
                 recorder_hook: Callable[[Task, FetchResult], None] | None = None):
        self.con, self.store, self.policy, self.selection = con, store, policy, selection
        self.batch_id = batch_id or uuid.uuid4().hex
        self.log, self.progress_every = log, progress_every
        self.warn = warn or log
        self.client = client or HttpClient(policy)
        self.clock = clock or _utc_now
        self.hook = recorder_hook
        self.counts = FetchCounts()
        self._queued: set[tuple[str, str]] = set()
        self._pending: dict[Future, Task] = {}
        self._waiting: collections.deque[Task] = collections.deque()
        self._done: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self._unrecorded: list[tuple] = []
        self._recorded_at = time.monotonic()
        self._listing_pages: dict[str, int] = {}
        self._listing_reports: dict[str, int] = {}
        self._previous: dict[str, tuple] = {}

    # -- the loop -----------------------------------------------------------------------------

    def run(self, sources: list[Source]) -> FetchCounts:
        wh.ensure_schema(self.con)
        self._previous = wh.latest_validators(self.con)
        self._verified = wh.last_verified(self.con) if self.policy.revalidate_after_days is not None else {}
        chosen = [s for s in sources if self.selection.source_ok(s.source_id, s.source_id, s.year, s.location)]
        self.counts.sources = len(chosen)
        self.log(f"fetch batch {self.batch_id}: {len(chosen)} of {len(sources)} catalogue sources "
                 f"({self.selection.describe()})")
        executor = ThreadPoolExecutor(max_workers=self.policy.max_workers, thread_name_prefix="fetch")
        self._executor = executor
        try:
            for source in chosen:
                if source.kind == "folder":
                    self._expand_folder(source)
                else:
                    role = "listing" if source.kind == "listing" else "report"
                    self._submit(Task(source.source_id, source.location, role, source, source.year))
            done_count = 0
            while self._pending:
                future = self._done.get()
                task = self._pending.pop(future)
                self._handle(task, future.result())
                self._fill()
                done_count += 1
                if done_count % self.progress_every == 0:
                    self.log(f"progress: {self.counts.line()}; {len(self._pending) + len(self._waiting)} queued")
        finally:
            # Whatever happens, stop handing out work; fetches in flight finish (they are
            # bounded by timeouts) and their bytes are in the store for the next run.
            executor.shutdown(wait=True, cancel_futures=True)
            self._record()
        self.log(f"fetch batch {self.batch_id} done: {self.counts.line()}")
        return self.counts

    def _still_fresh(self, task: Task) -> bool:
        """Inside the revalidation window (``FetchPolicy.revalidate_after_days``): a report URL
        (listed, or discovered on a listing) whose latest request succeeded less than that long
        ago, and that the catalogue does not date on or after that day. Its page's attachments
        were verified with it. Listings and attachments of a page fetched now are requested."""
        window = self.policy.revalidate_after_days
        if window is None or task.role != "report" or not is_url(task.location):
            return False
        verified = self._verified.get(task.location)
        if verified is None or self.clock() - verified >= timedelta(days=window):
            return False
        updated = task.origin.updated if task.source_id == task.origin.source_id else None
        return updated is None or updated.date() < verified.date()

    def _submit(self, task: Task) -> None:
        key = (task.source_id, task.location)
        if key in self._queued:
            return
        self._queued.add(key)
        if self._still_fresh(task):
            self.counts.fresh += 1
            return
        self._waiting.append(task)
        self._fill()

    def _fill(self) -> None:
        """Hand waiting tasks to the threads, at most IN_FLIGHT_PER_WORKER per thread at a time.
        A finished fetch holds its bytes until the loop has recorded it, so memory stays bounded
        whatever the size of the catalogue (fetching 100,000 sources alone: 570 MB peak with
        every source handed over at once, 415 MB this way)."""
        while self._waiting and len(self._pending) < self.policy.max_workers * IN_FLIGHT_PER_WORKER:
            task = self._waiting.popleft()
            row = self._previous.get(task.location)
            previous = Previous(*row) if row else None
            future = self._executor.submit(self._work, task, previous)
            self._pending[future] = task
            # Finished fetches queue up here: waiting on all pending futures at each turn would
            # cost the square of the batch (100,000 sources at national scale).
            future.add_done_callback(self._done.put)

    def _work(self, task: Task, previous: Previous | None) -> FetchResult:
        result = fetch(task.source_id, task.location, self.store, self.client, previous)
        if result.finished_at is None:
            result.finished_at = time.time()
        return result

    # -- one result ---------------------------------------------------------------------------

    def _handle(self, task: Task, result: FetchResult) -> None:
        now = self.clock()
        self._unrecorded.append((result, task.role, now))
        if len(self._unrecorded) >= RECORD_EVERY or time.monotonic() - self._recorded_at >= RECORD_SECONDS:
            self._record()
        self.counts.requests += 1
        if result.ok:
            if result.unchanged:
                self.counts.not_modified += 1
            else:
                self.counts.fetched += 1
            if result.sha256:
                self._previous[task.location] = (result.sha256, result.etag, result.last_modified,
                                                 result.media_type, result.encoding, result.encoding_rule,
                                                 result.final_url)
        else:
            self._record()   # its manifest row before its quarantine row
            wh.quarantine(self.con, "fetch", task.source_id, task.location, result.error or "unknown error", now)
            if result.outcome == "disallowed":
                self.counts.disallowed += 1
            else:
                self.counts.failed += 1
            self.counts.failures.append({"source_id": task.source_id, "location": task.location,
                                         "error": result.error})
            self.warn(f"fetch failed: {task.source_id} ({task.location}): {result.error}")
        if self.hook:
            self.hook(task, result)
        if result.ok and result.data is not None and is_url(task.location):
            try:
                self._follow(task, result)
            except Exception as exc:   # a page discovery cannot read must not stop the batch
                self.warn(f"discovery failed on {task.location}: {type(exc).__name__}: {exc}")
        result.data = None

    def _record(self) -> None:
        """Write the results handled since the last time, in one transaction."""
        unrecorded, self._unrecorded = self._unrecorded, []
        self._recorded_at = time.monotonic()
        wh.record_fetches(self.con, self.batch_id, unrecorded, self.clock())

    def _follow(self, task: Task, result: FetchResult) -> None:
        if task.role not in ("listing", "report") or not looks_like_html(result.data, result.media_type):
            return
        if result.encoding:
            html = result.data.decode(result.encoding, errors="replace")
        else:
            html, _, _ = decode_text(result.data)
        base = result.final_url or task.location
        now = self.clock()
        if task.role == "listing":
            self._follow_listing(task, html, base, now)
        else:
            self._follow_report(task, html, base, now)

    def _follow_listing(self, task: Task, html: str, base: str, now) -> None:
        origin = task.origin
        found, derived, new_tasks = [], [], []
        taken = self._listing_reports.get(origin.source_id, 0)
        for link in report_links(html, base):
            year = link.year or origin.year
            if taken >= self.policy.listing_max_reports:
                break
            taken += 1
            source_id = _derived_id(origin.source_id, f"{year or 'unknown'}-", link.url)
            found.append(self._discovery(task, link, "report", base, source_id))
            derived.append(self._derived(source_id, link, year, "discovered", task.source_id, origin))
            if self.selection.year_ok(year):
                new_tasks.append(Task(source_id, link.url, "report", origin, year))
        self._listing_reports[origin.source_id] = taken
        pages = self._listing_pages.setdefault(origin.source_id, 1)
        for url in pagination_links(html, base):
            if pages >= self.policy.listing_max_pages:
                break
            if (origin.source_id, url) in self._queued:
                continue
            pages += 1
            found.append(self._discovery(task, Link(url, "", None), "listing_page", base, None, task.depth + 1))
            new_tasks.append(Task(origin.source_id, url, "listing", origin, origin.year, task.depth + 1))
        self._listing_pages[origin.source_id] = pages
        self._commit_discoveries(found, derived, now)
        for new in new_tasks:
            self._submit(new)

    def _follow_report(self, task: Task, html: str, base: str, now) -> None:
        found, derived, new_tasks = [], [], []
        for link in attachment_links(html, base, task.year)[: self.policy.max_attachments]:
            source_id = _derived_id(task.source_id, "att-", link.url)
            found.append(self._discovery(task, link, "attachment", base, source_id))
            derived.append(self._derived(source_id, link, task.year, "attachment", task.source_id, task.origin))
            new_tasks.append(Task(source_id, link.url, "attachment", task.origin, task.year))
        self._commit_discoveries(found, derived, now)
        for new in new_tasks:
            self._submit(new)

    def _expand_folder(self, source: Source) -> None:
        folder = Path(source.location)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(folder).parts)) if folder.is_dir() else []
        if not folder.is_dir():
            result = FetchResult(source.source_id, source.location, "failed",
                                 error=f"cannot read {source.location}: no such folder", tries=1)
            self._handle(Task(source.source_id, source.location, "report", source, source.year), result)
            return
        found, derived, tasks = [], [], []
        for path in files:
            rel = path.relative_to(folder).as_posix()
            year = year_in(path.stem) or source.year
            source_id = f"{source.source_id}/{rel}"
            link = Link(str(path), rel, year)
            task = Task(source.source_id, source.location, "listing", source, source.year)
            found.append(self._discovery(task, link, "report", source.location, source_id))
            derived.append(self._derived(source_id, link, year, "discovered", source.source_id, source))
            if self.selection.year_ok(year):
                tasks.append(Task(source_id, str(path), "report", source, year))
        self._commit_discoveries(found, derived, self.clock())
        for task in tasks:
            self._submit(task)

    # -- discovery records --------------------------------------------------------------------

    def _discovery(self, task: Task, link: Link, role: str, found_on: str, derived_id: str | None,
                   depth: int | None = None) -> dict:
        return {"source_id": task.source_id, "url": link.url, "role": role, "found_on": found_on,
                "link_text": link.text or None, "year": link.year,
                "depth": task.depth if depth is None else depth, "derived_source_id": derived_id}

    @staticmethod
    def _derived(source_id: str, link: Link, year: int | None, kind: str, parent: str, origin: Source) -> dict:
        return {"source_id": source_id, "agency": origin.agency, "year": year, "location": link.url,
                "catalogue": origin.catalogue, "kind": kind, "parent_source_id": parent,
                "origin_source_id": origin.source_id, "title": link.text or None}

    def _commit_discoveries(self, found: list[dict], derived: list[dict], now) -> None:
        if not found:
            return
        self.con.execute("begin")
        try:
            wh.upsert_derived_sources(self.con, derived, now)
            wh.record_discoveries(self.con, found, now)
            self.con.execute("commit")
        except Exception:
            self.con.execute("rollback")
            raise
        self.counts.discovered += len(found)


def _utc_now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc).replace(tzinfo=None)


def catalogue_sources(con) -> list[Source]:
    """The catalogue rows as loaded into ``raw.sources`` (derived rows are the batch's to make)."""
    return [Source(source_id=r[0], agency=r[1], year=r[2], location=r[3], catalogue=r[4], kind=r[5], updated=r[6])
            for r in wh.catalogue_rows(con)]


def run_fetch_batch(con, store: RawStore, policy: FetchPolicy, selection: Selection = Selection(),
                    batch_id: str | None = None, log: Log = print, **kwargs) -> FetchCounts:
    return FetchBatch(con, store, policy, selection, batch_id, log, **kwargs).run(catalogue_sources(con))


# ---- parsing ----------------------------------------------------------------------------------

@dataclass
class ParseCounts:
    parsed: int = 0
    quarantined: int = 0
    templates: dict[str, int] = field(default_factory=dict)
    with_issues: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)

    def line(self) -> str:
        return (f"parsed {self.parsed} documents: {self.templates}; {len(self.with_issues)} with parse issues, "
                f"{self.quarantined} quarantined")


def selected_source_ids(con, selection: Selection) -> list[str] | None:
    """The sources (derived ones included) a selection covers; ``None`` for everything."""
    if selection.everything:
        return None
    return [source_id for source_id, origin, year, location in wh.source_rows(con)
            if selection.source_ok(source_id, origin, year, location)]


def parse_workers(requested: int | None, documents: int) -> int:
    """How many processes parse: as asked, else one per core; one when the batch is too small
    to repay starting the others (each imports the parser, about a second)."""
    if requested is not None:
        return max(1, requested)
    return max(1, min(os.cpu_count() or 1, documents // PARSE_DOCUMENTS_PER_WORKER))


PARSE_DOCUMENTS_PER_WORKER = 200   # below this many documents per extra process, stay in one
PARSE_CHUNK = 250                  # documents written to the warehouse per transaction


def _parse_stored(task: tuple) -> tuple:
    """Read one stored document and parse it (in a worker process, or in this one)."""
    from .parsing import ParsedReport, ParseIssue

    store_root, parse, sha256, media_type, location, source_id, encoding = task
    # The fetcher's decision on the charset reaches the parser through the media type.
    hinted = f"{media_type}; charset={encoding}" if media_type and encoding else media_type
    try:
        data = RawStore(store_root).get(sha256)
    except OSError as exc:   # the stored bytes went missing: say so, keep the row
        return sha256, ParsedReport(source=location, issues=[ParseIssue(
            "missing_bytes", f"{location}: stored bytes {sha256} cannot be read: {exc}")])
    return sha256, parse(data, source=location, media_type=hinted)


def _parsed_stream(tasks: list[tuple], workers: int):
    """(sha256, report) for every task, in order: in this process, or from a pool of
    ``workers`` processes (spawned, so no lock held by one of Dagster's threads is copied)."""
    if workers <= 1:
        yield from map(_parse_stored, tasks)
        return
    import multiprocessing

    # A slice of tasks at a time: Pool.imap hands every task out at once and keeps every
    # result the caller has not taken yet, so when the writer fell behind the workers, parsed
    # documents (tens of KB of objects each) piled up in this process for the whole batch.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for start in range(0, len(tasks), PARSE_SLICE):
            yield from pool.imap(_parse_stored, tasks[start:start + PARSE_SLICE], chunksize=8)


def run_parse_batch(con, store: RawStore, parser_version: str, parse: Callable, selection: Selection = Selection(),
                    log: Log = print, progress_every: int = 100, clock: Callable = None,
                    workers: int | None = None) -> ParseCounts:
    """Parse each current document not yet parsed by this parser version (and each quarantined
    one again); a document the parser cannot read at all is quarantined with the reason.

    Parsing runs in ``workers`` processes (default: one per core for a large batch); this
    process alone writes the warehouse, ``PARSE_CHUNK`` documents per transaction, so a batch
    killed midway keeps what it had written and the next run parses only the rest."""
    clock = clock or _utc_now
    counts = ParseCounts()
    todo = wh.documents_to_parse(con, parser_version, selected_source_ids(con, selection))
    workers = parse_workers(workers, len(todo))
    if len(todo) > progress_every:
        log(f"parsing {len(todo)} documents in {workers} process{'es' if workers > 1 else ''}")
    documents = {sha256: (media_type, location, source_id) for sha256, media_type, location, source_id, _ in todo}
    tasks = [(store.root, parse, *row) for row in todo]
    chunk: list[tuple] = []
    for i, (sha256, report) in enumerate(_parsed_stream(tasks, workers), start=1):
        chunk.append((sha256, report))
        if len(chunk) >= PARSE_CHUNK or i == len(todo):
            _store_parsed(con, chunk, documents, parser_version, clock(), counts)
            chunk = []
        if i % progress_every == 0:
            log(f"parsed {i}/{len(todo)}")
    log(counts.line())
    return counts


def _store_parsed(con, chunk: list[tuple], documents: dict, parser_version: str, now, counts: ParseCounts) -> None:
    """Write one chunk of parsed documents, quarantine the unreadable ones, release the rest."""
    wh.store_reports(con, [(sha256, documents[sha256][0], report) for sha256, report in chunk],
                     parser_version, now)
    readable = []
    for sha256, report in chunk:
        _, location, source_id = documents[sha256]
        counts.parsed += 1
        template = report.template or "unreadable"
        counts.templates[template] = counts.templates.get(template, 0) + 1
        fatal = [i for i in report.issues if i.code in QUARANTINE_CODES]
        if fatal:
            reason = f"{fatal[0].code}: {fatal[0].message}"
            wh.quarantine(con, "parse", source_id, sha256, reason, now)
            counts.quarantined += 1
            counts.quarantine.append({"source_id": source_id, "document": location, "reason": reason})
        else:
            readable.append(sha256)
        if report.issues:
            counts.with_issues.append({"document": location, "issues": len(report.issues),
                                       "first": report.issues[0].message})
    wh.resolve_quarantine_items(con, "parse", readable, now)
