"""Great Expectations suites run as Dagster asset checks: the parser's structural check on
``parsed_metric_values``, and the rules R1–R11 on an asset of their own, ``rule_checks``."""
import contextlib
import gc
import importlib
import threading

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.shared import WAREHOUSE_POOL, give_back_memory, markdown_table, metadata_table

STRUCTURAL_REPORTS_PER_CHUNK = 2000   # about 150 values each
RULE_ROWS_PER_CHUNK = 250_000   # rows of whole report versions validated at a time (~0.5 GB at the peak)
PARSED_THROUGH = "parsed_through"   # check metadata: the latest parsed_at among the reports checked


def import_checks_meanwhile() -> threading.Thread:
    """Start importing Great Expectations in a background thread. The structural check right
    after the parse imports it (1.9 s: two thirds of that check when a refresh brings 1,000
    reports), and the parse step mostly waits on its worker processes meanwhile (a refresh of
    1 % at 100,000 reports: the check 2.9 → 1.0 s, the parse about 1 s longer). A failed import
    here costs nothing: the check imports it again and reports its error."""
    def run() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module("expectations.structural")
    thread = threading.Thread(target=run, name="import-expectations", daemon=True)
    thread.start()
    return thread


@dg.asset_check(asset="parsed_metric_values", name="structural_parser_output", blocking=True,
                pool=WAREHOUSE_POOL,
                description="The parser's output is well-formed: only the metric keys of docs/metrics.md, one value per "
                            "report and key, years in range, known templates, provenance on every value "
                            "(expectations/structural.py). Blocking: a failure means our code is wrong, so the "
                            "mart is not rebuilt from it.")
def structural_parser_output(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource) -> dg.AssetCheckResult:
    from expectations.structural import (  # GX is slow to import: only when run
        combine,
        validate,
    )

    since = _structural_check_passed_through(context)
    outcomes = []
    with warehouse.get_connection() as con:
        reports, through = [], since
        for sha, parsed_at in con.execute(
                "select sha256, parsed_at from raw.reports where ?::timestamp is null or parsed_at > ? "
                "order by sha256", [since, since]).fetchall():
            reports.append(sha)
            through = max(through or parsed_at, parsed_at)
        # A chunk of reports at a time: a national refresh holds ten million values, which pandas
        # (under GX) would hold several times over. A report's values stay in one chunk, so the
        # one-value-per-report-and-key expectation still sees all of them.
        for start in range(0, len(reports), STRUCTURAL_REPORTS_PER_CHUNK):
            first, last = reports[start], reports[min(start + STRUCTURAL_REPORTS_PER_CHUNK, len(reports)) - 1]
            frame = con.execute("""
                select v.sha256 as report_id, v.metric_key, r.year, r.template, v.method, v.location
                from raw.metric_values v join raw.reports r using (sha256)
                where v.sha256 between ? and ? and (?::timestamp is null or r.parsed_at > ?)""",
                [first, last, since, since]).df()
            outcomes.append(validate(frame))
            del frame
            gc.collect()   # GX keeps the chunk's frames in reference cycles (expectations/rule_checks.py)
    outcome = combine(outcomes)
    give_back_memory()
    context.log.info(f"structural check: {len(reports)} reports parsed after "
                     f"{since or 'the beginning'}, {outcome.rows} values, {len(outcome.failures)} failed expectations")
    return dg.AssetCheckResult(
        passed=outcome.success, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"values_checked": outcome.rows, "reports_checked": len(reports),
                  "parsed_after": str(since or "the beginning"),
                  PARSED_THROUGH: through.isoformat() if through else "",
                  "failed_expectations": dg.MetadataValue.md(markdown_table(
                      outcome.failures, ["expectation", "column", "unexpected", "examples"]))})


def _structural_check_passed_through(context: dg.AssetCheckExecutionContext):
    """The latest parse time the check has passed through, or None (check everything). What
    was parsed until then has passed; what a failed check saw is checked again next time."""
    from datetime import datetime

    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus,
    )

    records = context.instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("parsed_metric_values"), "structural_parser_output"), limit=1,
        status={AssetCheckExecutionRecordStatus.SUCCEEDED})
    event = records[0].event.dagster_event if records and records[0].event else None
    through = event.event_specific_data.metadata.get(PARSED_THROUGH) if event else None
    return datetime.fromisoformat(through.value) if through and through.value else None


MART_RECONCILIATION = dg.AssetKey(["marts", "mart_reconciliation"])
FAILING_REPORTS_SHOWN = 200   # rows of the failing-reports table in a check's metadata; all are in the Data Docs


def failing_reports_table(failures: list[dict], limit: int = FAILING_REPORTS_SHOWN) -> dg.TableMetadataValue:
    """The failing reports as a metadata table, which the UI shows as a table (Markdown hid
    behind "Show Markdown"). Capped: a national mart can hold thousands."""
    columns = [("agency", "string"), ("year", "int"), ("column", "string"), ("lhs", "string"),
               ("rhs", "string"), ("report_id", "string")]
    records = [dg.TableRecord({name: (None if f.get(name) is None else
                                      int(f[name]) if kind == "int" else str(f[name]))
                               for name, kind in columns})
               for f in failures[:limit]]
    return dg.MetadataValue.table(records=records, schema=dg.TableSchema(
        columns=[dg.TableColumn(name, kind) for name, kind in columns]))


