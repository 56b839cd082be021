"""Text browsers' page dumps (tables drawn with lines, prose wrapped at the line width) and
office text exports (a cell a line, a blank cell an empty line).

w3m (``-dump``, and ``-no-graph`` in ASCII) keeps every cell of a page's tables, blank ones too,
but wraps a cell's text over as many lines as its column is narrow, sets a two-row header label
one character a line, and wraps paragraphs at 80 columns. The parser reads the cells as what
the lines enclose (orchestration/parsing/box_tables.py) and joins wrapped prose lines, so a dump
reads as its page does. LibreOffice's text export writes a table a cell a line and a blank cell
as an empty line, which is read as that blank where filled cells stand on adjacent lines (not in
pdftotext's text, where an empty line stands between every two). The small documents below stand
alone; the dumps of generated pages and of the hand-checked corpus need w3m, the exports
LibreOffice (Debian packages: .ci/system-packages installs them)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from orchestration.parsing import office, parse_document
from orchestration.synthetic import freeform as F
from orchestration.synthetic import samples
from orchestration.synthetic.degraded import render_degraded
from tests.conftest import SHARED_CORPUS, corpus_cases, page_of_text, read_against

W3M = shutil.which("w3m")
IN_CI = os.environ.get("CI") == "true"
needs_w3m = pytest.mark.skipif(not W3M and not IN_CI, reason="w3m is not installed (.ci/run installs it)")
DUMPS = {"box": [], "ascii": ["-no-graph"], "wide": ["-cols", "200"]}

TITLE = "青禾县人民政府2022年政府信息公开工作年度报告\n\n本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。\n\n"
# Table 三 as w3m draws it at 80 columns: a label wrapped in its cell, the 自然人 header one
# character a line, the group label 三、本年度办理结果 on lines of rows it spans, blank cells.
BOX_TABLE = """三、收到和处理政府信息公开申请情况

┌───────────────────────────────┬─────────────────────────────┐
│                               │申请人情况                   │
│                               ├───┬──────────────────────┬──┤
│                               │   │法人或其他组织        │  │
│（本列数据的勾稽关系为：第一项 │自 ├───┬───┬─────┬─────┬──┤  │
│加第二项之和，等于第三项加第四 │然 │商 │科 │社会 │法律 │  │总│
│项之和）                       │人 │业 │研 │公益 │服务 │其│计│
│                               │   │企 │机 │组织 │机构 │他│  │
│                               │   │业 │构 │     │     │  │  │
├───────────────────────────────┼───┼───┼───┼─────┼─────┼──┼──┤
│一、本年新收政府信息公开申请数 │26 │   │   │     │     │  │26│
│量                             │   │   │   │     │     │  │  │
├───────────────────────────────┼───┼───┼───┼─────┼─────┼──┼──┤
│二、上年结转政府信息公开申请数 │1  │   │   │     │     │  │1 │
│量                             │   │   │   │     │     │  │  │
├───────┬───────────────────────┼───┼───┼───┼─────┼─────┼──┼──┤
│       │（一）予以公开         │20 │   │   │     │     │  │20│
│三、本 ├───────────────────────┼───┼───┼───┼─────┼─────┼──┼──┤
│年度办 │（二）部分公开（区分处 │5  │   │   │     │     │  │5 │
│理结果 │理的，只计这一情形，不 │   │   │   │     │     │  │  │
│       │计其他情形）           │   │   │   │     │     │  │  │
└───────┴───────────────────────┴───┴───┴───┴─────┴─────┴──┴──┘
"""


def test_a_box_drawn_table_reads_its_cells():
    """Wrapped labels are one label, the vertical 自然人 header one column, blank cells blank:
    every cell of these rows reads, the 法人 columns blank, none of them open."""
    parsed = parse_document((TITLE + BOX_TABLE).encode("utf-8"), "dump.txt")
    m = parsed.metrics
    assert (m["apps.new_received.natural_person"], m["apps.new_received.total"]) == (26, 26)
    assert (m["apps.carried_over.natural_person"], m["apps.carried_over.total"]) == (1, 1)
    assert (m["apps.granted.natural_person"], m["apps.partially_granted.total"]) == (20, 5)
    assert "apps.new_received.commercial" in m and m["apps.new_received.commercial"] is None
    assert "apps.granted.other_org" in m and m["apps.granted.other_org"] is None
    assert parsed.values["apps.granted.total"].location.startswith("table 1 row")
    assert not [i for i in parsed.issues if i.code in ("ambiguous_split", "column_count_mismatch")]
    # The same table in ASCII (w3m -no-graph): 「|」 walls, 「+」 junctions, 「-」 borders.
    ascii_table = BOX_TABLE
    for box, plain in (("┌", "+"), ("┐", "+"), ("└", "+"), ("┘", "+"), ("├", "|"), ("┤", "|"), ("┬", "+"),
                       ("┴", "+"), ("┼", "+"), ("│", "|"), ("─", "-")):
        ascii_table = ascii_table.replace(box, plain)
    ascii_parsed = parse_document((TITLE + ascii_table).encode("utf-8"), "dump-ascii.txt")
    assert ascii_parsed.metrics == parsed.metrics


def test_a_narrow_blank_mark_cell_in_ascii_is_a_cell_not_a_border():
    """「--」 filling a two-wide column on a line with text says blank, as in a page; a run of 「-」
    is a border only on a line of borders (one with a 「+」 junction) or when it is long."""
    table = TITLE + """三、收到和处理政府信息公开申请情况

