"""The rule suites: the reports' own reconciliation rules (docs/metrics.md R1–R11), validated over
``mart_reconciliation`` (one row per report, rule and column, with both sides computed in dbt).

A row whose sides cannot both be computed (a blank or missing cell, no previous year) is
*not assessable*: it is counted as such and never as a pass. A failure is a finding about a
report (or a misread cell), never a reason to drop it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from expectations.rules import RULES
from expectations.runner import DocsTarget, run_suite


# The columns of a mart_reconciliation frame that name a finding: who and which year first, so
# that a failing row in the Data Docs reads as a report, not as a hash.
IDENTITY = ["agency", "year", "report_id", "column_key"]


def build_suite(rule_id: str) -> gx.ExpectationSuite:
    rule = RULES[rule_id]
    # Both sides equal wherever both can be computed; rows with a missing side are skipped by
    # the expectation and counted as not assessable below.
    # The notes are rendered at the top of the suite's page in the Data Docs: each states its rule.
    notes = (f"**{rule.rule_id}, {rule.family}** ({rule.severity}): {rule.description}. Rows: one per report and "
             "checked group of cells of marts.mart_reconciliation; lhs and rhs are the rule's two sides. "
             "Only report versions not validated before are in a run's validation (the rest are unchanged).")
    return gx.ExpectationSuite(name=f"reconciliation_{rule_id.lower()}",
                               meta={"rule": rule.description}, notes=notes,
                               expectations=[
        gxe.ExpectColumnPairValuesToBeEqual(column_A="lhs", column_B="rhs", ignore_row_if="either_value_is_missing",
                                            meta={"rule_id": rule_id, "severity": rule.severity})])


@dataclass
class RuleOutcome:
    rule_id: str
    severity: str
    success: bool
    rows: int
    reports_assessed: int
    reports_passed: int
    reports_failed: int
    reports_not_assessable: int
    failures: list[dict] = field(default_factory=list)   # report, agency, year, column, both sides


def validate_rule(frame: pd.DataFrame, rule_id: str, docs: DocsTarget | None = None) -> RuleOutcome:
    """Run the rule's suite over the frame's rows for that rule."""
    rule = RULES[rule_id]
    rows = frame[frame["rule_id"] == rule_id].reset_index(drop=True)
    rows = rows.astype({"lhs": "float64", "rhs": "float64"})
    result = run_suite(rows, build_suite(rule_id), IDENTITY, docs)

    failed_keys = set()
    for expectation_result in result.results:
        for item in expectation_result.result.get("unexpected_index_list") or []:
            failed_keys.add((item["report_id"], item["column_key"]))
    failing = rows[pd.Series([(r, c) in failed_keys for r, c in zip(rows["report_id"], rows["column_key"])],
                             index=rows.index, dtype=bool)]
    assessable = rows.dropna(subset=["lhs", "rhs"])
    reports = set(rows["report_id"])
    assessed = set(assessable["report_id"])
    failed = set(failing["report_id"])
    failures = [
        {"report_id": r.report_id, "agency": r.agency, "year": None if pd.isna(r.year) else int(r.year),
         "column": r.column_key, "lhs": r.lhs, "rhs": r.rhs}
        for r in failing.sort_values(["agency", "year", "column_key"]).itertuples()]
    return RuleOutcome(rule_id=rule_id, severity=rule.severity, success=bool(result.success), rows=len(rows),
                       reports_assessed=len(assessed), reports_passed=len(assessed - failed),
                       reports_failed=len(failed), reports_not_assessable=len(reports - assessed),
                       failures=failures)
