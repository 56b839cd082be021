"""Rows left unread settled with the same agency's neighbouring years (docs/degraded-text.md).

A row whose digits ran together and that no rule within its report settles (table 二 has none;
an annex row R10 cannot tie) may be settled by the rules across years, when the same agency's
other years are parsed with it:

- R5: this year's 上年结转 = last year's 结转下年度, each column of table 三;
- R6: 现行有效件数 = last year's + 本年制发 − 本年废止 (2021 table 二);
- R7: 上一年项目数量 = last year's 上一年项目数量 + 本年增/减 (2019 table 二);
- R11: 历年累计 = last year's 历年累计 + this year's figure (annex).

All of an agency's years are one search (:mod:`solver`): the open rows of every year are its
unknowns, the rules between each pair of consecutive years its rules, so a chain of years
settles rows no single pair could. A row takes a reading only when the rules leave exactly one;
its values' provenance names the rule and the neighbouring documents, and the report gets a
``rules_used_to_read`` issue (that rule cannot certify it). "The same agency" is the agency
exactly as each report gives it; neighbouring years are consecutive calendar years.
"""
from __future__ import annotations

from decimal import Decimal

from . import solver
from .cells import as_number
from .tables import MetricValue, ParseIssue

_APP_LEAVES = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org",
               "legal_person_subtotal", "total")
_ITEM_ROWS = ("licensing", "other_services", "penalty", "coercion", "fees")


#: The cells the rules below read (:func:`_pair_rules`): of a report's values, only these take part
#: in the re-solve. An agency's stored values are loaded with this filter (agency_series.py): a
#: 2021 report has some 200 values, about 35 of them here.
RULE_KEY_PREFIXES = ("apps.carried_over.", "apps.carried_forward.", "active.", "legacy.")


def _pair_rules(old: str, new: str, legacy_keys: set[str]) -> list[solver.Rule]:
    """The rules between last year's cells (prefix ``old``) and this year's (prefix ``new``)."""
    rules = [solver.balance("R5", [f"{new}apps.carried_over.{leaf}"], [f"{old}apps.carried_forward.{leaf}"])
             for leaf in _APP_LEAVES]
    for row in ("rules", "normative_docs"):
        rules.append(solver.balance("R6", [f"{new}active.{row}.in_force", f"{new}active.{row}.repealed"],
                                    [f"{old}active.{row}.in_force", f"{new}active.{row}.issued"]))
    for row in _ITEM_ROWS:
        rules.append(solver.balance("R7", [f"{new}active.{row}.prev_items"],
                                    [f"{old}active.{row}.prev_items", f"{old}active.{row}.item_change"]))
    for key in legacy_keys:
        rules.append(solver.balance("R11", [f"{new}{key}.cumulative"], [f"{old}{key}.cumulative", f"{new}{key}"]))
    return rules


def resolve(reports: list) -> int:
    """Settle what the neighbouring years allow, in place; returns the number of rows settled."""
    by_agency: dict[str, dict[int, object]] = {}
    for report in reports:
        if report.agency and report.year:
            by_agency.setdefault(report.agency, {}).setdefault(report.year, report)
    return sum(_settle_agency(years) for years in by_agency.values()
               if len(years) > 1 and any(r.open_rows for r in years.values()))


def _settle_agency(years: dict[int, object]) -> int:
    fixed: dict[str, Decimal | None] = {}
    unknowns, owners = [], []
    legacy: set[str] = set()
    for year in sorted(years):
        report = years[year]
        fixed.update({f"{year}:{k}": Decimal(str(v.value)) for k, v in report.values.items() if v.value is not None})
        legacy |= {k.removesuffix(".cumulative") for k in report.values if k.startswith("legacy.")}
        for row in report.open_rows:
            if row.get("unit") in ("万元", "亿元"):
                continue   # readings in the printed unit, the known values in 元: not comparable
            legacy |= {k.removesuffix(".cumulative") for r in row["readings"] for k in r if k.startswith("legacy.")}
            unknowns.append(solver.Unknown(str(len(unknowns)), [{f"{year}:{k}": v for k, v in r.items()}
                                                               for r in row["readings"]]))
            owners.append((year, row))
    rules = [rule for year in sorted(years) if year - 1 in years
             for rule in _pair_rules(f"{year - 1}:", f"{year}:", legacy)]
    keys = {k for u in unknowns for r in u.readings for k in r}
    rules = [r for r in rules if r.keys & keys]
    if not rules:
        return 0
    outcome = solver.solve(fixed, unknowns, rules, keep_order=True)
    settled = 0
    used_by: dict[int, set[str]] = {}
    for name, index in outcome.chosen.items():
        year, row = owners[int(name)]
        rules_used = outcome.rules_used[name]
        if not rules_used:
            continue
        report = years[year]
        neighbours = ", ".join(f"{years[y].source} ({y})" for y in (year - 1, year + 1) if y in years)
        note = (f"split of digits run together 「{row['raw']}」; fixed across years by {', '.join(rules_used)} "
                f"with {neighbours} (used_rules={','.join(rules_used)})")
        for key, number in row["readings"][index].items():
            report.values[key] = MetricValue(key, as_number(number), "inferred_split", row["table"], row["printed"],
                                             row["labels"].get(key, ""), row["raw"], row["where"], note)
        report.open_rows.remove(row)
        report.issues = [i for i in report.issues if not (i.code == "ambiguous_split" and i.location == row["where"])]
        used_by.setdefault(year, set()).update(rules_used)
        settled += 1
    for year, used in used_by.items():
        report = years[year]
        report.issues.append(ParseIssue(
            "rules_used_to_read", f"{report.source}: {', '.join(sorted(used))} (across years) were used to split "
            f"digits that ran together (used_rules={','.join(sorted(used))}); for this report their checks are "
            "not assessable (used to read the table)", None))
    return settled
