"""The joint solver for digits that ran together (docs/degraded-text.md).

A row whose cells ran together (「（七）总计630020469」) is read in two steps:

1. :func:`row_readings` lists every way to cut the row into its cells that satisfies the row's
   own identity (R3 in table 三, 本年度 ≤ 历年累计 in an annex): a hard constraint.
2. :func:`solve` chooses, among the rows that still have several readings, with the rules that
   tie rows together (R1 and R2 per column of table 三, R10 in an annex, a figure the prose
   states). A row takes a reading only when every combination of readings the rules accept gives
   it the same one. None or several: the row stays unread and the caller reports
   ``ambiguous_split``. A rule is never relaxed to make a reading fit: a report that breaks it
   leaves its rows unread.

Both searches are bounded: past the budget the answer is "not settled", never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from math import comb
from typing import Callable

from .cells import NULL_MARKERS, normalise
from .inference import MAX_CANDIDATES, LastIsSum, _allocations, _splits

_ZERO = Decimal(0)

#: Readings of one row kept for the joint search; a row with more is not settled.
MAX_READINGS = 64
#: Nodes the joint search may visit before it gives up (an issue, not a hang).
SEARCH_BUDGET = 200_000


def _sum_readings(digits: str, parts: int, cap: int) -> list[list[int]] | None:
    """Every reading of ``digits`` as ``parts`` numbers, the last the sum of the others (no
    leading zeros), up to ``cap`` (None past it). Searched from the total, as
    :func:`inference._last_is_sum_readings` does, but keeping every reading."""
    n = len(digits)
    out: list[list[int]] = []
    cut: list[int] = []

    def fill(start: int, end: int, count: int, rest: int) -> bool:
        if rest > int(digits[start:end]):
            return True
        if count == 1:
            last = digits[start:end]
            if (len(last) == 1 or last[0] != "0") and int(last) == rest:
                out.append([*cut, int(last)])
                return len(out) <= cap
            return True
        stops = (start + 1,) if digits[start] == "0" else range(start + 1, end - count + 2)
        for stop in stops:
            value = int(digits[start:stop])
            if value > rest:
                break
            cut.append(value)
            ok = fill(stop, end, count - 1, rest - value)
            cut.pop()
            if not ok:
                return False
        return True

    for total_at in range(parts - 1, n):
        total = digits[total_at:]
        if len(total) > 1 and total[0] == "0":
            continue
        before = len(out)
        if not fill(0, total_at, parts - 1, int(total)):
            return None
        for reading in out[before:]:
            reading.append(int(total))
    return out


def row_readings(texts: list[str], width: int, identity: Callable[[list[Decimal]], bool] | None,
                 cap: int = MAX_READINGS) -> list[list[Decimal]] | None:
    """Every reading of the cell texts as ``width`` numbers that satisfies ``identity`` (None: no
    identity, any reading), or None when there are more than ``cap`` or the search ran past its
    budget. Only runs of plain digits are cut; other cells stay whole."""
    normal = [normalise(t) for t in texts]
    if (isinstance(identity, LastIsSum) and len(normal) == 1 and normal[0].isascii() and normal[0].isdigit()
            and 2 <= width <= len(normal[0])):
        found = _sum_readings(normal[0], width, cap)
        return None if found is None else [[Decimal(v) for v in r] for r in found]
    # A run of digits may hold several cells; so may a signed one (「+3181」: +3 and 181 glued),
    # whose sign goes with its first cell.
    signs = [t[0] if t[:1] in "+-" and t[1:].isascii() and t[1:].isdigit() else "" for t in normal]
    bodies: list[str | None] = [t[len(sign):] for t, sign in zip(normal, signs)]
    runs = [i for i, t in enumerate(bodies) if t.isascii() and t.isdigit() and len(t) > 1]
    # A thousands-grouped number (「1,259」) is one cell: never cut, read without its commas.
    normal = [t.replace(",", "") if i not in runs else t for i, t in enumerate(normal)]
    bodies = [t.replace(",", "") if i not in runs else t for i, t in enumerate(bodies)]
    # A dash (「—」, 「/」) is a cell printed blank: a cell of its own, read as nothing, and nothing
    # to the row's sums (「45142— — — — 493」: 451 | 42 | — × 4 | 493).
    for i, t in enumerate(normal):
        if t and t in NULL_MARKERS:
            bodies[i] = None
    fixed = [i for i in range(len(normal)) if i not in runs and bodies[i] is not None]
    if any(not normal[i].lstrip("+-").replace(".", "", 1).isdigit() for i in fixed):
        return []
    extra = width - len(normal)
    if extra < 0:
        return []
    if runs and sum(comb(len(bodies[i]) - 1, min(extra, len(bodies[i]) - 1)) for i in runs) > MAX_CANDIDATES:
        return None
    out: list[list[Decimal]] = []
    tried = 0
    for allocation in _allocations([len(bodies[i]) for i in runs], extra):
        per_run = dict(zip(runs, allocation))
        for candidate in _signed_readings(bodies, signs, per_run, 0):
            tried += 1
            if tried > MAX_CANDIDATES:
                return None
            numbers = [None if c is None else Decimal(c) for c in candidate]
            if identity is not None and not holds(identity, numbers):
                continue
            if numbers not in out:
                out.append(numbers)
                if len(out) > cap:
                    return None
    return out


def holds(identity: Callable[[list[Decimal]], bool], reading: list[Decimal | None]) -> bool:
    """Whether a reading satisfies a row's identity, a cell printed blank adding nothing."""
    return identity([_ZERO if n is None else n for n in reading])