+------------------------------+---+--+--+--+--+--+---+
|                              |自 |商|科|社|法|其|总 |
|                              |然 |业|研|会|律|他|计 |
|                              |人 |企|机|公|服|  |   |
|                              |   |业|构|益|务|  |   |
|------------------------------+---+--+--+--+--+--+---|
|一、本年新收政府信息公开申请数|26 |--|--|--|--|--|26 |
|量                            |   |  |  |  |  |  |   |
+------------------------------+---+--+--+--+--+--+---+
"""
    parsed = parse_document(table.encode("utf-8"), "dump-marks.txt")
    assert (parsed.metrics["apps.new_received.natural_person"], parsed.metrics["apps.new_received.total"]) == (26, 26)
    assert parsed.values["apps.new_received.commercial"].value is None


TABLE_TWO_2019 = """二、主动公开政府信息情况

┌─────────────────────────────────────────────────────────────────┐
│第二十条第（五）项                                               │
├────────────────────┬──────────────┬──────────────┬──────────────┤
│信息内容            │上一年项目数量│本年增/减     │处理决定数量  │
├────────────────────┼──────────────┼──────────────┼──────────────┤
│行政许可            │396           │0             │181           │
├────────────────────┼──────────────┼──────────────┼──────────────┤
│行政强制            │126           │0             │25            │
└────────────────────┴──────────────┴──────────────┴──────────────┘
"""


@pytest.mark.parametrize("drawn", ["box", "ascii"])
def test_a_drawn_table_whose_lines_ran_together_misplaces_nothing(drawn):
    """White space collapsed, a dump's table is one line: 「│行政许可 │396 │0 │181 │ ├──…」. Its
    walls separate cells (before, 「│」 read as a label cut 行政许可's row after 396, and 「396」,
    three digits for three columns, read as 3 | 9 | 6)."""
    table = TABLE_TWO_2019 + "\n" + BOX_TABLE
    if drawn == "ascii":
        for box, plain in (("┌", "+"), ("┐", "+"), ("└", "+"), ("┘", "+"), ("├", "|"), ("┤", "|"), ("┬", "+"),
                           ("┴", "+"), ("┼", "+"), ("│", "|"), ("─", "-")):
            table = table.replace(box, plain)
    whole = parse_document((TITLE + table).encode("utf-8"), "dump.txt")
    assert (whole.metrics["active.licensing.prev_items"], whole.metrics["active.licensing.decisions"]) == (396, 181)
    collapsed = parse_document(" ".join((TITLE + table).split()).encode("utf-8"), "collapsed.txt")
    assert collapsed.metrics["active.licensing.prev_items"] == 396
    assert collapsed.metrics["active.coercion.decisions"] == 25
    for key, value in collapsed.metrics.items():
        assert value is None or value == whole.metrics.get(key), f"{drawn}: {key} read as {value}"


def test_wrapped_prose_lines_are_one_sentence():
    """A text dump wraps paragraphs at its width: 「…被申请行政复议三起，未发生…引发的行政」 「诉讼。」 is
    one sentence, and both of its figures are read (before, neither: its first line states no
    sentence end, and 「行政诉讼」 was cut in two)."""
    text = ("澜川市教育局2015年政府信息公开工作年度报告\n\n一、概述\n2015年，本机关主动公开政府信息234条。\n"
            "五、因政府信息公开申请行政复议、提起行政诉讼的情况\n"
            "2015年，本机关因政府信息公开被申请行政复议三起，未发生因政府信息公开引发的行政\n诉讼。\n")
    parsed = parse_document(text.encode("utf-8"), "wrapped.txt")
    assert parsed.metrics["legacy.review.total"] == 3
    assert parsed.metrics["legacy.litigation.total"] == 0
    assert parsed.metrics["legacy.active.total"] == 234


def _blank_orgs_report():
    """The panel's report whose 法人 columns are blank, and what its DOCX reads."""
    report = next(r for r in samples.generate_panel(agencies=4, years=range(2019, 2023))
                  if r.metrics.get("apps.new_received.commercial", 0) is None)
    return report, parse_document(samples.render_docx(report), "report.docx")


