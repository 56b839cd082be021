"""Cells whose digits ran together: 「（七）总计630020469」 is 63/0/0/2/0/4/69 only because
the table's own rules must hold. A split is taken only when the rules leave exactly one; it is
then an inference, and marked as one.
"""
from __future__ import annotations

from decimal import Decimal
from math import comb
from typing import Callable, Iterator

from .cells import normalise

MAX_CANDIDATES = 300_000   # beyond this a run is too long to settle: reported, not guessed


def _splits(digits: str, parts: int) -> Iterator[tuple[str, ...]]:
    """Every way to cut ``digits`` into ``parts`` numbers with no leading zero, shortest first
    number first (then the same order for the rest).

    The search only goes where a way lies ahead: digits[i:] can be cut into k numbers exactly
    when ``fewest[i] <= k <= len(digits) - i``, since a number that starts with 0 is 「0」 alone,
    and any number of two digits or more can give its last digit to a number of its own. The
    numbers cut so far stay on one list and each way is yielded once, as a tuple. Rebuilding
    every way level by level, and walking into every dead end a run of zeros makes, was most
    of the cost of reading a run-together page; the ways, and their order, are the same."""
    n = len(digits)
    # fewest[i]: the fewest numbers digits[i:] can be cut into (each leading 「0」 alone, then one).
    fewest = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        fewest[i] = fewest[i + 1] + 1 if digits[i] == "0" else 1
    cut: list[str] = []   # the numbers cut so far

    def rest_from(start: int, left: int) -> Iterator[tuple[str, ...]]:
        if left == 1:
            yield (*cut, digits[start:])   # feasible, so a number with no leading zero
            return
        # Each later number needs at least one digit.
        for end in range(start + 1, n - (left - 1) + 1):
            head = digits[start:end]
            if len(head) > 1 and head.startswith("0"):
                break
            if fewest[end] > left - 1:
                continue   # the rest cannot be cut into that many numbers
            if left == 2:
                yield (*cut, head, digits[end:])   # the last number: no need to recurse for it
                continue
            cut.append(head)
            yield from rest_from(end, left - 1)
            cut.pop()

    if not fewest[0] <= parts <= n:
        return iter(())
    return rest_from(0, parts)


def _readings(normal: list[str], per_run: dict[int, int], index: int = 0) -> Iterator[tuple[str, ...]]:
    """Every reading of ``normal[index:]``: the cells of ``per_run`` cut each way
    :func:`_splits` gives (that many numbers), the others as they are; earlier cells vary slowest."""
    text = normal[index]
    choices = _splits(text, per_run[index]) if index in per_run else ((text,),)
    if index == len(normal) - 1:
        yield from choices
        return
    for choice in choices:
        for rest in _readings(normal, per_run, index + 1):
            yield choice + rest


def _allocations(lengths: list[int], extra: int) -> Iterator[list[int]]:
    """How many cells each digit run holds, when ``extra`` cells more than runs are needed."""
    if not lengths:
        if extra == 0:
            yield []
        return
    if len(lengths) == 1:
        # One run (the usual case): it takes all the extra cells, if it has digits enough.
        if 0 <= extra <= lengths[0] - 1:
            yield [extra + 1]
        return
    for k in range(0, min(extra, lengths[0] - 1) + 1):
        for rest in _allocations(lengths[1:], extra - k):
            yield [k + 1, *rest]


class LastIsSum:
    """The rule that the last number is the sum of all the others: R3 in table 三 when 总计 is
    its last column and there is no 小计 column (the national layouts). It is called like any
    other rule; :func:`split_runs` also knows it, and searches such a row by its total."""

    def __call__(self, n: list[Decimal]) -> bool:
        return n[-1] == sum(n[:-1])