def _signed_readings(bodies: list[str], signs: list[str], per_run: dict[int, int], index: int):
    if index == len(bodies):
        yield ()
        return
    if bodies[index] is None:   # a cell printed blank
        choices = [(None,)]
    elif index in per_run:
        choices = [(signs[index] + cut[0], *cut[1:]) for cut in _splits(bodies[index], per_run[index])]
    else:
        choices = [(signs[index] + bodies[index],)]
    for choice in choices:
        for rest in _signed_readings(bodies, signs, per_run, index + 1):
            yield choice + rest


def digit_count(texts: list[str]) -> int:
    """How many cells the texts could hold at most: a digit each in a run of plain digits, one
    for any other cell (a decimal, a signed number)."""
    normal = [normalise(t).lstrip("+-") for t in texts]
    return sum(len(t) if (t.isascii() and t.isdigit()) else 1 for t in normal)


def short_row_totals(texts: list[str], width: int, cap: int = MAX_READINGS) -> list[Decimal] | None:
    """A row whose digits are too few for its ``width`` columns (table 三 with blank cells: in
    flattened text a blank cell leaves nothing, so 「26 · · · · · 26」 comes out as 「2626」).

    Its cells are fewer than its columns, so some columns are blank; which ones the text does
    not say. The row's identity still binds: 总计 is printed (else R3 holds on nothing) and is
    the last of the row's numbers, the numbers before it its parts, which add up to it. Each
    reading of the digits as 2 … width − 1 numbers, the last the sum of the others, gives a
    total; returned are the distinct totals (one: the total is settled whatever the parts'
    places), or None past ``cap`` readings. Every part column stays open: a part may stand in
    any of them, so none is ever read from such a row."""
    if digit_count(texts) >= width:
        return []
    totals: list[Decimal] = []
    for cells in range(max(2, len(texts)), min(width - 1, digit_count(texts)) + 1):
        found = row_readings(texts, cells, LastIsSum(), cap)
        if found is None:
            return None
        for reading in found:
            if reading[-1] not in totals:
                totals.append(reading[-1])
    return totals


def forced(texts: list[str], width: int) -> bool:
    """Whether the cells can be cut only one way whatever the rules (one digit per cell)."""
    normal = [normalise(t).lstrip("+-") for t in texts]
    return sum(len(t) if (t.isascii() and t.isdigit()) else 1 for t in normal) == width


# ---- the joint search ---------------------------------------------------------------------

@dataclass
class Unknown:
    """A row with several readings: each a mapping key → number."""

    name: str
    readings: list[dict[str, Decimal | None]]


@dataclass
class Rule:
    """A rule over cells: ``check(values)`` gets the cells known so far and says True (holds),
    False (cannot hold any more) or None (not decided yet)."""

    name: str
    keys: frozenset[str]
    check: Callable[[dict[str, Decimal | None]], bool | None]


@dataclass
class Outcome:
    chosen: dict[str, int] = field(default_factory=dict)        # unknown → reading index
    rules_used: dict[str, list[str]] = field(default_factory=dict)
    candidates: dict[str, list[int]] = field(default_factory=dict)   # unknown → readings still possible
    over_budget: bool = False


