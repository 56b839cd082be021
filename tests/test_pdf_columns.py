"""Blank cells of PDF tables drawn without rules, placed by where the numbers stand
(parsing/pdf_columns.py), on lines laid out here character by character."""
from __future__ import annotations

from dataclasses import dataclass

from orchestration.parsing import pdf_columns

SIZE = 10.0
PITCH = 14.0   # a line's height and the space between two lines of a cell


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


def rewrite_unruled_rows(lines: list[_Line], between: tuple[_Line, ...] = ()) -> None:
    """The lines laid out one under the other, a line's ``PITCH`` apart, in their order, and
    rewritten; a line ``between`` two others stands halfway between them (a row's figures
    beside a label of an even number of lines centred on them)."""
    y = 0.0
    for k, line in enumerate(lines):
        y += PITCH / 2 if line in between or (k and lines[k - 1] in between) else PITCH
        for ch in line.chars:
            ch.update(top=y, bottom=y + SIZE, page_number=1)
    pdf_columns.rewrite_unruled_rows(lines)


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


FULL = {k: "0" for k in range(7)}


def _figures() -> tuple:
    return tuple((COLUMNS[k], v) for k, v in FULL.items())


def _wrapped_table(x_label: float = 160) -> list[_Line]:
    """Table 三 with a narrow label column, its text at the top of the cells (Word's default):
    each row's label goes on below the row's figures; the group label 「（三）不予公开」 stands
    beside, in its own column."""
    return HEADER + [
        _line((100, "（三"), (x_label, "1.属"), *_figures()),
        _line((100, "）不"), (x_label, "于国")),
        _line((100, "予公"), (x_label, "家秘")),
        _line((100, "开"), (x_label, "密")),
        _line((x_label, "2.其"), *_figures()),
        _line((x_label, "他法")),
        _line((x_label, "律行")),
        _line((x_label, "政法")),
        _line((x_label, "规禁")),
        _line((x_label, "止公")),
        _line((x_label, "开")),
    ]


ROWS_READ = ["（三）不予公开1.属于国家秘密 0 0 0 0 0 0 0", "2.其他法律行政法规禁止公开 0 0 0 0 0 0 0"]


def _rows_and_rest(lines: list[_Line]) -> tuple[list[str], list[str]]:
    return ([line.text for line in lines if line.row],
            [line.text for line in lines[len(HEADER):] if not line.row and line.text])


def test_a_label_wrapped_below_its_row_is_read_with_it():
    """The group label 「（三）不予公开」 beside the rows goes with the first row it stands beside
    (as a ruled table's merged cell is read)."""
    lines = _wrapped_table()
    rewrite_unruled_rows(lines)
    assert _rows_and_rest(lines) == (ROWS_READ, [])


def test_a_label_centred_in_its_cell_is_read_with_its_row():
    """Word's "centre" vertical alignment (and a browser's default): a label's first lines stand
    above its row's figures, the rest below; with an even number of lines the figures stand
    between two of them, on a line of their own. Before parser 0.7.13 such a table was read as
    it ran (a row's lines glued to the next row's): 522 of 1,194 cells of Word reports so
    printed."""
    figures = _line(*_figures())
    lines = HEADER + [
        _line((100, "（三"), (160, "1.属")),
        _line((100, "）不"), (160, "于国")),
        figures,                                 # four lines: the figures between the 2nd and 3rd
        _line((100, "予公"), (160, "家秘")),
        _line((100, "开"), (160, "密")),
        _line((160, "2.其他法")),
        _line((160, "律行政法"), *_figures()),   # three lines: the figures on the middle one
        _line((160, "规禁止公开")),
    ]
    rewrite_unruled_rows(lines, between=(figures,))
    assert _rows_and_rest(lines) == (ROWS_READ, [])


def test_a_label_at_the_foot_of_its_cell_is_read_with_its_row():
    lines = HEADER + [
        _line((100, "（三"), (160, "1.属")),
        _line((100, "）不"), (160, "于国")),
        _line((100, "予公"), (160, "家秘")),
        _line((100, "开"), (160, "密"), *_figures()),
        _line((160, "2.其他法")),
        _line((160, "律行政法")),
        _line((160, "规禁止公开"), *_figures()),
    ]
    rewrite_unruled_rows(lines)
    assert _rows_and_rest(lines) == (ROWS_READ, [])


def test_a_row_cut_by_a_page_break_keeps_its_label_s_rest_from_the_next_page():
    """A row taller than what is left of the page: its figures on this page, its label going on
    at the top of the next (LibreOffice cuts a row so)."""
    lines = _wrapped_table()
    rewrite_unruled_rows(lines)
    before = _rows_and_rest(lines)
    last = lines[-1]
    for ch in last.chars:   # 「开」 at the top of page 2
        ch.update(page_number=2, top=20.0, bottom=20.0 + SIZE)
    pdf_columns.rewrite_unruled_rows(lines)   # laid out as above, but for the page break
    assert before == _rows_and_rest(lines) == (ROWS_READ, [])


