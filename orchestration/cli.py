"""The ``disclosure`` command: ``run`` materialises every asset, ``parse`` reads documents."""
from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import io
import logging
import os
import re
import shutil
import socket
import sys
import threading
import time
import warnings
from pathlib import Path

from orchestration.config import PROJECT_ROOT, paths


def _parse(args: argparse.Namespace) -> int:
    import json

    from orchestration.parsing import parse_document
    from orchestration.parsing.across_years import resolve

    status = 0
    reports = []
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc}", file=sys.stderr)
            status = 1
            continue
        report = parse_document(data, source=name)
        reports.append(report)
    # Rows one report leaves open may be settled by the same agency's neighbouring years (R5, R6,
    # R7, R11), so with several documents all are read before any is printed.
    resolve(reports)
    for report in reports:
        if args.summary:
            print(parse_summary(report), flush=True)
        elif args.pretty:
            print(json.dumps(json.loads(report.to_json()), ensure_ascii=False, indent=2), flush=True)
        else:
            print(report.to_json(), flush=True)
    return status


def parse_summary(report) -> str:
    """A few lines a person reads: who, which year, which layout, how many figures, what went wrong."""
    metrics = report.metrics
    given = sum(1 for v in metrics.values() if v is not None)
    layout = {"2019": "2019 layout", "2021": "2021 layout", "freeform": "free-form"}.get(report.template,
                                                                                       report.template)
    lines = [f"{report.source}: {report.agency or '(agency not found)'}, year {report.year or '?'}, "
             f"{layout or 'no layout recognised'}, scope {report.scope or 'not stated'}, "
             f"published {report.published or '?'}",
             f"  {len(metrics)} metric keys read, {given} with a value, {len(metrics) - given} blank; "
             f"{len(report.issues)} parse issues"]
    for issue in report.issues[:10]:
        lines.append(f"  issue {issue.code}: {issue.message}" + (f" ({issue.location})" if issue.location else ""))
    if len(report.issues) > 10:
        lines.append(f"  … and {len(report.issues) - 10} more (see the JSON output)")
    return "\n".join(lines)


def materialise_all(log_level: str = "INFO", years=(), hosts=(), source_ids=(), progress: bool = False,
                    executor: str = "in_process", parse_workers: int | None = None, **fetch_settings):
    """Run every asset and asset check of the code location once, recorded in the project's
    Dagster instance (so the run shows in ``make dev``). Returns the run result.

    A full refresh fetches every source over the year partitions from the first to the last
    year the catalogue names (so the empty years around them are not marked materialised); with
    ``years``, those from the first to the last;
    ``hosts`` and ``source_ids`` narrow what is fetched and parsed further (dbt, the checks and
    the publication still cover the whole warehouse); ``fetch_settings`` override the politeness
    defaults (``min_interval_seconds``, ``max_workers``, …). ``executor="multiprocess"`` runs
    each step in a process of its own, as the Dagster UI and daemon do."""
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        # The project's instance settings (the one-writer pool above all) go with any home.
        shutil.copyfile(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    import dagster as dg
    from dagster._core.utils import make_new_run_id

    from orchestration.definitions import refresh_job
    from orchestration.defs.ingest import ingest_run_config
    from orchestration.defs.shared import (
        REPOSITORY_LABEL,
        catalogue_years,
        full_refresh_tags,
        years_tags,
    )

    job = refresh_job()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}},
                  **ingest_run_config(hosts, source_ids, parse_workers=parse_workers, **fetch_settings)}
    # A full refresh covers the catalogue's years; --year, those years only.
    tags = {**(years_tags(years) if years else full_refresh_tags(catalogue_years())),
            **{f"disclosure/{k}": ",".join(map(str, v)) for k, v in
               (("hosts", hosts), ("sources", source_ids)) if v}}
    with _first_use_lock(home):
        instance = dg.DagsterInstance.get()
        release_abandoned_runs(instance)
    with instance, contextlib.ExitStack() as stack:
        # The code location's label: the UI lists the run on the refresh job's page and timeline.
        tags = {**tags, RUN_HOST_TAG: socket.gethostname(), RUN_PID_TAG: str(os.getpid()),
                REPOSITORY_LABEL_TAG: REPOSITORY_LABEL}
        run_id = make_new_run_id()
        # dbt prints its log lines (hundreds a build) on stdout: they go to a log file in every
        # mode, at the file-descriptor level so that the step processes of the multiprocess
        # executor, which inherit it, write there too. Dagster's own step logs stay on stderr.
        log_path = home / "logs" / f"run-{run_id}.log"
        log_path.parent.mkdir(exist_ok=True)
        stack.enter_context(_stdout_to(log_path))
        print(f"(dbt's own output goes to {log_path})", file=sys.stderr)
        if progress:
            # Python warnings and library log lines (GX, dbt's adapters, pdfminer, Dagster's own
            # "dagster" logger…) would write across the bar: they go to the same log file.
            stack.enter_context(library_output_to(log_path))
            # The run's own warnings (a skipped catalogue row, a failed source) still show, printed
            # above the bar instead of across it.
            terminal = sys.stderr
            stack.enter_context(_lines_above_the_bar(terminal))
            stop = threading.Event()
            watcher = threading.Thread(target=show_progress,
                                       args=(instance, run_id, len(job.nodes), stop, terminal), daemon=True)
            watcher.start()
            stack.callback(watcher.join, 5)
            stack.callback(stop.set)
        if executor == "multiprocess":
            return dg.execute_job(dg.reconstructable(refresh_job), instance, raise_on_error=False,
                                  run_config=run_config, tags={**tags, RUN_ID_TAG: run_id})
        return job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config,
                                      tags=tags, run_id=run_id)


