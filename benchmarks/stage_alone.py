#!/usr/bin/env python3
"""One stage of a refresh, alone, on what an end-to-end run left: for timing the fetch or the
parse step of this checkout against another's (``farm-bench``) without the rest of a refresh.

    .venv/bin/python benchmarks/stage_alone.py parse RUN_DIR [--work DIR] [--code DIR]
    .venv/bin/python benchmarks/stage_alone.py fetch RUN_DIR [--work DIR] [--code DIR]
    .venv/bin/python benchmarks/stage_alone.py serve RUN_DIR

``RUN_DIR`` is a run folder of ``end_to_end.py`` (``<workdir>/run-<N>-<seed>-<sites>``). Each stage
copies the run's warehouse into ``--work`` (default: a folder beside the run) and empties what the
stage writes, then runs it as the refresh's asset does and prints its wall time and this
process's CPU time (the parse workers' is not in it: they are the fork server's children):

- ``parse``: every document of the run's raw store parsed again by ``run_parse_batch`` with 2
  workers, then the rules across years (``settle_across_years``);
- ``fetch``: every catalogue source fetched again by ``run_fetch_batch`` with the benchmark's
  settings (``--min-interval 0 --max-workers 8 --per-host-concurrency 2 --revalidate-after
  30``) into a new raw store, from the sites ``serve`` serves (start it first, in another
  process: the run's catalogue has their addresses).

``--code DIR`` runs the stage of another checkout (e.g. one made with ``git archive <commit> | tar
-x -C DIR``), in this process and in the parse workers.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FETCH_TABLES = ("fetch_attempts", "fetch_manifest", "discoveries", "listings", "quarantine")
PARSE_TABLES = ("metric_values", "parse_issues", "reports", "open_rows", "across_years", "across_years_values",
                "report_sections", "quarantine")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _copy_warehouse(run_dir: Path, work: Path, emptied: tuple[str, ...]):
    import duckdb

    for old in work.iterdir():
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    shutil.copy(run_dir / "data" / "warehouse.duckdb", work / "warehouse.duckdb")
    con = duckdb.connect(str(work / "warehouse.duckdb"))
    con.execute("set memory_limit = '768MB'")   # the pipeline's cap (orchestration/config.py)
    for table in emptied:
        con.execute(f"delete from raw.{table}")
    con.execute("checkpoint")
    return con


def parse(run_dir: Path, work: Path) -> str:
    from orchestration.fetching.batch import utc_now
    from orchestration.fetching.raw_store import RawStore
    from orchestration.parsing import PARSER_VERSION, parse_document
    from orchestration.parsing.agency_series import settle_across_years
    from orchestration.parsing.batch import run_parse_batch

    con = _copy_warehouse(run_dir, work, PARSE_TABLES)
    started, cpu = time.perf_counter(), _cpu()
    counts = run_parse_batch(con, RawStore(run_dir / "data" / "raw"), PARSER_VERSION, parse_document,
                             log=lambda _: None, workers=2)
    parsed, parse_cpu = time.perf_counter(), _cpu()
    settle_across_years(con, utc_now(), log=lambda _: None)
    done = time.perf_counter()
    return (f"parse batch {parsed - started:.1f} s (this process's CPU {parse_cpu - cpu:.1f} s), rules across "
            f"years {done - parsed:.1f} s; {counts.parsed} documents")


def fetch(run_dir: Path, work: Path) -> str:
    from orchestration.fetching.batch import run_fetch_batch
    from orchestration.fetching.http import FetchPolicy
    from orchestration.fetching.raw_store import RawStore

    con = _copy_warehouse(run_dir, work, FETCH_TABLES)
    policy = FetchPolicy().with_overrides(min_interval_seconds=0, max_workers=8, per_host_concurrency=2,
                                          revalidate_after_days=30)
    started, cpu = time.perf_counter(), _cpu()
    counts = run_fetch_batch(con, RawStore(work / "raw"), policy, log=lambda _: None)
    return f"fetch {time.perf_counter() - started:.1f} s (CPU {_cpu() - cpu:.1f} s); {counts.line()}"


def serve(run_dir: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import end_to_end as e2e
    from replay_incremental import ports_of

    n, seed, sites = run_dir.name.split("-")[1:4]
    corpus = run_dir.with_name(f"corpus-{n}-{seed}-{sites}")
    served = e2e.Sites(corpus, ports=ports_of(run_dir / "data" / "sources" / "bench.csv", corpus))
    print(f"serving {corpus} at {', '.join(served.base_urls.values())}; stop with Ctrl-C", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        served.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=("parse", "fetch", "serve"))
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--work", type=Path, help="where the warehouse is copied (default: beside the run)")
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout whose stage is run")
    args = ap.parse_args()
    # First on the path of this process, and of the parse workers' fork server, which takes it from
    # the environment (the path it is handed comes after the editable install's).
    code = str(args.code.resolve())
    sys.path.insert(0, code)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (code, os.environ.get("PYTHONPATH"))))
    run_dir = args.run_dir.resolve()
    work = (args.work or run_dir.with_name(f"{run_dir.name}-{args.stage}-alone")).resolve()
    if args.stage == "serve":
        serve(run_dir)
    else:
        work.mkdir(parents=True, exist_ok=True)
        os.chdir(work)   # not in a checkout, whose own ``orchestration`` a fork server would find first
        print((parse if args.stage == "parse" else fetch)(run_dir, work.resolve()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