def test_empty_lines_between_a_cell_a_line_values_are_blank_cells():
    """「28」 「」 「」 「」 「」 「」 「28」, a cell a line: the five empty lines are the blank 法人 cells, so
    28 is 自然人 and 总计; the same text with an empty line after every cell (pdftotext's blocks)
    reads its empty lines as nothing, and misplaces nothing."""
    report, original = _blank_orgs_report()
    cells_text = render_degraded(report, "cells")   # blank cells dropped: 「28」 「28」
    for key in ("new_received", "granted"):
        n = original.metrics[f"apps.{key}.total"]
        assert f"\n{n}\n{n}\n" in cells_text
    with_blanks = cells_text
    for row in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量"):
        i = with_blanks.index(row) + len(row) + 1
        first_end = with_blanks.index("\n", i) + 1
        with_blanks = with_blanks[:first_end] + "\n" * 5 + with_blanks[first_end:]
    parsed = parse_document(with_blanks.encode("utf-8"), "export.txt")
    for row in ("new_received", "carried_over"):
        assert parsed.metrics[f"apps.{row}.natural_person"] == original.metrics[f"apps.{row}.natural_person"]
        assert parsed.metrics[f"apps.{row}.total"] == original.metrics[f"apps.{row}.total"]
    # pdftotext's blocks: an empty line between every two lines, and table 四's row cut short (its
    # last seven cells written after the next section). Its eight values and seven empty lines
    # would make the row's fifteen cells: read as blanks, they would put values under wrong keys.
    head, tail = with_blanks.split("五、", 1)
    lines = head.rstrip("\n").split("\n")
    assert all(line.isdigit() for line in lines[-15:])
    spread = "\n\n".join(lines[:-7] + ["五、" + tail])
    parsed = parse_document(spread.encode("utf-8"), "spread.txt")
    for key, value in parsed.metrics.items():
        assert value is None or value == original.metrics.get(key), key


needs_libreoffice = pytest.mark.skipif(not office.available() and not IN_CI,
                                       reason="LibreOffice is not installed (.ci/run installs it)")


@needs_libreoffice
def test_libreoffice_text_exports_read_as_the_documents_do():
    """Each generated report's DOCX saved as text by LibreOffice (a cell a line, blank cells empty
    lines) reads every cell its DOCX reads."""
    assert office.available(), "CI must have LibreOffice: .ci/run installs libreoffice-writer-nogui"
    reports = samples.generate_panel(agencies=4, years=range(2021, 2023))
    for report in reports:
        docx = samples.render_docx(report)
        original = parse_document(docx, "report.docx")
        parsed = parse_document(office.convert(docx, ".docx", "txt:Text (encoded):UTF8"), "export.txt")
        label = f"{report.agency} {report.year}"
        assert read_against(original.metrics, parsed.metrics, label)[1] == [], label


