"""Table 三 written a column at a time, and tables whose text lost its rows' order
(orchestration/parsing/column_major.py, TableReader._drop_unbalanced_rows; docs/degraded-text.md).

pdfminer's extract_text() (a dependency of the project, through pdfplumber) writes a drawn
table's text boxes in its own order: on the hand-checked 淮安 2024 it gives each page of table 三
as the rows' labels, then every row's 自然人, then every row's 商业企业, … 总计. On the generated
PDFs it cuts the table into boxes of rows and of columns. The first is read by columns where R3
allows only that reading; from the second nothing is read that does not show itself to be its
row's, and never a value under a wrong key."""
from __future__ import annotations

import io

import pytest

from orchestration.parsing import parse_document
from orchestration.synthetic import samples
from tests.conftest import SHARED_CORPUS, corpus_cases, read_against

#: Table 三's row labels (2021 layout) in order, with its group labels where the page prints them.
ROWS_2021 = [
    ("一、本年新收政府信息公开申请数量", "new_received"), ("二、上年结转政府信息公开申请数量", "carried_over"),
    ("（一）予以公开", "granted"), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partially_granted"),
    ("（三）不予公开", None), ("1.属于国家秘密", "withheld.state_secret"),
    ("2.其他法律行政法规禁止公开", "withheld.prohibited_by_law"), ("3.危及“三安全一稳定”", "withheld.three_securities"),
    ("4.保护第三方合法权益", "withheld.third_party_rights"), ("5.属于三类内部事务信息", "withheld.internal_affairs"),
    ("6.属于四类过程性信息", "withheld.process_info"), ("7.属于行政执法案卷", "withheld.enforcement_files"),
    ("8.属于行政查询事项", "withheld.inquiry_matters"), ("（四）无法提供", None),
    ("1.本机关不掌握相关政府信息", "unavailable.not_held"),
]
COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]
HEADER = ["申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def _rows(count: int) -> list[list[int]]:
    """``count`` rows of table 三 whose parts add up to their totals, no two alike."""
    rows = []
    for i in range(count):
        parts = [3 * i + 5, i % 3, 0, i % 2, 0, (i * 7) % 5]
        rows.append(parts + [sum(parts)])
    return rows


def _text(rows: list[list[int]], by_columns: bool, lines: bool = True) -> str:
    """A text of table 三's first rows: heading, row labels, header, then the numbers."""
    labelled = [label for label, _ in ROWS_2021]
    numbers = ([row[j] for j in range(len(COLUMNS)) for row in rows] if by_columns
               else [n for row in rows for n in row])
    cells = ["三、收到和处理政府信息公开申请情况", *labelled, *HEADER, *map(str, numbers), "四、政府信息公开行政复议、行政诉讼情况"]
    return ("\n\n" if lines else " ").join(cells) + "\n"


@pytest.mark.parametrize("lines", [True, False], ids=["a cell a line", "collapsed"])
def test_a_table_written_column_by_column_is_read_by_columns(lines):
    keys = [key for _, key in ROWS_2021 if key]
    rows = _rows(len(keys))
    parsed = parse_document(_text(rows, by_columns=True, lines=lines).encode("utf-8"), "columns.txt")
    for key, row in zip(keys, rows):
        for column, want in zip(COLUMNS, row):
            assert parsed.metrics[f"apps.{key}.{column}"] == want, (key, column)
    where = parsed.values["apps.granted.commercial"].location
    assert "column by column" in where and "R3" in where
    used = [i for i in parsed.issues if i.code == "rules_used_to_read"]
    assert used and "used_rules=R3" in used[0].message and "column by column" in used[0].message


def test_a_table_written_row_by_row_after_its_labels_is_not_read_by_columns():
    """The same numbers row by row: the column reading does not balance, so the rows are what the
    row readers make of them (here: nothing, the labels stand apart), never the column reading."""
    keys = [key for _, key in ROWS_2021 if key]
    parsed = parse_document(_text(_rows(len(keys)), by_columns=False).encode("utf-8"), "rows.txt")
    assert not any(k.startswith("apps.") and v is not None for k, v in parsed.metrics.items())
    assert not any("column by column" in (p.location or "") for p in parsed.values.values())


def test_a_block_both_readings_balance_in_is_left_unread():
    """Two rows whose fourteen numbers balance read row by row and read column by column: R3
    cannot choose, so neither reading is taken."""
    numbers = [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1]
    text = "\n".join(["三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量",
                      "二、上年结转政府信息公开申请数量", *HEADER, *map(str, numbers), "四、政府信息公开行政复议、行政诉讼情况"])
    parsed = parse_document(text.encode("utf-8"), "both.txt")
    assert not any(k.startswith("apps.") and v is not None for k, v in parsed.metrics.items())
    assert any(i.code in {"column_count_mismatch", "unidentified_row"} for i in parsed.issues)


def test_generated_pdfs_through_pdfminer_misplace_nothing():
    """pdfminer cuts a generated PDF's table 三 into boxes of rows and of columns, and a row's
    numbers may then be another row's: before a table out of its order kept only rows that balance
    (R3), six of these sixteen reports had values under wrong keys (「3.危及“三安全一稳定”」 read
    as 44 2 21 3 0 0 0, a column's numbers). Now none; every number left unread has an issue."""
    from pdfminer.high_level import extract_text

    unread_codes = {"ambiguous_split", "column_count_mismatch", "unidentified_row", "no_header",
                    "unmapped_column", "unbalanced_row"}
    for report in samples.generate_panel(agencies=4, years=range(2019, 2023)):
        pdf = samples.render_pdf(report)
        original = parse_document(pdf, "report.pdf")
        parsed = parse_document(extract_text(io.BytesIO(pdf)).encode("utf-8"), "report.txt")
        label = f"{report.agency} {report.year}"
        _, missing = read_against(original.metrics, parsed.metrics, label)
        if any(key.startswith("apps.") for key in missing):
            assert {i.code for i in parsed.issues} & unread_codes, f"{label}: {missing[:5]} unread with no issue"


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus/real (the hand-checked corpus) is absent")
def test_hand_checked_pdfs_through_pdfminer_read_table_three_by_columns():
    """淮安 2024 through pdfminer: table 三 by columns on both its pages, all 175 cells. 洪泽 2023's
    first page gives its 总计 column before 其他: read that way R3 fails, and the page is left
    unread (its second page reads); nothing is misplaced."""
    from pdfminer.high_level import extract_text

    cases = {doc.stem: (doc, spec) for doc, spec in corpus_cases() if doc.suffix == ".pdf"}
    doc, spec = cases["huaian-2024"]
    parsed = parse_document(extract_text(str(doc)).encode("utf-8"), "huaian-2024.txt")
    table_three = {k: v for k, v in spec["metrics"].items() if k.startswith("apps.")}
    assert read_against(table_three, parsed.metrics, "huaian-2024")[1] == []
    doc, spec = cases["hongze-2023"]
    parsed = parse_document(extract_text(str(doc)).encode("utf-8"), "hongze-2023.txt")
    read_against(spec["metrics"], parsed.metrics, "hongze-2023")
    assert parsed.metrics.get("apps.processed_total.total") == spec["metrics"]["apps.processed_total.total"]
