"""Rule suites over ``mart_reconciliation`` frames, and what a run of one found.

A row whose sides cannot both be computed (a blank or missing cell) is *not assessable*:
it is counted as such and never as a pass.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")   # no internet on the machines

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
import pandas as pd  # noqa: E402


@dataclass(frozen=True)
class Rule:
    rule_id: str
    description: str
    severity: str     # error | warning | info, as in metrics.md


RULES = {
    "R1": Rule("R1", "new_received + carried_over = processed_total + carried_forward "
               "(table 三, each column: 第一项加第二项之和，等于第三项加第四项之和)", "error"),
}

# The columns of a mart_reconciliation frame that name a finding.
IDENTITY = ["report_id", "column_key"]


def build_suite(rule_id: str) -> gx.ExpectationSuite:
    rule = RULES[rule_id]
    suite = gx.ExpectationSuite(name=f"reconciliation_{rule_id.lower()}", meta={"rule": rule.description})
    # Both sides equal wherever both can be computed; rows with a missing side are skipped
    # by the expectation and counted as not assessable below.
    suite.add_expectation(gxe.ExpectColumnPairValuesToBeEqual(
        column_A="lhs", column_B="rhs", ignore_row_if="either_value_is_missing",
        meta={"rule_id": rule_id, "severity": rule.severity}))
    return suite


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


def _context():
    context = gx.get_context(mode="ephemeral")
    try:
        context.variables.progress_bars = {"globally": False}
    except Exception:  # pragma: no cover - cosmetic only
        pass
    return context


def validate_rule(frame: pd.DataFrame, rule_id: str) -> RuleOutcome:
    """Run the rule's suite over the frame's rows for that rule."""
    rule = RULES[rule_id]
    rows = frame[frame["rule_id"] == rule_id].reset_index(drop=True)
    rows = rows.astype({"lhs": "float64", "rhs": "float64"})
    context = _context()
    batch_definition = (context.data_sources.add_pandas(f"reconciliation_{rule_id}")
                        .add_dataframe_asset("mart_reconciliation")
                        .add_batch_definition_whole_dataframe("all_reports"))
    suite = context.suites.add(build_suite(rule_id))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"reconciliation_{rule_id.lower()}", data=batch_definition, suite=suite))
    result = validation.run(batch_parameters={"dataframe": rows}, result_format={
        "result_format": "COMPLETE", "unexpected_index_column_names": IDENTITY})

    failed_keys = set()
    for expectation_result in result.results:
        for item in expectation_result.result.get("unexpected_index_list") or []:
            failed_keys.add((item["report_id"], item["column_key"]))
    failing = rows[[(r, c) in failed_keys for r, c in zip(rows["report_id"], rows["column_key"])]]
    assessable = rows.dropna(subset=["lhs", "rhs"])
    reports = set(rows["report_id"])
    assessed = set(assessable["report_id"])
    failed = set(failing["report_id"])
    failures = [
        {"report_id": r.report_id, "agency": r.agency, "year": None if pd.isna(r.year) else int(r.year),
         "column": r.column_key, "lhs": r.lhs, "rhs": r.rhs}
        for r in failing.sort_values(["agency", "year", "column_key"]).itertuples()]
    return RuleOutcome(rule_id=rule_id, severity=rule.severity, success=bool(result.success),
                       rows=len(rows), reports_assessed=len(assessed), reports_passed=len(assessed - failed),
                       reports_failed=len(failed), reports_not_assessable=len(reports - assessed),
                       failures=failures)