def _w3m(page: bytes, options: list[str]) -> bytes:
    assert W3M, "CI must have w3m: .ci/run installs the Debian package"
    return subprocess.run([W3M, "-dump", *options, "-O", "UTF-8", "-T", "text/html"], input=page,
                          capture_output=True, check=True, timeout=60).stdout


@needs_w3m
@pytest.mark.parametrize("dump", list(DUMPS))
def test_generated_pages_dumped_by_w3m_read_as_the_pages_do(dump):
    reports = samples.generate_panel(agencies=4, years=range(2019, 2023)) + F.generate_panel(agencies=2)
    for report in reports:
        page = (F.render_html(report) if isinstance(report, F.FreeformReport) else samples.render_html(report)).encode()
        original = parse_document(page, "page.html")
        parsed = parse_document(_w3m(page, DUMPS[dump]), "dump.txt")
        label = f"{dump} {report.agency} {report.year}"
        assert (parsed.template, parsed.year, parsed.agency) == (original.template, original.year, original.agency), label
        assert read_against(original.metrics, parsed.metrics, label)[1] == [], label


@needs_w3m
@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
@pytest.mark.parametrize("dump", list(DUMPS))
def test_hand_checked_pages_dumped_by_w3m_read_every_cell(dump):
    cases = [(doc, spec) for doc, spec in corpus_cases() if doc.suffix == ".html"]
    assert cases
    for doc, spec in cases:
        parsed = parse_document(_w3m(doc.read_bytes(), DUMPS[dump]), f"{doc.stem}.txt")
        assert parsed.template == spec["template"], doc.name
        assert read_against(spec["metrics"], parsed.metrics, f"{dump} {doc.name}")[1] == [], doc.name


# Table 三 as lynx -dump writes it when a long row label keeps it from lining the columns up: a
# row's cells one space apart, each blank cell two spaces more (the 法人 columns blank here), and
# table 四 lined up in columns, every gap padded.
LYNX_TABLES = """三、收到和处理政府信息公开申请情况
   （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） 申请人情况
   自然人 法人或其他组织 总计
   商业企业 科研机构 社会公益组织 法律服务机构 其他
   一、本年新收政府信息公开申请数量 26           26
   二、上年结转政府信息公开申请数量 3           3
   三、本年度办理结果 （一）予以公开 20 1         21
   （二）部分公开（区分处理的，只计这一情形，不计其他情形） 0           0

   四、政府信息公开行政复议、行政诉讼情况
   行政复议                   行政诉讼
   结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉               复议后起诉
                          结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计
   0    0    0    1    1  0    0    0    0    0  0    0    0    0    0
"""


def test_wide_gaps_between_values_are_the_blank_cells_of_a_text_browsers_table():
    """「26           26」: 26, five blank cells, 26 (lynx); 「20 1         21」: 20, 1, four blanks,
    21. Table 四's padded gaps would make too many cells: they only separate, as before."""
    parsed = parse_document((TITLE + LYNX_TABLES).encode("utf-8"), "lynx.txt")
    m = parsed.metrics
    assert (m["apps.new_received.natural_person"], m["apps.new_received.total"]) == (26, 26)
    assert (m["apps.carried_over.natural_person"], m["apps.carried_over.total"]) == (3, 3)
    assert (m["apps.granted.natural_person"], m["apps.granted.commercial"], m["apps.granted.total"]) == (20, 1, 21)
    assert m["apps.new_received.commercial"] is None and m["apps.granted.other_org"] is None
    assert (m["review.pending"], m["review.total"], m["litigation.direct.total"]) == (1, 1, 0)
    # The same text with single spaces: the blanks are gone, the parts cannot be placed.
    squeezed = parse_document(re.sub(" +", " ", TITLE + LYNX_TABLES).encode("utf-8"), "squeezed.txt")
    assert squeezed.metrics.get("apps.new_received.natural_person") is None
    assert squeezed.metrics["apps.new_received.total"] == 26


LYNX = shutil.which("lynx")
needs_lynx = pytest.mark.skipif(not LYNX and not IN_CI, reason="lynx is not installed (.ci/run installs it)")


