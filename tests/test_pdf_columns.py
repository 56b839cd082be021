"""Blank cells of PDF tables drawn without rules, placed by where the numbers stand
(parsing/pdf_columns.py), on lines laid out here character by character."""
from __future__ import annotations

from dataclasses import dataclass

from orchestration.parsing.pdf_columns import rewrite_unruled_rows

SIZE = 10.0


@dataclass
class _Line:
    text: str
    chars: list
    row: bool = False


def _line(*pieces: tuple[float, str]) -> _Line:
    """A line of text pieces, each starting at its x, a character 10 points wide."""
    chars = []
    for x, text in pieces:
        for k, ch in enumerate(text):
            chars.append({"text": ch, "x0": x + k * SIZE, "x1": x + (k + 1) * SIZE, "size": SIZE})
    return _Line("".join(text for _, text in pieces), chars)


# Table 三's columns: 自然人 at 300, the five 法人 columns at 330…450, 总计 at 480.
COLUMNS = [300, 330, 360, 390, 420, 450, 480]
HEADER = [
    _line((40, "三、收到和处理政府信息公开申请情况")),
    _line((300, "申请人情况")),
    _line((40, "（本列数据的勾稽关系）"), (300, "自"), (330, "法人或其他组织"), (480, "总")),
    _line((300, "然"), (330, "商业"), (360, "科研"), (390, "社会"), (420, "法律"), (450, "其他"), (480, "计")),
    _line((300, "人"), (330, "企业"), (360, "机构"), (390, "公益"), (420, "服务")),
]


def _row(label: str, cells: dict[int, str]) -> _Line:
    return _line((40, label), *((COLUMNS[k], text) for k, text in cells.items()))


def test_a_row_gets_a_blank_mark_in_each_column_it_leaves_empty():
    """The 法人 columns hold no number in any row: their places come from the header's words,
    narrow ones first (「法人或其他组织」 spans five columns and makes none)."""
    rows = [_row("一、本年新收政府信息公开申请数量", {0: "26", 6: "26"}),
            _row("二、上年结转政府信息公开申请数量", {0: "0", 6: "0"}),
            _row("（一）予以公开", {1: "3", 6: "3"}),        # the first column blank
            _row("四、结转下年度继续办理", {0: "1"})]          # the last
    rewrite_unruled_rows(HEADER + rows)
    assert [r.text for r in rows] == [
        "一、本年新收政府信息公开申请数量 26 — — — — — 26",
        "二、上年结转政府信息公开申请数量 0 — — — — — 0",
        "（一）予以公开 — 3 — — — — 3",
        "四、结转下年度继续办理 1 — — — — — —",
    ]
    assert all(r.row for r in rows) and not any(h.row for h in HEADER)


def test_a_full_row_and_a_number_between_columns_are_left_as_they_were():
    full = _row("（七）总计", {k: str(k) for k in range(7)})
    between = _line((40, "（二）部分公开"), (300, "5"), (335, "123456"))   # under three headers
    texts = [full.text, between.text]
    rewrite_unruled_rows(HEADER + [full, between])
    assert [full.text, between.text] == texts


def test_prose_that_ends_in_numbers_is_no_table():
    """Lines of a paragraph that end in a figure (「…共收到申请26」 / 「件…」), the figures at
    different places: a label running up to its number is no row of a table."""
    prose = [_line((40, "本年度共收到政府信息公开申请26")),
             _line((40, "件，办结率100%，按时答复率达到了12")),
             _line((40, "个百分点。")),
             _line((40, "全年处理各级收文1408"))]
    texts = [p.text for p in prose]
    rewrite_unruled_rows(prose + HEADER + [_row("一、本年新收政府信息公开申请数量", {0: "26", 6: "26"})])
    assert [p.text for p in prose] == texts and not any(p.row for p in prose)


def test_a_note_beside_the_title_makes_no_column():
    """「单位：件」 right of the title, over the numbers' side but alone on its line: no column
    (it would give every row one cell too many)."""
    title = _line((40, "二、主动公开政府信息情况"), (395, "单位：件"))
    header = _line((40, "信息内容"), (300, "制发"), (480, "有效"))
    rows = [_line((40, "规章"), (300, "2"), (480, "5")), _line((40, "行政规范性文件"), (480, "7"))]
    full = rows[0].text
    rewrite_unruled_rows([title, header] + rows)
    assert [r.text for r in rows] == [full, "行政规范性文件 — 7"]


def _wrapped_table(x_label: float = 160) -> list[_Line]:
    """Table 三 with a narrow label column, its text at the top of the cells (Word's default):
    each row's label goes on below the row's figures; the group label 「（三）不予公开」 stands
    beside, in its own column."""
    full = {k: "0" for k in range(7)}
    return HEADER + [
        _line((100, "（三"), (x_label, "1.属"), *((COLUMNS[k], v) for k, v in full.items())),
        _line((100, "）不"), (x_label, "于国")),
        _line((100, "予公"), (x_label, "家秘")),
        _line((100, "开"), (x_label, "密")),
        _line((x_label, "2.其"), *((COLUMNS[k], v) for k, v in full.items())),
        _line((x_label, "他法")),
        _line((x_label, "律行")),
        _line((x_label, "政法")),
        _line((x_label, "规禁")),
        _line((x_label, "止公")),
        _line((x_label, "开")),
    ]


def test_a_label_wrapped_below_its_row_is_read_with_it():
    lines = _wrapped_table()
    rewrite_unruled_rows(lines)
    rows = [line.text for line in lines if line.row]
    assert rows == ["（三1.属于国家秘密 0 0 0 0 0 0 0", "2.其他法律行政法规禁止公开 0 0 0 0 0 0 0"]
    # the group label's pieces stay, on lines of their own
    assert [line.text for line in lines[len(HEADER):] if not line.row and line.text] == ["）不", "予公", "开"]


def test_labels_not_known_to_sit_at_the_top_of_their_cells_are_left_as_they_were():
    """A row line whose label does not start with its item number (a label centred in its cell:
    the row line holds a middle piece) leaves the table as it was: a piece between two rows could
    be either's."""
    lines = _wrapped_table()
    lines[len(HEADER)] = _line((100, "（三"), (160, "于国"), *((COLUMNS[k], "0") for k in range(7)))
    texts = [line.text for line in lines]
    rewrite_unruled_rows(lines)
    assert [line.text for line in lines] == texts


def test_unnumbered_labels_are_read_wrapped_only_beside_a_table_that_shows_it():
    """Table 二's labels have no item numbers: 「行政规范性文」 then 「件」 below is its rest only
    when another table of the document shows labels wrapped below their rows."""
    def table_two():
        return [_line((40, "信息内容"), (300, "制发"), (390, "废止"), (480, "有效")),
                _line((40, "规章"), (300, "0"), (390, "0"), (480, "0")),
                _line((40, "行政规范性文"), (300, "3"), (390, "0"), (480, "64")),
                _line((40, "件"))]
    alone = table_two()
    rewrite_unruled_rows(alone)
    assert alone[2].text == "行政规范性文3064"          # as it was
    lines = table_two() + _wrapped_table()
    rewrite_unruled_rows(lines)
    assert lines[2].text == "行政规范性文件 3 0 64" and lines[3].text == ""
