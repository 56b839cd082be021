"""Great Expectations suites run as Dagster asset checks."""
import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.shared import WAREHOUSE_POOL, markdown_table


@dg.asset_check(asset="parsed_metric_values", name="structural_parser_output", blocking=True,
                pool=WAREHOUSE_POOL,
                description="The parser's output is well-formed: only the metric keys of metrics.md, one value per "
                            "report and key, years in range, known templates, provenance on every value "
                            "(expectations/structural.py). Blocking: a failure means our code is wrong, so the "
                            "mart is not rebuilt from it.")
def structural_parser_output(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    from expectations.structural import validate   # GX is slow to import: only when run

    with warehouse.get_connection() as con:
        frame = con.execute("""
            select v.sha256 as report_id, v.metric_key, r.year, r.template, v.method, v.location
            from raw.metric_values v join raw.reports r using (sha256)""").df()
    outcome = validate(frame)
    return dg.AssetCheckResult(
        passed=outcome.success, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"values_checked": outcome.rows,
                  "failed_expectations": dg.MetadataValue.md(markdown_table(
                      outcome.failures, ["expectation", "column", "unexpected", "examples"]))})


MART_RECONCILIATION = dg.AssetKey(["marts", "mart_reconciliation"])


def _rule_specs() -> list[dg.AssetCheckSpec]:
    from expectations.reconciliation import RULES

    return [dg.AssetCheckSpec(name=rule.check_name, asset=MART_RECONCILIATION,
                              description=f"{rule.rule_id} ({rule.severity}): {rule.description}. Great "
                                          "Expectations suite in expectations/reconciliation.py; a failure "
                                          "names the reports and columns, and the reports stay in the mart.")
            for rule in RULES.values()]


@dg.multi_asset_check(specs=_rule_specs(), pool=WAREHOUSE_POOL, can_subset=True)
def reconciliation_rules(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource):
    """Every reconciliation rule of metrics.md, each its own suite and its own check, over one
    read of mart_reconciliation (both sides per report, rule and column, computed in dbt).
    Validation results go to the Data Docs site in the published folder."""
    from expectations.reconciliation import RULES, validate_rule
    from expectations.runner import DocsTarget
    from orchestration.lib.config import paths

    with warehouse.get_connection() as con:
        frame = con.execute("select * from marts.mart_reconciliation").df()
    docs = DocsTarget(project_dir=paths().data_dir / "gx", site_dir=paths().published_dir / "data_docs")
    selected = {key.name for key in context.selected_asset_check_keys}
    for rule in RULES.values():
        if rule.check_name not in selected:
            continue
        outcome = validate_rule(frame, rule.rule_id, docs)
        context.log.info(f"{rule.rule_id}: {outcome.reports_passed} reports pass, {outcome.reports_failed} fail, "
                         f"{outcome.reports_not_assessable} not assessable")
        yield dg.AssetCheckResult(
            check_name=rule.check_name, asset_key=MART_RECONCILIATION, passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if rule.severity == "error" else dg.AssetCheckSeverity.WARN,
            metadata={
                "rule": rule.description, "severity": rule.severity, "rows": outcome.rows,
                "reports_assessed": outcome.reports_assessed, "reports_passed": outcome.reports_passed,
                "reports_failed": outcome.reports_failed, "reports_not_assessable": outcome.reports_not_assessable,
                "failing_reports": dg.MetadataValue.md(markdown_table(
                    outcome.failures, ["agency", "year", "column", "lhs", "rhs", "report_id"])),
                "data_docs": dg.MetadataValue.path(str(docs.site_dir / "index.html")),
            })
