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
import shutil
import subprocess

import pytest

from orchestration.parsing import office, parse_document
from orchestration.synthetic import freeform as F
from orchestration.synthetic import samples
from orchestration.synthetic.degraded import render_degraded
from tests.conftest import SHARED_CORPUS, corpus_cases, read_against

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
