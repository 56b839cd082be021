"""One parse batch: the loop the parse asset runs, with no Dagster in it.

Each current document not yet parsed by this parser version is read from the raw store and
parsed, in worker processes for a large batch; this process alone writes the warehouse, a chunk
per transaction, and quarantines what cannot be read at all."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from orchestration import warehouse as wh
from orchestration.fetching.batch import utc_now
from orchestration.fetching.catalogue import Selection
from orchestration.fetching.raw_store import RawStore
from orchestration.heap import collector_for_a_batch
from orchestration.progress import Throttle

from .supervisor import Supervisor, budget_seconds

Log = Callable[[str], None]

# Issue codes that mean a document could not be read at all: it goes to quarantine.
QUARANTINE_CODES = ("unreadable", "parser_error", "unsupported_form", "missing_bytes", "not_a_report",
                    "timeout", "memory")


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
# A chunk is written in one transaction when it holds a row group of metric values (DuckDB's
# 122,880 rows: about 900 of the generator's reports) or PARSE_CHUNK documents, whichever
# comes first. DuckDB writes the full row groups of a transaction straight into the database
# file; smaller appends go to its log and are written again at the next checkpoint. Storing
# 10,000 reports, 250 a chunk: 5.5-5.9 s of the writing process's CPU; 850 a chunk (114,000
# rows): 5.5 s; 950 (128,000 rows): 3.9 s; 1,000: 3.6 s.
PARSE_CHUNK_VALUES = 122_880
PARSE_CHUNK = 2000


def _parse_stored(task: tuple, started: Callable[[float], None] = lambda budget: None) -> wh.ReportRows:
    """Read one stored document and parse it, in a supervised worker (supervisor.py): it says
    the document's budget as soon as the bytes are read, then parses. What goes back to the
    writing process is the rows the warehouse stores (warehouse.ReportRows)."""
    from . import ParsedReport, ParseIssue

    store_root, parse, sha256, media_type, location, source_id, encoding = task
    # The fetcher's decision on the charset reaches the parser through the media type.
    hinted = f"{media_type}; charset={encoding}" if media_type and encoding else media_type
    try:
        data = RawStore(store_root).get(sha256)
    except OSError as exc:   # the stored bytes went missing: say so, keep the row
        return wh.report_rows(sha256, media_type, ParsedReport(source=location, issues=[ParseIssue(
            "missing_bytes", f"{location}: stored bytes {sha256} cannot be read: {exc}")]))
    started(budget_seconds(data))
    return wh.report_rows(sha256, media_type, parse(data, source=location, media_type=hinted))


def _stopped(task: tuple, code: str, message: str) -> wh.ReportRows:
    """The result of a document whose worker was stopped (past its budget or the memory cap)
    or died: a report with that issue, so it is quarantined and the batch goes on."""
    from . import ParsedReport, ParseIssue

    _, _, sha256, media_type, location, _, _ = task
    return wh.report_rows(sha256, media_type, ParsedReport(source=location, issues=[ParseIssue(
        code, f"{location}: {message}")]))


def _parsed_stream(tasks: list[tuple], workers: int):
    """The rows of every task's document, as the supervised workers finish them. Results never
    pile up in this process when the writer falls behind: a worker is handed a document only
    when this process comes back for results, and holds at most a few (supervisor.IN_FLIGHT).
    The same workers serve the whole batch, their parser caches warm."""
    yield from Supervisor(_parse_stored, _stopped, workers).run(tasks)


def run_parse_batch(con, store: RawStore, parser_version: str, parse: Callable, selection: Selection = Selection(),
                    log: Log = print, progress_every: int = 100, clock: Callable = None,
                    workers: int | None = None) -> ParseCounts:
    """Parse each current document not yet parsed by this parser version (and each quarantined
    one again); a document the parser cannot read at all is quarantined with the reason.

    Parsing runs in ``workers`` processes (default: one per core for a large batch); this
    process alone writes the warehouse, a chunk per transaction (a row group of metric values or
    ``PARSE_CHUNK`` documents), so a batch killed midway keeps what it had written and the next
    run parses only the rest."""
    clock = clock or utc_now
    counts = ParseCounts()
    todo = wh.documents_to_parse(con, parser_version, selected_source_ids(con, selection))
    workers = parse_workers(workers, len(todo))
    if len(todo) > progress_every:
        log(f"parsing {len(todo)} documents in {workers} process{'es' if workers > 1 else ''}")
    documents = {sha256: (media_type, location, source_id) for sha256, media_type, location, source_id, _ in todo}
    tasks = [(store.root, parse, *row) for row in todo]
    chunk: list[tuple] = []
    progress_due = Throttle()
    # A chunk is written by a thread of its own while this one goes on handing documents to the
    # workers and taking their results: written here, the workers waited for every write (the
    # insert runs in DuckDB, without the GIL). One chunk is written at a time, in order, and a
    # write that fails stops the batch at the next chunk; leaving the block waits for the last.
    with (collector_for_a_batch(), wh.fewer_checkpoints(con),
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse-writer") as writer):
        writing = None
        values = 0
        for i, rows in enumerate(_parsed_stream(tasks, workers), start=1):
            chunk.append(rows)
            values += rows.value_count
            if values >= PARSE_CHUNK_VALUES or len(chunk) >= PARSE_CHUNK or i == len(todo):
                if writing is not None:
                    writing.result()
                writing = writer.submit(_store_parsed, con, chunk, documents, parser_version, clock(), counts)
                chunk, values = [], 0
            if i % progress_every == 0 and progress_due():
                log(f"parsed {i}/{len(todo)}")
        if writing is not None:
            writing.result()
    log(counts.line())
    return counts


def _store_parsed(con, chunk: list[wh.ReportRows], documents: dict, parser_version: str, now,
                  counts: ParseCounts) -> None:
    """Write one chunk of parsed documents, quarantine the unreadable ones, release the rest."""
    wh.store_report_rows(con, chunk, parser_version, now)
    readable = []
    for rows in chunk:
        sha256 = rows.sha256
        _, location, source_id = documents[sha256]
        counts.parsed += 1
        template = rows.template or "unreadable"
        counts.templates[template] = counts.templates.get(template, 0) + 1
        issues = rows.issues[:rows.parser_issues]
        fatal = [(code, message) for code, message, _ in issues if code in QUARANTINE_CODES]
        if fatal:
            reason = f"{fatal[0][0]}: {fatal[0][1]}"
            wh.quarantine(con, "parse", source_id, sha256, reason, now)
            counts.quarantined += 1
            counts.quarantine.append({"source_id": source_id, "document": location, "reason": reason})
        else:
            readable.append(sha256)
        if issues:
            counts.with_issues.append({"document": location, "issues": len(issues), "first": issues[0][1]})
    wh.resolve_quarantine_items(con, "parse", readable, now)
