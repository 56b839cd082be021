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

from expectations.runner import DocsTarget, run_suite


@dataclass(frozen=True)
class Rule:
    rule_id: str
    family: str
    description: str
    severity: str     # error | warning | info, as in docs/metrics.md

    @property
    def check_name(self) -> str:
        """The Dagster asset check's name, e.g. rule_r1_table_three_balance."""
        words = self.family.replace("三", "three").replace("四", "four").replace("二", "two")
        slug = "".join(c if c.isalnum() else "_" for c in words.lower()).strip("_")
        while "__" in slug:
            slug = slug.replace("__", "_")
        return f"rule_{self.rule_id.lower()}_{slug}"


RULES = {rule.rule_id: rule for rule in (
    Rule("R1", "table 三 balance", "new_received + carried_over = processed_total + carried_forward "
         "(第一项加第二项之和，等于第三项加第四项之和), each column", "error"),
    Rule("R2", "results total", "processed_total = granted + partially_granted + Σwithheld + Σunavailable "
         "+ Σnot_processed + other, each column", "error"),
    Rule("R3", "applicant columns", "total = natural_person + the five 法人或其他组织 columns (or + 小计), each row", "error"),
    Rule("R4", "table 四 blocks", "upheld + corrected + other + pending = total, each block", "error"),
    Rule("R5", "carry-over", "carried_over(Y) = carried_forward(Y−1), same agency, each column", "warning"),
    Rule("R6", "stock-flow (2021 table 二)", "in_force(Y) = in_force(Y−1) + issued(Y) − repealed(Y)", "warning"),
    Rule("R7", "stock-flow (2019 table 二)", "prev_items(Y+1) = prev_items(Y) + item_change(Y)", "warning"),
    Rule("R8", "prose vs table", "figures stated in the prose equal the table's", "info"),
    Rule("R9", "value domain", "counts whole and non-negative (item_change may be negative); money non-negative",
         "error"),
    Rule("R10", "annex sums", "legacy totals = the sum of their parts (website + gazette, channels, reply types)",
         "warning"),
    Rule("R11", "cumulative", "cumulative(Y) = cumulative(Y−1) + year(Y), free-form annex", "warning"),
)}

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
