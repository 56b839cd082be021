"""One fetch batch: the loop the fetch asset runs, with no Dagster in it.

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
import queue
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Callable

from orchestration import warehouse as wh
from orchestration.progress import Throttle

from .catalogue import Selection, Source, is_url
from .following import Follower
from .http import FetchPolicy, FetchResult, HttpClient, Previous, fetch
from .raw_store import RawStore
from .tasks import FetchCounts, Task

Log = Callable[[str], None]

# Fetch results are recorded in groups, a transaction each: at most this many, or this many
# seconds' worth. A process killed midway loses the records of at most one group, never bytes:
# those are in the store, and the next run finds them again (as a 304 or the same hash).
RECORD_EVERY = 200
RECORD_SECONDS = 2.0
IN_FLIGHT_PER_WORKER = 4   # fetches handed to the threads and not yet handled, per thread


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
        self._progress_due = Throttle()
        self.warn = warn or log
        self.client = client or HttpClient(policy)
        self.clock = clock or utc_now
        self.hook = recorder_hook
        self.counts = FetchCounts()
        self._queued: set[tuple[str, str]] = set()
        self._pending: dict[Future, Task] = {}
        self._waiting: collections.deque[Task] = collections.deque()
        self._done: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self._unrecorded: list[tuple] = []
        self._recorded_at = time.monotonic()
        self._previous: dict[str, tuple] = {}
        self.follower = Follower(con, policy, selection, self.counts, submit=self._submit,
                                 queued=lambda source_id, url: (source_id, url) in self._queued,
                                 fail=self._handle, clock=self.clock, warn=self.warn)

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
                    self.follower.expand_folder(source)
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
                if done_count % self.progress_every == 0 and self._progress_due():
                    self.log(f"progress: {self.counts.line()}; {len(self._pending) + len(self._waiting)} queued")
        finally:
            # Whatever happens, stop handing out work; fetches in flight finish (they are
            # bounded by timeouts) and their bytes are in the store for the next run.
            executor.shutdown(wait=True, cancel_futures=True)
            self._record()
        self.follower.finish(self.batch_id, self.clock(), warn=self.warn, log=self.log)
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
        # A discovered report is dated by its listing (the date printed beside its link).
        updated = task.origin.updated if task.source_id == task.origin.source_id else task.updated
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
        if task.role == "listing" and not result.ok and self.follower.listing_page_failed(task, result):
            result.outcome, result.error = "no_such_page", "no such page (HTTP 404 on a page built from the listing)"
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
        elif result.outcome == "no_such_page":   # an answer about the listing, not a failure
            self.counts.no_such_page += 1
            self.log(f"no such listing page: {task.location} (HTTP 404)")
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
        # (a local file: only a page's own pictures beside it are followed, never the web)
        if result.ok and result.data is not None and (is_url(task.location) or task.role == "report"):
            try:
                self.follower.follow(task, result)
            except Exception as exc:   # a page discovery cannot read must not stop the batch
                self.warn(f"discovery failed on {task.location}: {type(exc).__name__}: {exc}")
        result.data = None

    def _record(self) -> None:
        """Write the results handled since the last time, in one transaction."""
        unrecorded, self._unrecorded = self._unrecorded, []
        self._recorded_at = time.monotonic()
        wh.record_fetches(self.con, self.batch_id, unrecorded, self.clock())

def utc_now():
    """Naive UTC, as the warehouse stores timestamps."""
    from datetime import datetime, timezone
    return datetime.now(timezone.utc).replace(tzinfo=None)


def catalogue_sources(con) -> list[Source]:
    """The catalogue rows as loaded into ``raw.sources`` (derived rows are the batch's to make)."""
    return [Source(source_id=r[0], agency=r[1], year=r[2], location=r[3], catalogue=r[4], kind=r[5], updated=r[6])
            for r in wh.catalogue_rows(con)]


def run_fetch_batch(con, store: RawStore, policy: FetchPolicy, selection: Selection = Selection(),
                    batch_id: str | None = None, log: Log = print, **kwargs) -> FetchCounts:
    return FetchBatch(con, store, policy, selection, batch_id, log, **kwargs).run(catalogue_sources(con))


