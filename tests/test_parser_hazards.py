"""Hazards of real documents, each in a small document built here: merged and repeated
headers, layout tables, &nbsp; and split spans, mislabelled charsets, a 小计 column, the single
（六） row in a 2021 report, text grids and digits run together."""
from __future__ import annotations

import pytest

from orchestration.parsing import parse_document

COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]
HEADER = """
<tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"""
TABLE_TWO_2021 = """<p>二、主动公开政府信息情况</p><table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>3</td></tr></table>"""


def row(label: str, values: list[int], label_cells: str | None = None) -> str:
    cells = "".join(f"<td>{v}</td>" for v in values)
    return f"<tr>{label_cells or f'<td colspan=3>{label}</td>'}{cells}</tr>"


def page(body: str, charset: str = "utf-8") -> str:
    return (f'<html><head><meta charset="{charset}"><title>某县人民政府2023年政府信息公开工作年度报告</title>'
            f"</head><body>{body}</body></html>")


def table_three(rows: str, header: str = HEADER) -> str:
    return f"<p>三、收到和处理政府信息公开申请情况</p><table>{header}{rows}</table>"


def test_single_other_row_in_a_2021_report_is_read_as_such():
    rows = row("一、本年新收政府信息公开申请数量", [5, 1, 0, 0, 0, 0, 6]) + \
        row("（六）其他处理", [1, 0, 0, 0, 0, 0, 1], "<td colspan=2>（六）其他处理</td>")
    parsed = parse_document(page(TABLE_TWO_2021 + table_three(rows)).encode(), "single-other.html")
    assert parsed.template == "2021"
    assert parsed.metrics["apps.other.total"] == 1
    assert not any(k.startswith("apps.other.misc") for k in parsed.metrics)
    assert parsed.year == 2023 and parsed.agency == "某县人民政府"


def test_subtotal_column():
    header = """
<tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="8">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="6">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td><td>小计</td></tr>"""
    rows = row("一、本年新收政府信息公开申请数量", [5, 1, 0, 2, 0, 0, 3, 8])
    parsed = parse_document(page(table_three(rows, header)).encode(), "subtotal.html")
    assert parsed.metrics["apps.new_received.legal_person_subtotal"] == 3
    assert parsed.metrics["apps.new_received.total"] == 8
    assert parsed.metrics["apps.new_received.social_welfare"] == 2


def test_layout_table_nbsp_and_split_spans():
    rows = (row("", [5, 1, 0, 0, 0, 0, 6], "<td colspan=3><p><span>一、本年新收</span><span>政府信息公开申请数量</span></p></td>")
            .replace("<td>5</td>", "<td><span>&nbsp;</span><span>5</span></td>")
            .replace("<td>6</td>", "<td><span>&nbsp;</span>6&nbsp;</td>")
            + row("二、上年结转政府信息公开申请数量", [0, 0, 0, 0, 0, 0, 0]).replace("<td>0</td>", "<td>&nbsp;</td>", 1))
    wrapped = f"<table><tr><td>{table_three(rows)}</td></tr></table>"
    parsed = parse_document(page(wrapped).encode(), "wrapped.html")
    assert parsed.metrics["apps.new_received.natural_person"] == 5
    assert parsed.metrics["apps.new_received.total"] == 6
    assert parsed.metrics["apps.carried_over.natural_person"] is None   # &nbsp; alone is blank, not 0


def test_header_repeated_mid_table():
    rows = (row("一、本年新收政府信息公开申请数量", [5, 1, 0, 0, 0, 0, 6]) + HEADER
            + row("二、上年结转政府信息公开申请数量", [2, 0, 0, 0, 0, 0, 2]))
    parsed = parse_document(page(table_three(rows)).encode(), "repeated.html")
    assert parsed.metrics["apps.carried_over.total"] == 2 and parsed.issues == []


def test_mislabelled_charsets():
    rows = row("一、本年新收政府信息公开申请数量", [5, 1, 0, 0, 0, 0, 6])
    gbk_said_utf8 = page(table_three(rows), "utf-8").encode("gb18030")
    utf8_said_gbk = page(table_three(rows), "gb2312").encode("utf-8")
    for data in (gbk_said_utf8, utf8_said_gbk):
        parsed = parse_document(data, "charset.html")
        assert parsed.metrics["apps.new_received.total"] == 6
        assert parsed.agency == "某县人民政府"