def solve(fixed: dict[str, Decimal | None], unknowns: list[Unknown], rules: list[Rule],
          budget: int = SEARCH_BUDGET, keep_order: bool = False) -> Outcome:
    """Choose a reading for each unknown row where the rules leave exactly one (module docstring).

    Only rules every cell of which is known (fixed, or in some reading of an unknown) take part;
    a rule with a cell that no reading gives (a blank, an unread row) is left out, never guessed."""
    outcome = Outcome()
    if not unknowns:
        return outcome
    keys_of = [set().union(*(r.keys() for r in u.readings)) for u in unknowns]
    known = set(fixed).union(*keys_of)
    active = [r for r in rules if r.keys <= known and all(fixed.get(k, 0) is not None or
                                                          any(k in ks for ks in keys_of) for k in r.keys)]
    touching = [[r for r in active if r.keys & keys_of[i]] for i in range(len(unknowns))]
    # Rows tied by no rule keep all their readings.
    order = [i for i in range(len(unknowns)) if touching[i]]
    if not keep_order:   # the fewest readings first; else as given (rows in year order: rules close early)
        order.sort(key=lambda i: len(unknowns[i].readings))
    seen: dict[int, set[int]] = {i: set() for i in order}
    values: dict[str, Decimal | None] = dict(fixed)
    assigned: list[int] = []
    nodes = 0

    def consistent(index: int) -> bool:
        for rule in touching[index]:
            if rule.check(values) is False:
                return False
        return True

    def complete() -> bool:
        return all(rule.check(values) is True for rule in active if rule.keys <= set(values))

    def search(depth: int) -> bool:
        nonlocal nodes
        if depth == len(order):
            if complete():
                for i, choice in zip(order, assigned):
                    seen[i].add(choice)
            return True
        i = order[depth]
        for choice, reading in enumerate(unknowns[i].readings):
            nodes += 1
            if nodes > budget:
                return False
            values.update(reading)
            assigned.append(choice)
            if consistent(i) and not search(depth + 1):
                return False
            assigned.pop()
            for key in reading:
                if key in fixed:
                    values[key] = fixed[key]
                else:
                    values.pop(key, None)
        return True

    if not search(0):
        outcome.over_budget = True
        return outcome
    for i in order:
        outcome.candidates[unknowns[i].name] = sorted(seen[i])
        if len(seen[i]) == 1:
            outcome.chosen[unknowns[i].name] = next(iter(seen[i]))
            outcome.rules_used[unknowns[i].name] = sorted({r.name for r in touching[i]})
    for i in range(len(unknowns)):
        if not touching[i] and len(unknowns[i].readings) == 1:
            outcome.chosen[unknowns[i].name] = 0
            outcome.rules_used[unknowns[i].name] = []
        outcome.candidates.setdefault(unknowns[i].name, list(range(len(unknowns[i].readings))))
    return outcome


def sums_to(name: str, total: str, parts: list[str]) -> Rule:
    """``total`` = the sum of ``parts`` (all non-negative: a partial sum past the total fails)."""
    keys = frozenset([total, *parts])

    def check(values: dict[str, Decimal | None]) -> bool | None:
        t = values.get(total)
        have = [values[p] for p in parts if p in values]
        if any(v is None for v in have) or (total in values and t is None):
            return None
        partial = sum(have, Decimal(0))
        if t is not None and partial > t and all(v >= 0 for v in have):
            return False
        if t is None or len(have) < len(parts):
            return None
        return partial == t
    return Rule(name, keys, check)


def balance(name: str, left: list[str], right: list[str]) -> Rule:
    """sum(left) = sum(right) (R1: new + carried over = processed + carried forward)."""
    keys = frozenset(left + right)

    def check(values: dict[str, Decimal | None]) -> bool | None:
        if not keys <= set(values) or any(values[k] is None for k in keys):
            return None
        return sum(values[k] for k in left) == sum(values[k] for k in right)
    return Rule(name, keys, check)


def equals(name: str, key: str, value: Decimal) -> Rule:
    """A cell equals a figure stated elsewhere (the prose)."""
    def check(values: dict[str, Decimal | None]) -> bool | None:
        if key not in values or values[key] is None:
            return None
        return values[key] == value
    return Rule(name, frozenset([key]), check)


def describe(readings: list[list[Decimal]], limit: int = 4) -> str:
    shown = ["/".join("—" if v is None else str(v) for v in r) for r in readings[:limit]]
    more = f" and {len(readings) - limit} more" if len(readings) > limit else ""
    return "; ".join(shown) + more



def apps_column_rules(order: list[str] | None, keys: set[str]) -> list[Rule]:
    """R1 and R2 for each column of table 三 the keys have; ``order`` is the layout's rows."""
    if not order:
        return []
    leaves = sorted({k.rsplit(".", 1)[1] for k in keys if k.startswith("apps.")})
    outcomes = [r for r in order if r not in ("new_received", "carried_over", "processed_total", "carried_forward")]
    rules = []
    for leaf in leaves:
        def k(row: str) -> str:
            return f"apps.{row}.{leaf}"
        rules.append(balance("R1", [k("new_received"), k("carried_over")], [k("processed_total"), k("carried_forward")]))
        rules.append(sums_to("R2", k("processed_total"), [k(r) for r in outcomes]))
    return rules
