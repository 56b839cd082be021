"""Annex rows whose two figures ran together (「主动公开信息数条4251516」 → 425 | 1516).

The row's identity, 本年度 ≤ 历年累计, is the hard constraint (:func:`readings`). A row it
leaves several readings of is settled with the annex's own sums (R10: 主动公开 = 网站 + 公报,
申请 = the channels, 答复 = the reply types) and, only if those leave several, the figures the
prose states; see :mod:`solver` for the rules of the search.
"""
from __future__ import annotations

from decimal import Decimal

from . import solver

#: R10's sums: total → its parts (those the annex has take part).
R10_GROUPS = {
    "legacy.active.total": ("legacy.active.website", "legacy.active.gazette"),
    "legacy.apps.total": ("legacy.apps.in_person", "legacy.apps.online", "legacy.apps.letter_fax",
                          "legacy.apps.letter", "legacy.apps.fax", "legacy.apps.email",
                          "legacy.apps.other_channel"),
    "legacy.replies.total": ("legacy.replies.granted", "legacy.replies.partially_granted",
                             "legacy.replies.denied", "legacy.replies.other"),
}


def _year_within_cumulative(n: list[Decimal]) -> bool:
    return n[0] <= n[1]


def readings(suffixes: list[str], texts: list[str]) -> list[list[Decimal]] | None:
    """The readings of a row's cells as its columns, under 本年度 ≤ 历年累计 when the columns
    are those two (in that order); None when there are too many to settle."""
    identity = _year_within_cumulative if suffixes == ["", ".cumulative"] else None
    if any(not t.strip().isdigit() for t in texts):
        return []
    return solver.row_readings(texts, len(suffixes), identity)


def settle(fixed: dict[str, Decimal | None], pending: list[dict], prose: dict[str, Decimal]):
    """(chosen, open): for each pending row (a dict with key, suffixes, readings) the reading
    taken and the rules that fixed it, and the rows left open with the readings still possible."""
    unknowns = [solver.Unknown(str(i), [{p["key"] + s: v for s, v in zip(p["suffixes"], r)} for r in p["readings"]])
                for i, p in enumerate(pending)]
    present = set(fixed).union(*(r.keys() for u in unknowns for r in u.readings))
    rules = []
    for total, parts in R10_GROUPS.items():
        for suffix in ("", ".cumulative"):
            have = [p + suffix for p in parts if p + suffix in present]
            # 主动公开 needs both its parts; the channels and reply types vary by annex style,
            # so those present count (two at least).
            complete = len(have) == len(parts) if total == "legacy.active.total" else len(have) >= 2
            if total + suffix in present and complete:
                rules.append(solver.sums_to("R10", total + suffix, have))
    outcome = solver.solve(fixed, unknowns, rules)
    chosen = {int(n): (i, outcome.rules_used[n]) for n, i in outcome.chosen.items()}
    still = [u for u in unknowns if int(u.name) not in chosen]
    prose_rules = [solver.equals("R8 (prose)", k, v) for k, v in prose.items()]
    if still and prose_rules:
        fixed_now = dict(fixed)
        for n, (i, _) in chosen.items():
            fixed_now.update(unknowns[n].readings[i])
        again = solver.solve(fixed_now, still, rules + prose_rules)
        for n, i in again.chosen.items():
            chosen[int(n)] = (i, again.rules_used[n])
        outcome = again if not outcome.over_budget else outcome
    open_rows = {int(n): [pending[int(n)]["readings"][i] for i in c]
                 for n, c in outcome.candidates.items() if int(n) not in chosen}
    return chosen, open_rows, outcome.over_budget
