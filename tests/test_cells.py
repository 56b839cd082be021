"""Reading single cells: numbers in every spelling, deliberate blanks, and labels."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.parsing.cells import as_number, read_cell, to_wan


@pytest.mark.parametrize("raw, number, unit, note", [
    ("12", 12, None, None),
    ("１２", 12, None, None),              # full-width digits
    ("1,259", 1259, None, None),           # thousands separator
    ("+3", 3, None, None),
    ("-167", -167, None, None),            # signed 本年增/减 keeps its sign
    ("－2", -2, None, None),               # full-width minus
    ("16800万元", 16800, "万元", None),
    ("75394432.52元", Decimal("75394432.52"), "元", None),
    ("22（其中修订16件）", 22, None, "其中修订16件"),
    (" 0 ", 0, None, None),
    ("26*", 26, None, "*"),                # a footnote's mark
    ("26注", 26, None, "注"),              # a footnote's reference that wrapped in a PDF's cell
    ("26[1]", 26, None, "[1]"),
])
def test_numbers(raw, number, unit, note):
    cell = read_cell(raw)
    assert cell is not None and cell.number == Decimal(number) and cell.unit == unit and cell.note == note


@pytest.mark.parametrize("raw", ["", " ", "\xa0", "/", "-", "—", "——", "／"])
def test_blanks_are_null_not_zero(raw):
    cell = read_cell(raw)
    assert cell is not None and cell.number is None


@pytest.mark.parametrize("raw", ["1.属于国家秘密", "总计", "本年增/减", "（七）总计", "三、本年度办理结果", "12件申请"])
def test_labels_are_not_values(raw):
    assert read_cell(raw) is None


def test_amounts_in_wan():
    assert as_number(to_wan(read_cell("75394432.52元"))) == pytest.approx(7539.443252)
    assert as_number(to_wan(read_cell("1.2亿元"))) == 12000
    assert as_number(to_wan(read_cell("16800万元"))) == 16800
    assert to_wan(read_cell("/")) is None


@given(st.integers(min_value=-10**9, max_value=10**12))
def test_any_integer_round_trips(n):
    assert read_cell(str(n)).number == n
    assert read_cell(f"{n:,}").number == n
    full_width = str(n).translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert read_cell(full_width).number == n


@given(st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False, allow_infinity=False))
def test_any_decimal_round_trips(d):
    assert read_cell(f"{d}元").number == d


@given(st.text(max_size=40))
def test_never_raises(text):
    cell = read_cell(text)
    assert cell is None or cell.number is None or isinstance(cell.number, Decimal)