@contextlib.contextmanager
def _stdout_to(path: Path):
    """Send this process's stdout (Python's and file descriptor 1, which child processes
    inherit) to ``path`` until the block ends."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(path, "a", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        try:
            with contextlib.redirect_stdout(log):
                yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


class _AboveTheBar(io.TextIOBase):
    """A stand-in for stderr while the progress bar is shown: each whole line is printed with
    ``tqdm.write``, which clears the bar, prints the line and draws the bar again below it."""

    def __init__(self, terminal):
        self.terminal, self.pending = terminal, ""

    def write(self, text: str) -> int:
        from tqdm import tqdm
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            tqdm.write(line, file=self.terminal)
        return len(text)

    def flush(self) -> None:
        self.terminal.flush()

    def isatty(self) -> bool:
        return self.terminal.isatty()


@contextlib.contextmanager
def _lines_above_the_bar(terminal):
    """Until the block ends, what is written to ``sys.stderr`` (Dagster's console logger looks it
    up for every message) goes above the progress bar drawn on ``terminal``."""
    above = _AboveTheBar(terminal)
    with contextlib.redirect_stderr(above):
        try:
            yield
        finally:
            if above.pending:
                above.write("\n")


def _writes_to_a_terminal_stream(handler) -> bool:
    """A handler that prints on stdout or stderr (not a file handler, which is a stream handler too)."""
    if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
        return False
    return getattr(handler, "stream", None) in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)


@contextlib.contextmanager
def library_output_to(path: Path):
    """Until the block ends, every Python warning (as ``logging.captureWarnings``) and every log
    record of a library logger goes to ``path`` instead of the terminal: the handlers that print
    on stdout or stderr, on the root logger and on any named logger, are set aside and a file
    handler takes their place. The run's own step logs (Dagster's console logger, which is not a
    named logger) are left alone."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    loggers = [root] + [logger for logger in list(logging.root.manager.loggerDict.values())
                        if isinstance(logger, logging.Logger)]
    saved = {logger: logger.handlers[:] for logger in loggers}
    for logger in loggers:
        kept = [h for h in logger.handlers if not _writes_to_a_terminal_stream(h)]
        if logger is root or (len(kept) < len(logger.handlers) and not logger.propagate):
            kept.append(handler)
        logger.handlers = kept
    # What logging.captureWarnings(True) does, done here: that call is a no-op once a library has
    # called it and put warnings.showwarning back (importing Great Expectations leaves it so).
    shown_before = warnings.showwarning

    def log_warning(message, category, filename, lineno, file=None, line=None):
        logging.getLogger("py.warnings").warning(
            "%s", warnings.formatwarning(message, category, filename, lineno, line).rstrip())

    warnings.showwarning = log_warning
    try:
        yield
    finally:
        warnings.showwarning = shown_before
        for logger, handlers in saved.items():
            logger.handlers = handlers
        handler.close()