@pytest.mark.parametrize("damage", ["last character cut", "a character cut inside", "gbk declared"])
def test_a_utf8_page_with_a_few_bad_byte_sequences_reads_as_utf8(damage):
    """A download cut inside its last character, a CMS that cut a summary inside a character: the
    bytes are no longer valid UTF-8, and GB18030 (which decodes nearly any bytes) read the whole
    page as mojibake: no agency, no year, no table (until parser 0.7.12). A few bad sequences
    among hundreds of valid characters are UTF-8's, replaced; what the page declares cannot
    outweigh them."""
    from orchestration.synthetic import samples

    report = next(r for r in samples.generate_panel(seed=7, agencies=1) if r.layout == "2021")
    page = samples.render_html(report)
    if damage == "gbk declared":
        page = page.replace('charset="utf-8"', 'charset="gbk"')
    data = page.encode("utf-8")
    if damage == "last character cut":
        data = data[:data.rindex("。".encode()) + 2]   # inside the last 。 of the page
    else:
        data = data.replace("监督保障".encode(), "监督保障".encode()[:-1], 1)
    got = parse_document(data, "report.html")
    whole = parse_document(page.encode("utf-8"), "report.html")
    assert (got.agency, got.year) == (whole.agency, whole.year) and got.agency
    assert got.encoding == "utf-8"
    assert got.metrics == whole.metrics and len(got.metrics) > 150


def test_text_grid_with_wrapped_labels_and_page_numbers():
    text = "\n".join([
        "某县人民政府2022年政府信息公开工作年度报告",
        "三、收到和处理政府信息公开申请情况",
        "申请人情况", "自然人\t法人或其他组织\t总计", "商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他",
        "一、本年新收政府信息公开申请数量  12  1  0  0  0  2  15",
        "- 5 -",
        "（二）部分公开（区分处理的，只计这一情",
        "形，不计其他情形）  3  0  0  0  0  0  3",
    ])
    parsed = parse_document(text.encode(), "grid.txt")
    assert parsed.metrics["apps.new_received.other_org"] == 2
    assert parsed.metrics["apps.partially_granted.total"] == 3
    assert parsed.values["apps.partially_granted.total"].method == "text_grid"


def test_digits_run_together_are_split_by_the_rules_and_marked():
    text = "\n".join([
        "三、收到和处理政府信息公开申请情况",
        "申请人情况 自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他",
        "（七）总计630020469",
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议 行政诉讼",
        "结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉",
        "结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计",
        "10203120001200000",
    ])
    parsed = parse_document(text.encode(), "run.txt")
    assert [parsed.metrics[f"apps.processed_total.{c}"] for c in COLUMNS] == [63, 0, 0, 2, 0, 4, 69]
    value = parsed.values["apps.processed_total.total"]
    assert value.method == "inferred_split" and value.raw_text == "630020469" and "R3" in value.note
    assert parsed.metrics["review.total"] == 3 and parsed.metrics["litigation.direct.total"] == 12
    assert parsed.metrics["litigation.after_review.total"] == 0


def test_an_amount_run_on_from_its_label_on_a_line_of_its_own_is_read():
    """「行政事业性收费24252.311082」, a row a line (a PDF's unruled table read as text, where the
    label cell is as wide as its text): the amount was cut off its label only when it had no
    decimals, and the row was left unread without an issue."""
    text = "\n".join([
        "二、主动公开政府信息情况",
        "第二十条第（五）项",
        "信息内容本年处理决定数量",
        "行政许可2293",
        "第二十条第（八）项",
        "信息内容本年收费金额（单位：万元）",
        "行政事业性收费24252.311082",
        "三、收到和处理政府信息公开申请情况",
    ])
    parsed = parse_document(text.encode(), "lines.txt")
    assert parsed.metrics["active.licensing.decisions"] == 2293
    assert parsed.metrics["active.fees.amount_wan"] == 24252.311082


def test_an_annex_label_run_into_the_next_row_s_is_the_row_numbered_last():
    """A PDF's annex without rules, its labels centred in narrow cells around the row's figures
    (「其中：1.」, 「条418 1509」, 「网站公开」, 「2.政府公」, 「条7 7」, 「报公开」): read as text, the rest of
    one label runs into the next (「网站公开2.政府公」), which named 网站公开 and gave it the gazette's
    7 | 7. The row is the one whose item number comes last, here cut (「2.政府公」): unread."""
    text = "\n".join([
        "平潭综合实验区2011年政府信息公开情况统计表",
        "指标名称计量单位2011年度历年累计",
        "主动公开", "条425 1516", "信息数",
        "其中：1.", "条418 1509", "网站公开",
        "2.政府公", "条7 7", "报公开",
        "受理依申", "请公开信条0 0", "息总数",
    ])
    parsed = parse_document(text.encode(), "annex.txt")
    assert parsed.metrics["legacy.active.total"] == 425 and parsed.metrics["legacy.apps.total"] == 0
    assert parsed.metrics.get("legacy.active.website") in (None, 418)
    assert parsed.metrics.get("legacy.active.gazette") in (None, 7)


