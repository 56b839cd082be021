"""The shortcuts that make an HTML parse quicker give what the long way gave (issue 19, point 2).

The caches of the table interpreter are keyed by label text, so a report must read the same
whether it comes first, after other reports, or again; the depth test done by XPath must draw
the line where counting ancestors drew it; the page's charset declaration, now looked for only
when the bytes are not UTF-8, must still decide for the pages that are not.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from orchestration.parsing import parse_document, tables
from orchestration.parsing.cells import as_number
from orchestration.parsing.documents import MAX_WALK_DEPTH, _HTML_PARSER, _too_deep, decode
from orchestration.synthetic import samples


def _deepest_by_ancestors(root) -> int:
    """The long way: the most element ancestors any table, cell or paragraph has."""
    return max((sum(1 for _ in el.iterancestors()) for el in root.iter("table", "td", "p")), default=0)


@pytest.mark.parametrize("depth, too_deep", [(MAX_WALK_DEPTH - 5, False), (MAX_WALK_DEPTH - 4, True),
                                             (MAX_WALK_DEPTH + 5, True)])
def test_the_depth_test_draws_the_line_where_counting_ancestors_did(depth, too_deep):
    # <html><body> and `depth` <div>s above the <table>: its <td> has depth + 4 ancestors, and the
    # page has depth + 5 elements, enough for the count not to settle it alone.
    page = ("<html><body>" + "<div>" * depth + "<table><tr><td>1</td></tr></table>" + "</div>" * depth
            + "</body></html>")
    root = etree.fromstring(page, _HTML_PARSER)
    assert _deepest_by_ancestors(root) == depth + 4
    assert _too_deep(root) is too_deep


def test_a_page_that_declares_gbk_and_is_gbk_is_read_by_its_declaration():
    page = '<html><head><meta charset="gbk"></head><body>政府信息公开</body></html>'
    text, encoding, rule = decode(page.encode("gbk"))
    assert "政府信息公开" in text
    assert (encoding, rule) == ("gb18030", "declared gbk")


def test_a_page_that_declares_gb2312_but_is_utf8_is_read_as_utf8():
    page = '<html><head><meta charset="gb2312"></head><body>政府信息公开</body></html>'
    assert decode(page.encode("utf-8")) == (page, "utf-8", "utf-8 (valid)")


def test_equal_numbers_are_the_same_json_value_whichever_is_cached_first():
    assert as_number(Decimal("1.0")) == 1 and isinstance(as_number(Decimal("1.0")), int)
    assert as_number(Decimal("1")) == 1 and isinstance(as_number(Decimal("1")), int)
    assert as_number(Decimal("2.50")) == 2.5 and as_number(Decimal("2.5")) == 2.5
    assert as_number(None) is None


def test_a_report_reads_the_same_first_after_others_and_again():
    # Both layouts, and a free-form report, so the label caches are filled with other tables' and
    # other groups' answers between the two reads of the first report.
    reports = samples.generate_panel(agencies=3, years=range(2016, 2024), forms=("html",))
    pages = [samples.render_bytes(r) for r in reports if r.form == "html"]
    assert len(pages) >= 6
    for cached in (tables._markers_of, tables._last_header_label, tables._header_of, tables._apps_group_of,
                   tables._row_key_of, tables._key_of, tables._expanded, tables._printed):
        cached.cache_clear()
    first = parse_document(pages[0], "first.html").to_json()
    others = [parse_document(page, f"{n}.html").to_json() for n, page in enumerate(pages[1:])]
    assert parse_document(pages[0], "first.html").to_json() == first
    assert all('"metrics": {}' not in json for json in others)