def _lynx(page: bytes, tmp_path) -> bytes:
    assert LYNX, "CI must have lynx: .ci/run installs the Debian package"
    path = tmp_path / "page.html"
    path.write_bytes(page)
    return subprocess.run([LYNX, "-dump", "-nolist", "-display_charset=utf-8", "-assume_charset=utf-8", str(path)],
                          capture_output=True, check=True, timeout=60).stdout


@needs_lynx
def test_generated_pages_dumped_by_lynx_misplace_nothing(tmp_path):
    """lynx lines a table's columns up where it can and otherwise writes a row's cells one space
    apart. An empty cell (「<td></td>」) leaves no trace there: such a report's parts are left
    unread with an issue, every other cell reads as on the page."""
    reports = samples.generate_panel(agencies=4, years=range(2018, 2023)) + F.generate_panel(agencies=2)
    cells = read = 0
    for report in reports:
        page = (F.render_html(report) if isinstance(report, F.FreeformReport) else samples.render_html(report)).encode()
        original = parse_document(page, "page.html")
        parsed = parse_document(_lynx(page, tmp_path), "dump.txt")
        label = f"lynx {report.agency} {report.year}"
        assert (parsed.template, parsed.year, parsed.agency) == (original.template, original.year, original.agency), label
        right, unread = read_against(original.metrics, parsed.metrics, label)
        if unread:
            assert {"ambiguous_split", "annex_column_mismatch"} & {i.code for i in parsed.issues}, label
        cells, read = cells + right + len(unread), read + right
    assert read / cells >= 0.99, f"{read}/{cells}"   # measured 4390/4416 (99.4 %)


@needs_lynx
@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
def test_hand_checked_pages_dumped_by_lynx_read_their_blank_columns(tmp_path):
    """沭阳 2023's 法人 columns are blank (「&nbsp;」 cells): lynx writes 「26           26」, read as
    自然人 26, five blanks, 总计 26. Only 平潭实验区 2013's blank last cell of one annex row (「条    0」,
    nothing after it) is left unread."""
    cases = [(doc, spec) for doc, spec in corpus_cases() if doc.suffix == ".html"]
    assert cases
    unread_all = []
    for doc, spec in cases:
        parsed = parse_document(_lynx(doc.read_bytes(), tmp_path), f"{doc.stem}.txt")
        assert parsed.template == spec["template"], doc.name
        unread_all += [f"{doc.stem}:{key}" for key in read_against(spec["metrics"], parsed.metrics, doc.name)[1]]
    assert unread_all == ["pingtan-syq-2013:legacy.active.gazette"]


# The end of table 三 as `pdftotext -layout` writes a PDF whose labels wrap in their cells: the
# group label 「（六）其他处理」 broken around its second sub-row's label, each sub-row's label over
# three lines with the numbers on the middle one.
LAYOUT_OTHER_GROUP = """三、收到和处理政府信息公开申请情况
                               自然人      商业企业 科研机构 社会公益组织 法律服务机构 其他      总计
一、本年新收政府信息公开申请数量                3001        53       0        0    61       4   3119
               1、申请人无正当理由逾期不补
               正、行政机关不再处理其政府信           67        3        0         0        1         0    71
               息公开申请

     （六）其
               2、申请人逾期未按收费通知要
     他处理
               求缴纳费用、行政机关不再处理           6         0        0         0        0         0    6
               其政府信息公开申请


               3、其他                  108          2        0         0        0         0    110

     （七）总计                           2932        53        0         0        61        4   3050
"""


def test_a_sub_row_tells_the_group_whose_other_row_follows():
    """「3、其他」 is 其他处理's 其他 because the rows above it are that group's, though the group's own
    label was broken around them and 「其政府信息公开申请」 (the row above's last line) stands before it."""
    parsed = parse_document((TITLE + LAYOUT_OTHER_GROUP).encode("utf-8"), "layout.txt")
    m = parsed.metrics
    assert (m["apps.other.overdue_correction.total"], m["apps.other.overdue_fee.total"]) == (71, 6)
    assert (m["apps.other.misc.natural_person"], m["apps.other.misc.commercial"], m["apps.other.misc.total"]) == (108, 2, 110)
    assert m["apps.processed_total.total"] == 3050


