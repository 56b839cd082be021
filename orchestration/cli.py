"""The ``disclosure`` command: ``run`` materialises every asset, ``parse`` reads documents."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from orchestration.lib.config import PROJECT_ROOT, paths


def _parse(args: argparse.Namespace) -> int:
    from orchestration.lib.parsing import parse_document

    status = 0
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc}", file=sys.stderr)
            status = 1
            continue
        print(parse_document(data, source=name).to_json(), flush=True)
    return status


def materialise_all(log_level: str = "INFO"):
    """Run every asset and asset check of the code location once, recorded in the project's
    Dagster instance (so the run shows in ``make dev``). Returns the run result."""
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    import dagster as dg

    from orchestration.definitions import defs

    job = defs().resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.get() as instance:
        return job.execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})


def summary() -> str:
    """What the warehouse and the published copy hold now."""
    import duckdb

    p = paths()
    lines = [f"warehouse:      {p.warehouse}"]
    con = duckdb.connect(str(p.warehouse), read_only=True)
    try:
        fetched, failed = con.execute(
            "select count(*) filter (where outcome = 'fetched'), count(*) filter (where outcome = 'failed') "
            "from raw.fetch_manifest").fetchone()
        reports, issues = con.execute(
            "select count(*), (select count(*) from raw.parse_issues) from raw.reports").fetchone()
        lines.append(f"  fetch manifest: {fetched} fetched, {failed} failed outcomes")
        lines.append(f"  parsed reports: {reports} ({issues} parse issues)")
        for table in ("fct_disclosure_metrics", "mart_agency_year", "mart_reconciliation"):
            try:
                n = con.execute(f"select count(*) from marts.{table}").fetchone()[0]
                lines.append(f"  marts.{table}: {n} rows")
            except duckdb.Error:
                lines.append(f"  marts.{table}: not built")
        try:
            r1 = dict(con.execute("select status, count(*) from marts.mart_reconciliation "
                                  "where rule_id = 'R1' group by status").fetchall())
            lines.append(f"  rule R1 (table 三 balance): {r1}")
        except duckdb.Error:
            pass
    finally:
        con.close()
    published = p.published_dir / "mart.duckdb"
    lines.append(f"published mart: {published}{'' if published.exists() else ' (not published yet)'}")
    lines.append(f"parquet:        {p.published_dir / 'parquet'}")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    result = materialise_all(log_level=args.log_level)
    failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    checks = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed_checks = [c for c in checks if not c.passed]
    print()
    print(f"run {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    if failed_steps:
        print(f"failed steps: {', '.join(failed_steps)}")
    print(f"asset checks: {len(checks) - len(failed_checks)} passed, {len(failed_checks)} failed"
          + (f" ({', '.join(c.asset_check_key.name for c in failed_checks)})" if failed_checks else ""))
    print(summary())
    return 0 if result.success else 1


def _status(args: argparse.Namespace) -> int:
    if not paths().warehouse.exists():
        print(f"no warehouse at {paths().warehouse}: run `make run` first")
        return 1
    print(summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="disclosure", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    parse = commands.add_parser("parse", help="parse documents; print one JSON object per document per line")
    parse.add_argument("files", nargs="+")
    parse.set_defaults(func=_parse)
    run = commands.add_parser("run", help="materialise every asset (fetch, parse, load, dbt, checks, publish)")
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    run.set_defaults(func=_run)
    status = commands.add_parser("status", help="what the warehouse and the published mart hold")
    status.set_defaults(func=_status)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