# The rule checks sit on an asset of their own, apart from the dbt data tests that Dagster shows
# on every dbt model: in the UI, `rule_checks` (group "checks") holds the eleven R1–R11 checks
# and nothing else, and `marts/mart_reconciliation` only dbt's tests.
RULE_CHECKS = dg.AssetKey("rule_checks")


def _rule_specs() -> list[dg.AssetCheckSpec]:
    from expectations.rules import RULES

    return [dg.AssetCheckSpec(name=rule.check_name, asset=RULE_CHECKS,
                              description=f"{rule.rule_id} ({rule.severity}): {rule.description}. Great "
                                          "Expectations suite in expectations/reconciliation.py over "
                                          "marts.mart_reconciliation; a failure names the reports and columns, "
                                          "and the reports stay in the mart.")
            for rule in RULES.values()]


@dg.asset(key=RULE_CHECKS, group_name="checks", kinds={"great_expectations", "duckdb"},
          deps=[MART_RECONCILIATION], check_specs=_rule_specs(), pool=WAREHOUSE_POOL)
def rule_checks(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """The reports' own arithmetic rules (R1–R11 of docs/metrics.md) validated over
    mart_reconciliation, one Great Expectations suite and one asset check per rule. What it
    materialises is the warehouse's ``checks`` schema (which report versions each suite has
    validated, and the rows that failed) and the Data Docs site in the published folder. Only
    the report versions not validated yet go through GX (expectations/rule_checks.py); each
    check's outcome is over the whole mart."""
    from expectations.rules import RULES
    from expectations.rule_checks import mart_rule_summary, validate_rule_in_warehouse
    from expectations.runner import DocsTarget, build_docs
    from orchestration.config import paths
    from orchestration.heap import collector_for_a_batch

    # Data Docs list each result under the Dagster run that validated it.
    docs = DocsTarget(project_dir=paths().data_dir / "gx", site_dir=paths().published_dir / "data_docs",
                      run_name=f"dagster run {context.run_id}")
    # A URL (file://) the UI shows as a link, not a bare path.
    docs_link = dg.MetadataValue.url((docs.site_dir / "index.html").as_uri())
    selected = {key.name for key in context.selected_asset_check_keys}
    results, per_rule = [], []
    # The heap that was there before (Dagster, dbt's manifest) frozen, so the collection after
    # each chunk walks GX's objects alone (100,000 reports: the checks 29.5 → 21.3 s and 2.1 →
    # 1.3 GB peak RSS; one GX context shared by the suites kept the memory up: not done).
    # One connection for every rule: opening the warehouse anew for each took 60 ms at 100,000
    # reports, and what DuckDB caches of mart_reconciliation between rules is small.
    with collector_for_a_batch():
        with warehouse.get_connection() as con:
            for rule in RULES.values():
                if rule.check_name not in selected:
                    continue
                outcome, validated_now = validate_rule_in_warehouse(con, rule.rule_id, docs, RULE_ROWS_PER_CHUNK)
                counted = (f"{outcome.reports_passed} reports pass, {outcome.reports_failed} fail, "
                           f"{outcome.reports_not_assessable} not assessable")
                context.log.info(f"{rule.rule_id}: {counted} ({validated_now} rows validated now)")
                # A rule with no assessable row (R10, R11 without free-form reports) passes vacuously:
                # Dagster has no "not run" for a check its asset ran, so the outcome says it in words,
                # in the metadata and in the description the check's page shows beside its status.
                verdict = ("fail" if not outcome.success else "pass" if outcome.reports_assessed
                           else "nothing to assess")
                description = (f"{rule.rule_id}: {counted}." if outcome.reports_assessed or not outcome.success else
                               f"{rule.rule_id}: nothing to assess, no report in the mart gives both sides of "
                               "this rule; passed only because nothing failed.")
                per_rule.append({"rule": rule.rule_id, "severity": rule.severity, "outcome": verdict,
                                 "reports_passed": outcome.reports_passed, "reports_failed": outcome.reports_failed,
                                 "reports_not_assessable": outcome.reports_not_assessable,
                                 "rows_validated_now": validated_now})
                results.append(dg.AssetCheckResult(
                    check_name=rule.check_name, asset_key=RULE_CHECKS, passed=outcome.success, description=description,
                    severity=dg.AssetCheckSeverity.ERROR if rule.severity == "error" else dg.AssetCheckSeverity.WARN,
                    metadata={
                        "outcome": verdict, "rule": rule.description, "severity": rule.severity, "rows": outcome.rows,
                        "failing_reports_shown": min(len(outcome.failures), FAILING_REPORTS_SHOWN),
                        "rows_validated_now": validated_now,
                        "reports_assessed": outcome.reports_assessed, "reports_passed": outcome.reports_passed,
                        "reports_failed": outcome.reports_failed, "reports_not_assessable": outcome.reports_not_assessable,
                        "failing_reports": failing_reports_table(outcome.failures),
                        "data_docs": docs_link,
                    }))
            summary = mart_rule_summary(con) if results else None
        if summary is not None:
            build_docs(docs, summary)   # once, after every rule's results are stored
    give_back_memory()
    return dg.MaterializeResult(
        metadata={"rules": metadata_table(per_rule, [
                      ("rule", "string"), ("severity", "string"), ("outcome", "string"), ("reports_passed", "int"),
                      ("reports_failed", "int"), ("reports_not_assessable", "int"), ("rows_validated_now", "int")]),
                  "data_docs": docs_link},
        check_results=results)