def _last_is_sum_readings(digits: str, parts: int) -> list[list[Decimal]]:
    """The first two readings, in the order :func:`_splits` gives them, of ``digits`` (ASCII,
    two or more) as ``parts`` numbers (two or more) of which the last is the sum of the others.

    Trying every reading in turn, as the general search does, was a fifth of the time of
    reading a run-together page: 「131172023155」 has 336 readings as seven numbers. Taken from
    its end the row is quick to settle: each place where the total can start fixes the total,
    and the numbers before it must add up to it, so none can exceed what is left of it, and a
    stretch of digits cut into numbers adds up to no more than its own value. The readings
    found are the ones the rule accepts; sorted by the lengths of their numbers they come in the
    order of :func:`_splits` (shortest first number first, and so on), so the first two are the
    ones the general search would find first. Each total keeps at most its first two: a reading
    after them comes after them in that order too."""
    n = len(digits)
    found: list[list[str]] = []   # readings of the numbers before the total being tried
    cut: list[str] = []           # the numbers cut so far

    def fill(start: int, end: int, count: int, rest: int) -> bool:
        """Cut digits[start:end] into ``count`` numbers adding up to ``rest``, in _splits' order;
        True once two readings are found for this total."""
        if rest > int(digits[start:end]):
            return False   # cutting a stretch of digits only makes their sum smaller
        if count == 1:
            last = digits[start:end]
            if (len(last) == 1 or last[0] != "0") and int(last) == rest:
                found.append([*cut, last])
            return len(found) > 1
        # A number that starts with 0 is 「0」 alone; each later number needs a digit.
        stops = (start + 1,) if digits[start] == "0" else range(start + 1, end - count + 2)
        for stop in stops:
            value = int(digits[start:stop])
            if value > rest:
                break   # longer numbers are larger still
            cut.append(digits[start:stop])
            done = fill(stop, end, count - 1, rest - value)
            cut.pop()
            if done:
                return True
        return False

    readings: list[list[str]] = []
    for total_at in range(parts - 1, n):   # each number before the total needs a digit
        total = digits[total_at:]
        if len(total) > 1 and total[0] == "0":
            continue
        fill(0, total_at, parts - 1, int(total))
        readings.extend(reading + [total] for reading in found)
        found.clear()
    readings.sort(key=lambda reading: [len(number) for number in reading])
    return [[Decimal(number) for number in reading] for reading in readings[:2]]


def split_runs(texts: list[str], width: int, rule: Callable[[list[Decimal]], bool]
               ) -> tuple[list[list[Decimal]], bool]:
    """All the ways (up to two) to read ``texts`` as ``width`` numbers that satisfy ``rule``,
    and whether the search was complete. Only runs of plain digits are cut."""
    normal = [normalise(t) for t in texts]
    if (isinstance(rule, LastIsSum) and len(normal) == 1 and normal[0].isascii() and normal[0].isdigit()
            and 2 <= width <= len(normal[0]) and comb(len(normal[0]) - 1, width - 1) <= MAX_CANDIDATES):
        # The usual run-together row: one cell of digits, a rule the search by the total can
        # follow, and fewer readings than the general search stops at (comb counts the ways to
        # cut the digits into that many numbers, leading zeros or not), so that search would
        # have been complete too.
        return _last_is_sum_readings(normal[0], width), True
    runs = [i for i, t in enumerate(normal) if t.isdigit() and len(t) > 1]
    fixed = [i for i in range(len(normal)) if i not in runs]
    if any(not normal[i].lstrip("+-").replace(".", "", 1).isdigit() for i in fixed):
        return [], True   # a cell that is no number at all (a unit, a blank) cannot take part
    extra = width - len(normal)
    # Whole numbers in ASCII digits (the usual row) are tried as ints, which the rules (sums and
    # equalities) treat as they treat the same Decimals, at a fraction of the cost; a reading
    # that satisfies the rule is then made of Decimals, as always.
    number = int if all(t.isascii() and t.isdigit() for t in normal) else Decimal
    solutions: list[list[Decimal]] = []
    tried = 0
    for allocation in _allocations([len(normal[i]) for i in runs], extra):
        per_run = dict(zip(runs, allocation))
        for candidate in _readings(normal, per_run) if normal else [()]:
            tried += 1
            if tried > MAX_CANDIDATES:
                return solutions, False
            if not rule(list(map(number, candidate))):
                continue
            numbers = list(map(Decimal, candidate))
            if numbers not in solutions:
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
        if total == len(columns) - 1:
            return LastIsSum()
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