RUN_HOST_TAG, RUN_PID_TAG = "disclosure/host", "disclosure/pid"
REPOSITORY_LABEL_TAG = ".dagster/repository"   # dagster._core.storage.tags.REPOSITORY_LABEL_TAG
RUN_ID_TAG = "disclosure/invocation"   # execute_job picks its own run id; the progress bar finds it by this


@contextlib.contextmanager
def _first_use_lock(home: Path):
    """Opening a Dagster instance on a fresh home creates its SQLite tables; two runs started
    together would both try ("table job_ticks already exists"). Take turns for that moment."""
    with open(home / ".instance.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_abandoned_runs(instance) -> list[str]:
    """Runs this machine started whose process is gone (killed, crashed) would hold their
    warehouse pool slot for ever and queue every later run: mark them failed, free the slot."""
    import dagster as dg

    abandoned = []
    unfinished = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=unfinished,
                                                       tags={RUN_HOST_TAG: socket.gethostname()})):
        pid = int(run.tags.get(RUN_PID_TAG, "0") or 0)
        if pid and pid != os.getpid() and not _process_alive(pid):
            instance.report_run_failed(run, message=f"its process {pid} ended before the run finished "
                                                    "(killed?); its pool slots were released")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            abandoned.append(run.run_id)
    return abandoned


_PROGRESS_LINE = re.compile(r"^(?:fetched|parsed|discovered)\b.*\d+/\d+")


def show_progress(instance, run_id: str, steps: int, stop: threading.Event, terminal=None) -> None:
    """A progress bar over the run's steps, following its event log, with the latest count an
    asset logged ("parsed 300/1000") beside it. For terminals only: logs carry the same facts."""
    import dagster as dg
    from tqdm import tqdm

    done_types = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}
    cursor = None
    with tqdm(total=steps, unit="step", desc="refresh", dynamic_ncols=True, leave=True,
              file=terminal or sys.stderr) as bar:
        while True:
            finished = stop.is_set()
            if not instance.has_run(run_id):   # a multiprocess run: find its own id by our tag
                found = instance.get_run_ids(filters=dg.RunsFilter(tags={RUN_ID_TAG: run_id}), limit=1)
                run_id = found[0] if found else run_id
            try:
                page = instance.get_records_for_run(run_id=run_id, cursor=cursor, limit=1000)
            except Exception:   # the run is not in storage yet
                page = None
            if page is not None:
                cursor = page.cursor
                for record in page.records:
                    entry = record.event_log_entry
                    event = entry.dagster_event
                    if event is not None and event.event_type_value in done_types:
                        bar.update(1)
                    elif event is not None and event.event_type_value == "STEP_START":
                        bar.set_description(f"refresh: {event.step_key}")
                    elif event is None and _PROGRESS_LINE.match(entry.user_message or ""):
                        bar.set_postfix_str(entry.user_message[:60])
            if finished:
                break
            time.sleep(0.5)


FAILING_REPORTS_SHOWN = 20   # the summary lists up to this many failing reports; the Data Docs hold all