def test_table_four_numbers_written_after_the_next_heading_complete_its_row():
    """pdftotext writes table 四's header in pieces, its row's numbers a line each, then the next
    section's heading and the page number, then the row's last seven numbers. They are the row's
    (table 四 is the last table, its row numbers only): read in order, fifteen in all. Numbers
    there that do not make the row whole are not taken."""
    header = ("四、政府信息公开行政复议、行政诉讼情况\n\n行政复议\n\n行政诉讼\n\n未经复议直接起诉\n\n复议后起诉\n\n"
              "结果 结果 其他 尚未\n\n总计 结果 结果 其他 尚未\n\n结果 结果 其他 尚未\n\n维持 纠正 结果 审结\n\n总计\n\n"
              "总计\n\n维持 纠正 结果 审结\n\n维持 纠正 结果 审结\n\n")
    row = [8, 1, 2, 1, 12, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]

    def text(after_heading: list[int]) -> bytes:
        return (TITLE + header + "\n\n".join(map(str, row[:8])) + "\n\n五、存在的主要问题及改进情况\n\n-3-\n\n"
                + "".join(f"{n}\n\n" for n in after_heading) + "存在的主要问题：一是政策解读形式不够丰富。\n").encode("utf-8")

    m = parse_document(text(row[8:]), "pdftotext.txt").metrics
    assert [m[f"review.{c}"] for c in ("upheld", "corrected", "other", "pending", "total")] == row[:5]
    assert [m[f"litigation.after_review.{c}"] for c in ("upheld", "total")] == [1, 1]
    for wrong in (row[8:-1], row[8:] + [3]):   # one number short, one too many
        other = parse_document(text(wrong), "other.txt").metrics
        assert all(other.get(f"litigation.after_review.{c}") is None for c in ("upheld", "total"))
        assert other.get("review.total") is None


# ---- pages whose tables were pasted as paragraphs, dumped by a text browser -------------------

def _dump(program: str, page: bytes, tmp_path) -> bytes:
    if program == "lynx":
        return _lynx(page, tmp_path)
    return _w3m(page, [])


@needs_w3m
@needs_lynx
@pytest.mark.parametrize("program", ["w3m", "lynx"])
@pytest.mark.parametrize("form", ["crawler", "spaced"])
def test_paragraphs_of_run_together_tables_wrapped_by_a_text_browser_read_as_unwrapped(program, form, tmp_path):
    """w3m wraps at 80 columns between Chinese characters, lynx at a space or inside a run of any
    characters (「…统计期限自2021年1月1日起至202」 「1年12月31日止」): a row label is cut from its numbers,
    a number in two. The lines are joined back (orchestration/parsing/hard_wrap.py): every report
    reads what its unwrapped text reads (before, a third to a half of the cells, and values under
    wrong keys: 「主动公开信息数 条 4251516其中：1.网站公开 …」 read as 网站 0 | 0). Where lynx cut a line
    at the space between two numbers, the space is gone (「4837」 「27628」 is joined as one run, as a
    number cut in two must be): such a row is left unread with an issue, never read another way."""
    reports = samples.generate_panel(agencies=3, years=range(2019, 2023)) + F.generate_panel(agencies=2)
    cut = cells = read = 0
    for report in reports:
        text = render_degraded(report, form)
        dumped = _dump(program, page_of_text(text), tmp_path)
        lines = dumped.decode("utf-8").splitlines()
        cut += sum(1 for a, b in zip(lines, lines[1:]) if a.strip() and b.strip())
        unwrapped = parse_document(text.encode("utf-8"), "text.txt")
        parsed = parse_document(dumped, "dump.txt")
        label = f"{program} {form} {report.agency} {report.year}"
        assert (parsed.template, parsed.year, parsed.agency) == (unwrapped.template, unwrapped.year, unwrapped.agency), label
        right, unread = read_against(unwrapped.metrics, parsed.metrics, label)
        if unread:
            assert {"ambiguous_split", "annex_column_mismatch", "column_count_mismatch"} & {i.code for i in parsed.issues}, label
        cells, read = cells + right + len(unread), read + right
    assert cut > 10 * len(reports), "the dumps are wrapped"
    assert read / cells >= (1.0 if program == "w3m" else 0.99), f"{read}/{cells}"