def test_unnumbered_labels_are_read_wrapped_only_beside_a_table_that_shows_it():
    """Table 二's labels have no item numbers: 「件」 between the rows of 「行政规范性文」 and 「行政许可」
    ends the first when the labels stand at the top of their cells, starts the second when at
    their foot. It is read as the first's rest only when another table of the document shows
    labels wrapped below their rows; else the rows are left as they were."""
    def table_two():
        return [_line((40, "信息内容"), (300, "制发"), (390, "废止"), (480, "有效")),
                _line((40, "规章"), (300, "0"), (390, "0"), (480, "0")),
                _line((40, "行政规范性文"), (300, "3"), (390, "0"), (480, "64")),
                _line((40, "件")),
                _line((40, "行政许可"), (300, "1"), (390, "1"), (480, "1"))]
    alone = table_two()
    rewrite_unruled_rows(alone)
    assert [line.text for line in alone[2:]] == ["行政规范性文3064", "件", "行政许可111"]   # as it was
    lines = table_two() + _wrapped_table()
    rewrite_unruled_rows(lines)
    assert [line.text for line in lines[2:5]] == ["行政规范性文件 3 0 64", "", "行政许可111"]


def test_a_label_on_the_table_s_last_line_is_the_last_row_s():
    """Below the last row no row could take it: 「件」 is its label's rest whatever the alignment."""
    lines = [_line((40, "信息内容"), (300, "制发"), (390, "废止"), (480, "有效")),
             _line((40, "规章"), (300, "0"), (390, "0"), (480, "0")),
             _line((40, "行政规范性文"), (300, "3"), (390, "0"), (480, "64")),
             _line((40, "件"))]
    rewrite_unruled_rows(lines)
    assert [line.text for line in lines[1:]] == ["规章000", "行政规范性文件 3 0 64", ""]


def test_labels_one_line_high_in_two_columns_are_each_their_row_s():
    """An annex's label and unit columns, a row a line: each row's label is its own line's words
    (not one cell of every row's labels, as a group label beside its rows is: 「主动公开文件数其中：
    1、政府网站公开数…」 and every figure of the annex after it, in Chromium's print of
    pingtan-2015 without borders, with a first cut of parser 0.7.13)."""
    lines = [_line((40, "指标"), (200, "单位"), (300, "本年"), (390, "累计")),
             _line((40, "主动公开文件数"), (200, "条"), (300, "2949"), (390, "81916")),
             _line((40, "其中：1、政府网站公开数"), (200, "条"), (300, "2949"), (390, "81916")),
             _line((40, "2、政府公报公开数"), (200, "条"), (300, "0"), (390, "0"))]
    texts = [line.text for line in lines]
    rewrite_unruled_rows(lines + _wrapped_table())   # a document whose labels stand at the top
    assert [line.text for line in lines] == texts and all(line.row for line in lines[1:])


def _foot_table() -> list[_Line]:
    """Table 三's rows with their labels at the foot of their cells."""
    return HEADER + [
        _line((160, "1.属于")), _line((160, "国家秘密"), *_figures()),
        _line((160, "2.其他法律")), _line((160, "行政法规禁止公开"), *_figures()),
    ]


def test_unnumbered_labels_at_the_foot_of_their_cells_are_cut_before_the_next_row_s():
    """Table 二's labels without item numbers, one under the other: 「行政规范性」 above its row's
    figures starts that row's label when the document's numbered labels stand at the foot of
    their cells, and ends the row above's when they stand at the top."""
    def table_two():
        return [_line((40, "信息内容"), (300, "制发"), (390, "废止"), (480, "有效")),
                _line((40, "规章"), (300, "0"), (390, "0"), (480, "0")),
                _line((40, "行政规范性")),
                _line((40, "文件"), (300, "3"), (390, "0"), (480, "64"))]
    foot = table_two() + _foot_table()
    rewrite_unruled_rows(foot)
    assert [line.text for line in foot[1:4] if line.text] == ["规章000", "行政规范性文件 3 0 64"]
    top = table_two() + _wrapped_table()
    rewrite_unruled_rows(top)
    assert [line.text for line in top[1:4]] == ["规章行政规范性 0 0 0", "", "文件3064"]


def test_a_sentence_above_the_table_cut_by_its_figures_is_no_header():
    """Numbers set at the right of their cells start the numbers' side far right; the sentence
    above the table, cut into words by its figures (「…专项检查」 「4」 「次，发现并整改问题」 …), has no
    word reaching over it, but its text runs on across it: prose, no header. Its words made
    columns of their own, and every row of the table under it a blank mark too many (「规范性文件
    6 6 — 109」: Word's tables with their cells' text at the right, printed without borders)."""
    sentence = _line((105, "（五）监督保障。开展政务公开专项检查"), (287, "4"), (300, "次，发现并整改问题"),
                     (393, "8"), (406, "个。"))
    lines = [sentence, _line((105, "二、主动公开政府信息情况")),
             _line((145, "信息内容"), (225, "本年新制作数量"), (333, "本年新公开数量"), (441, "对外公开总数量")),
             _line((165, "规章"), (285, "0"), (393, "0"), (501, "0")),
             _line((135, "规范性文件"), (285, "6"), (393, "6"), (481, "109"))]
    texts = [line.text for line in lines]
    rewrite_unruled_rows(lines)
    assert [line.text for line in lines] == texts and lines[-1].row