def summary(failing_limit: int = FAILING_REPORTS_SHOWN) -> str:
    """What the last published refresh holds. Read from the published manifest and the
    published mart, never from the live warehouse: a reader there would block a running
    refresh's writer. Counts say what they count: documents, reports, or table rows."""
    import json

    p = paths()
    manifest_path = p.published_dir / "manifest.json"
    lines = [f"warehouse:      {p.warehouse}"]
    if not manifest_path.exists():
        lines.append(f"published mart: none yet in {p.published_dir} (run `make run`)")
        return "\n".join(lines)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    held = manifest.get("warehouse", {})
    outcomes = held.get("fetch_outcomes", {})
    lines.append(f"  fetched documents: {outcomes.get('fetched', 0)} fetched, {outcomes.get('failed', 0)} failed "
                 f"(raw.fetch_manifest outcomes)")
    lines.append(f"  parsed documents:  {held.get('raw.reports', 0)} ({held.get('raw.parse_issues', 0)} parse issues)")
    published = p.published_dir / manifest["duckdb_file"]
    facts = _published_facts(published, failing_limit)
    if facts.get("layouts"):
        lines.append("  agency-years by layout (mart_agency_year): "
                     + ", ".join(f"{layout} {n}" for layout, n in facts["layouts"]))
    lines.append("  table rows:")
    for table, rows in manifest.get("tables", {}).items():
        lines.append(f"    marts.{table}: {rows} rows")
    if facts.get("rules"):
        lines.append("  rules, in reports (a report counts once per rule; fail wins over pass):")
        for rule, severity, passed, failed, unassessable in facts["rules"]:
            lines.append(f"    {rule} ({severity}): {passed} pass, {failed} fail, {unassessable} not assessable")
    else:   # an older published mart: rows of mart_reconciliation by status, from the manifest
        for rule, statuses in held.get("rules", {}).items():
            lines.append(f"  rule {rule}, rows of mart_reconciliation: "
                         + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(statuses.items())))
    failing, total = facts.get("failing", []), facts.get("failing_total", 0)
    if total:
        lines.append(f"failing reports (agency, year, rules): {total}"
                     + (f", the first {len(failing)}" if total > len(failing) else ""))
        for agency, year, rules in failing:
            lines.append(f"  {agency} {year}: {rules}")
    lines.append(f"published mart: {published} (at {manifest['published_at']})")
    lines.append(f"parquet:        {p.published_dir / 'parquet'}")
    for label, path in (("data docs", p.published_dir / "data_docs" / "index.html"),
                        ("dbt docs", p.published_dir / "dbt_docs" / "index.html"),
                        ("dashboard", p.published_dir / "dashboard.html")):
        if path.exists():
            lines.append(f"{label + ':':<16}{path}")
    return "\n".join(lines)


def _published_facts(published: Path, failing_limit: int) -> dict:
    """Rules per report, failing reports and layouts, from the published copy (safe to read
    while a refresh runs: it is replaced atomically). Empty when the copy lacks them."""
    import duckdb

    facts: dict = {}
    if not published.exists():
        return facts
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return facts
    try:
        with contextlib.suppress(duckdb.Error):
            facts["rules"] = con.execute("""
                with per_report as (
                    select rule_id, any_value(severity) as severity, report_id,
                           case when bool_or(status = 'fail') then 'fail'
                                when bool_or(status = 'pass') then 'pass' else 'not_assessable' end as status
                    from mart_reconciliation group by rule_id, report_id)
                select rule_id, any_value(severity), count(*) filter (status = 'pass'),
                       count(*) filter (status = 'fail'), count(*) filter (status = 'not_assessable')
                from per_report group by rule_id order by cast(substr(rule_id, 2) as integer), rule_id
            """).fetchall()
            failing = con.execute("""
                select any_value(agency), year, string_agg(distinct rule_id, ', ' order by rule_id)
                from mart_reconciliation where status = 'fail'
                group by report_id, year order by 1, 2""").fetchall()
            facts["failing_total"], facts["failing"] = len(failing), failing[:failing_limit]
        with contextlib.suppress(duckdb.Error):
            facts["layouts"] = con.execute(
                "select era, count(*) from mart_agency_year group by era order by era").fetchall()
    finally:
        con.close()
    return facts


def _run(args: argparse.Namespace) -> int:
    in_terminal = sys.stderr.isatty()
    # In a terminal a progress bar shows the run; the step logs would scroll it away.
    log_level = args.log_level or ("WARNING" if in_terminal else "INFO")
    try:
        result = materialise_all(log_level=log_level, progress=in_terminal, years=args.year, hosts=args.host,
                                 source_ids=args.source, executor=args.executor, parse_workers=args.parse_workers,
                                 min_interval_seconds=args.min_interval, max_workers=args.max_workers,
                                 per_host_concurrency=args.per_host_concurrency,
                                 revalidate_after_days=args.revalidate_after)
    except ValueError as exc:   # a year with no partition
        print(f"disclosure run: {exc}", file=sys.stderr)
        return 2
    failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    print()
    print(f"run {result.run_id} of job refresh: {'succeeded' if result.success else 'FAILED'}")
    if failed_steps:
        print(f"failed steps: {', '.join(failed_steps)}")
    for label, group in check_groups(checks):
        failed = [c.asset_check_key.name for c in group if not c.passed]
        print(f"{label}: {len(group) - len(failed)} passed, {len(failed)} failed"
              + (f" ({', '.join(failed)})" if failed else ""))
    print(summary())
    return 0 if result.success else 1


