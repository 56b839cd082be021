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