def test_ambiguous_run_is_reported_not_guessed():
    text = "\n".join([
        "二、主动公开政府信息情况",
        "信息内容 本年制发件数 本年废止件数 现行有效件数",
        "行政规范性文件 693665",
    ])
    parsed = parse_document(text.encode(), "ambiguous.txt")
    assert not any(k.startswith("active.normative_docs") for k in parsed.metrics)
    assert any(i.code == "ambiguous_split" and "693665" in i.message for i in parsed.issues)


MARKDOWN_HEADER = """## 表三：收到和处理政府信息公开申请情况
申请人情况
自然人总计
商业企科研机社会公法律服
| 业 | 构 | 益组织 | 务机构 |  |  |  |  |  |
|---|---|---|---|---|---|---|---|---|
"""


def test_markdown_rows_that_lost_their_labels_are_placed_by_table_order_and_r3():
    text = "二、收到和处理政府信息公开申请情况\n" + MARKDOWN_HEADER + "\n".join([
        "| 一、本年新收政府信息公开申请数量 | 32 | 2 | 0 | 0 | 0 | 0 | 34 |  |",
        "| 三、 | （一）予以公开 | 9 | 0 | 0 | 0 | 0 | 0 | 9 |",
        "| 3 | 1 | 0 | 0 | 0 | 0 | 4 |",          # its label floats below: （二）部分公开
        "（二）部分公开（区分处理的，只",
        "计这一情形，不计其他情形）",
        "| 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
    ])
    parsed = parse_document(text.encode(), "converted.md")
    assert [parsed.metrics[f"apps.partially_granted.{c}"] for c in COLUMNS] == [3, 1, 0, 0, 0, 0, 4]
    assert parsed.values["apps.partially_granted.total"].method == "inferred_position"
    assert parsed.metrics["apps.new_received.total"] == 34       # the padding cell is dropped
    assert any(i.code == "standard_columns" for i in parsed.issues)


def test_unlabelled_rows_that_do_not_fit_the_gap_are_reported():
    text = "二、收到和处理政府信息公开申请情况\n" + MARKDOWN_HEADER + "\n".join([
        "| （一）予以公开 | 9 | 0 | 0 | 0 | 0 | 0 | 9 |",
        "| 3 | 1 | 0 | 0 | 0 | 0 | 4 |",
        "| 5 | 0 | 0 | 0 | 0 | 0 | 5 |",          # two unlabelled rows, one missing row between
        "| 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
    ])
    parsed = parse_document(text.encode(), "converted.md")
    assert not any(k.startswith("apps.partially_granted") for k in parsed.metrics)
    assert sum(i.code == "unidentified_row" for i in parsed.issues) == 2


def test_unlabelled_row_that_does_not_balance_is_reported():
    text = "二、收到和处理政府信息公开申请情况\n" + MARKDOWN_HEADER + "\n".join([
        "| （一）予以公开 | 9 | 0 | 0 | 0 | 0 | 0 | 9 |",
        "| 3 | 1 | 0 | 0 | 0 | 0 | 7 |",          # R3 fails: 3 + 1 ≠ 7
        "| 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
    ])
    parsed = parse_document(text.encode(), "converted.md")
    assert not any(k.startswith("apps.partially_granted") for k in parsed.metrics)
    assert any(i.code == "unidentified_row" for i in parsed.issues)


def test_columns_in_another_order_map_by_their_labels():
    header = """
<tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">总计</td><td colspan="5">法人或其他组织</td><td rowspan="2">自然人</td></tr>
<tr><td>科研机构</td><td>商业企业</td><td>其他</td><td>法律服务机构</td><td>社会公益组织</td></tr>"""
    rows = row("一、本年新收政府信息公开申请数量", [15, 1, 2, 3, 4, 0, 5])
    parsed = parse_document(page(table_three(rows, header)).encode(), "shuffled.html")
    assert {c: parsed.metrics[f"apps.new_received.{c}"] for c in COLUMNS} == {
        "total": 15, "research": 1, "commercial": 2, "other_org": 3, "legal_services": 4,
        "social_welfare": 0, "natural_person": 5}