def test_a_number_cut_by_the_wrapping_is_one_number_again():
    """A line cut at the width inside a number is joined with nothing; a shorter line, whose break
    took a space, with a space; a line ending in a number before an item mark stays a row."""
    from orchestration.parsing.hard_wrap import unwrapped

    prose = "本机关全年主动公开政府信息，通过政府网站、政务新媒体和公开栏等渠道向社会公开，" * 10   # 390 characters: 13 full lines
    width = 30
    lines = [prose[i:i + width] for i in range(0, len(prose), width)]
    table = "（七）总计 7230000754四、结转下年度继续办理 0000000"
    lines += [table[:width], table[width:]]
    wrapped = "\n".join(lines)
    joined = unwrapped(wrapped)
    assert joined.split("\n") == [prose + table]
    rows = ["1.属于国家秘密 0 0 0 0 0 0 0", "2.其他法律行政法规禁止公开 0 0 0 0 0 0 0"]   # the second would not fit
    assert unwrapped("\n".join(lines[:-2] + [""] + rows)).split("\n")[-2:] == rows
    aligned = "\n".join(f"{'行政许可':<20}{n:>10}{n:>10}" for n in range(10))   # a table's rows, one width
    assert unwrapped(aligned) == aligned


@pytest.mark.parametrize("change", ["a_wider_line", "a_site_menu"])
def test_a_wrapped_text_is_found_wrapped_with_a_wider_line_or_a_site_s_menu(change):
    """The width is the widest that several lines reach, not the widest line: a line the wrapper
    left whole (or text put into a wrapped line) made that line the width, the text was taken as
    not wrapped, and read cut: 「处理」 「决定数量 行政许可 340-391935」 gave 本年增/减 -391935. And a
    site's menu (a hundred short lines) no longer outnumbers the lines that say the text is
    wrapped."""
    menu = "\n".join(["首页", "政务公开", "政府信息公开指南", "政府信息公开年报", "依申请公开", "互动交流"] * 20)
    for report in samples.generate_panel(agencies=2, years=range(2019, 2023)) + F.generate_panel(agencies=1):
        crawler = parse_document(render_degraded(report, "crawler").encode("utf-8"), "text.txt").metrics
        for form in ("wrapped", "wrapped_cut"):
            lines = render_degraded(report, form).split("\n")
            if change == "a_wider_line":   # after the title: a line the wrapper left whole
                text = "\n".join(lines[:1] + ["来源：" + "澜川市人民政府办公室" * 12] + lines[1:])
            else:
                text = menu + "\n" + "\n".join(lines) + "\n" + menu
            parsed = parse_document(text.encode("utf-8"), "dump.txt").metrics
            assert parsed == crawler, f"{change} {form} {report.agency} {report.year}"


@pytest.mark.parametrize("agency, year", [(115, 2021), (1279, 2022), (4467, 2021)])
def test_a_table_written_a_cell_a_line_is_not_taken_for_wrapped_text(agency, year):
    """Text reports of the 100,000 benchmark write each table a cell a line between 「|」 lines.
    A few have three label lines of one width (「1.申请人无正当理由逾期不补正…」), and a wrapping test
    that counted only the long lines (so that a site's menu does not hide a wrapping) took them for
    a wrapped text: labels were joined to their 「|」 lines and table 三 rows were lost (27 of the
    12,265 text reports). Short lines of numbers or cell marks count among a text's lines."""
    from orchestration.parsing.hard_wrap import unwrapped
    from orchestration.synthetic import scale_corpus

    doc = next(d for d in scale_corpus.agency_docs(agency, scale_corpus.Params())
               if d.source_id == f"a{agency:06d}-{year}")
    text = doc.data.decode("utf-8")
    assert doc.form == "text" and "\n|\n" in text
    assert unwrapped(text) == text
    parsed = parse_document(doc.data, "report.txt").metrics
    apps = {k: v for k, v in doc.metrics.items() if k.startswith("apps.")}
    assert apps and all(parsed.get(k) == v for k, v in apps.items())