def check_groups(checks) -> list[tuple[str, list]]:
    """The run's check evaluations, told apart: the reports' own rules (GX suites), the
    parser's structural check, and dbt's data tests on the models."""
    rules = [c for c in checks if c.asset_check_key.name.startswith("rule_")]
    structural = [c for c in checks if c.asset_check_key.name == "structural_parser_output"]
    dbt_tests = [c for c in checks if c not in rules and c not in structural]
    return [(label, group) for label, group in (("rule checks (R1–R11, Great Expectations)", rules),
                                                ("structural check of the parser output", structural),
                                                ("dbt data tests", dbt_tests)) if group]


def _status(args: argparse.Namespace) -> int:
    if not paths().warehouse.exists():
        print(f"no warehouse at {paths().warehouse}: run `make run` first")
        return 1
    print(summary())
    return 0


def _fetch_report(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.fetching.report import fetch_report

    if not paths().warehouse.exists():
        print(f"no warehouse at {paths().warehouse}: run `make run` first")
        return 1
    con = duckdb.connect(str(paths().warehouse), read_only=True)
    try:
        print(fetch_report(con, batch_id=args.batch, limit=args.limit))
    finally:
        con.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="disclosure", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    parse = commands.add_parser("parse", help="parse documents; print one JSON object per document per line")
    parse.add_argument("files", nargs="+")
    shape = parse.add_mutually_exclusive_group()
    shape.add_argument("--pretty", action="store_true", help="indented JSON, one object per document")
    shape.add_argument("--summary", action="store_true",
                       help="a few lines per document: agency, year, layout, counts, parse issues")
    parse.set_defaults(func=_parse)
    run = commands.add_parser("run", help="materialise every asset (fetch, parse, load, dbt, checks, publish)")
    run.add_argument("--log-level", default=None, choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                     help="console log level (default: INFO, or WARNING in a terminal, where a progress bar shows)")
    run.add_argument("--year", type=int, action="append", default=[],
                     help="fetch and parse only this year's partition (repeatable: the years from the "
                          "first to the last given)")
    run.add_argument("--host", action="append", default=[],
                     help="fetch and parse only sources on this site, e.g. www.example.gov.cn (repeatable)")
    run.add_argument("--source", action="append", default=[],
                     help="fetch and parse only this catalogue source_id (repeatable)")
    run.add_argument("--min-interval", type=float, default=None,
                     help="seconds between two requests to one site (default 2)")
    run.add_argument("--max-workers", type=int, default=None,
                     help="requests in flight in all, over several sites (default 4)")
    run.add_argument("--per-host-concurrency", type=int, default=None,
                     help="requests in flight to one site (default 1)")
    run.add_argument("--revalidate-after", type=float, default=None, metavar="DAYS",
                     help="do not request again a report verified less than DAYS ago, unless the "
                          "catalogue's updated date is on or after that day (default: revalidate every report)")
    run.add_argument("--parse-workers", type=int, default=None,
                     help="processes that parse (default: one per core when there are many documents)")
    run.add_argument("--executor", choices=["in_process", "multiprocess"], default="in_process",
                     help="run the steps in this process (default) or each in a process of its own")
    run.set_defaults(func=_run)
    status = commands.add_parser("status", help="what the warehouse and the published mart hold")
    status.set_defaults(func=_status)
    report = commands.add_parser("fetch-report", help="what the last fetch batch did, and what is in quarantine")
    report.add_argument("--batch", help="a batch id (a Dagster run id) instead of the latest")
    report.add_argument("--limit", type=int, default=30, help="rows per list (default 30)")
    report.set_defaults(func=_fetch_report)
    args = parser.parse_args(argv)
    return args.func(args)


def command_line() -> None:
    """The ``disclosure`` command: :func:`main`, then the process ends without the interpreter's
    teardown. After a refresh the process holds a large heap (the job, dbt's, GX's and pandas'
    modules, the run's objects), and freeing it object by object took 1.2 s of an incremental
    refresh at 100,000 reports: memory the system takes back at once. The exit handlers still
    run first, as at a normal exit (logging's flush, temporary folders, child processes). An
    exception ends the process the normal way, with its traceback."""
    code = main()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:   # not CPython: the normal way
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    run_exit_handlers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)


if __name__ == "__main__":
    command_line()
