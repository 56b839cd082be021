"""Great Expectations suites for the reports' reconciliation rules (docs/metrics.md R1–R11).

The suites are defined here, in Python; JSON that GX writes is build output. The rule sides
are computed in dbt (``mart_reconciliation``: one row per report, rule and column with both
sides) and these suites validate that frame, so a failure names the report and the column.
"""
