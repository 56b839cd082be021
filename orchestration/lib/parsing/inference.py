"""Cells whose digits ran together: 「（七）总计630020469」 is 63/0/0/2/0/4/69 only because
the table's own rules must hold. A split is taken only when the rules leave exactly one; it is
then an inference, and marked as one.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterator

from .cells import normalise

MAX_CANDIDATES = 300_000   # beyond this a run is too long to settle: reported, not guessed


def _splits(digits: str, parts: int) -> Iterator[list[str]]:
    """Every way to cut ``digits`` into ``parts`` numbers with no leading zero."""
    if parts == 1:
        if digits and (digits == "0" or not digits.startswith("0")):
            yield [digits]
        return
    longest = len(digits) - (parts - 1)
    for size in range(1, longest + 1):
        head = digits[:size]
        if len(head) > 1 and head.startswith("0"):
            break
        for rest in _splits(digits[size:], parts - 1):
            yield [head, *rest]


def _allocations(lengths: list[int], extra: int) -> Iterator[list[int]]:
    """How many cells each digit run holds, when ``extra`` cells more than runs are needed."""
    if not lengths:
        if extra == 0:
            yield []
        return
    for k in range(0, min(extra, lengths[0] - 1) + 1):
        for rest in _allocations(lengths[1:], extra - k):
            yield [k + 1, *rest]


def split_runs(texts: list[str], width: int, rule: Callable[[list[Decimal]], bool]
               ) -> tuple[list[list[Decimal]], bool]:
    """All the ways (up to two) to read ``texts`` as ``width`` numbers that satisfy ``rule``,
    and whether the search was complete. Only runs of plain digits are cut."""
    normal = [normalise(t) for t in texts]
    runs = [i for i, t in enumerate(normal) if t.isdigit() and len(t) > 1]
    fixed = [i for i in range(len(normal)) if i not in runs]
    if any(not normal[i].lstrip("+-").replace(".", "", 1).isdigit() for i in fixed):
        return [], True   # a cell that is no number at all (a unit, a blank) cannot take part
    extra = width - len(normal)
    solutions: list[list[Decimal]] = []
    tried = 0
    for allocation in _allocations([len(normal[i]) for i in runs], extra):
        per_run = dict(zip(runs, allocation))

        def combos(index: int) -> Iterator[list[str]]:
            if index == len(normal):
                yield []
                return
            choices = _splits(normal[index], per_run[index]) if index in per_run else [[normal[index]]]
            for choice in choices:
                for rest in combos(index + 1):
                    yield [*choice, *rest]

        for candidate in combos(0):
            tried += 1
            if tried > MAX_CANDIDATES:
                return solutions, False
            numbers = [Decimal(c) for c in candidate]
            if rule(numbers) and numbers not in solutions:
                solutions.append(numbers)
                if len(solutions) > 1:
                    return solutions, True
    return solutions, True


def balance_rule(table: str, columns: list[tuple[str, ...]]) -> Callable[[list[Decimal]], bool]:
    """The rule one row must satisfy: R3 across table 三's columns, R4 in each block of table
    四. Table 二 has no rule within a row: any split is accepted, so only a run that can be cut
    one way is read."""
    leaves = [path[-1] for path in columns]
    if table == "三" and "total" in leaves:
        total = leaves.index("total")
        if "legal_person_subtotal" in leaves:
            subtotal = leaves.index("legal_person_subtotal")
            orgs = [i for i, p in enumerate(columns) if p[0] == "legal_person" and p[-1] != "legal_person_subtotal"]
            person = leaves.index("natural_person") if "natural_person" in leaves else None

            def with_subtotal(n: list[Decimal]) -> bool:
                return (n[subtotal] == sum(n[i] for i in orgs)
                        and (person is None or n[total] == n[person] + n[subtotal]))
            return with_subtotal
        return lambda n: n[total] == sum(v for i, v in enumerate(n) if i != total)
    if table == "四":
        blocks: dict[tuple[str, ...], dict[str, int]] = {}
        for i, path in enumerate(columns):
            blocks.setdefault(path[:-1], {})[path[-1]] = i

        def outcomes_add_up(n: list[Decimal]) -> bool:
            for block in blocks.values():
                if "total" in block and sum(n[i] for k, i in block.items() if k != "total") != n[block["total"]]:
                    return False
            return True
        return outcomes_add_up
    return lambda n: True
