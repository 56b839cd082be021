"""The reconciliation rules R1–R11 (docs/metrics.md): their ids, families, wording and severity.

Apart from their suites (reconciliation.py) so that whatever only names the rules (the Dagster
asset checks, built when the code location loads) does not import Great Expectations: that import
alone took 3.7 s of every start.
"""
from __future__ import annotations

from dataclasses import dataclass


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
