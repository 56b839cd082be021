"""Table 三 written a column at a time (docs/degraded-text.md).

Some extractors write a drawn table's cells in the order of its columns, not its rows:
pdfminer's ``extract_text()``, and the pipelines built on it, on PDFs such as 淮安 2024's. Each
page of table 三 then comes as its row labels, the header's pieces, then the numbers of 自然人
for every row on the page, then those of 商业企业, and so on to 总计:

    一、本年新收… 二、上年结转… （一）予以公开 … 1.本机关不掌握…  自然人 商业企业 … 总计
    3001 34 1288 … 746   53 0 21 … 12   …   3119 34 1362 … 769

The text says which rows the page holds (their labels, in order) and how many numbers there are.
When the numbers are exactly the table's seven columns times those rows, two readings are
possible: row by row, as every other text is written, or column by column. A row's identity
(R3: its total is the sum of its parts) is what tells them apart; the column reading is taken
only when it holds in every row and the row reading does not, and R3 is then recorded as used to
read the table (it cannot certify what it fixed). Anything else leaves the cells as they are,
for the row readers and their issues.
"""
from __future__ import annotations

import re
from decimal import Decimal

from . import vocabulary as vocab
from .cells import is_value, normalise, read_cell
from .documents import BLANK_CELL_SPACE, Cell

#: Table 三's columns in the national format: 自然人, five 法人或其他组织 columns, 总计.
WIDTH = len(vocab.STANDARD_COLUMNS["三"])
# A row label's start: 「1.」「1、」「（一）」「一、」.
_ITEM_MARK = re.compile(r"^(?:\d{1,2}[.、]|\([一二三四五六七八九十]\)|[一二三四五六七八九十]、)")
NOTE = "table 三 written column by column, read by columns (R3 holds in every row that way, not row by row)"


def _entries(labels: list[Cell]) -> tuple[list[list[Cell]], list[Cell]]:
    """The label cells cut into row labels (a label starts at an item mark and goes on over the
    pieces of its wrapped cell, up to the next mark or a header label), and the cells that are
    in no row label (the header's pieces, the rule's note)."""
    entries: list[list[Cell]] = []
    others: list[Cell] = []
    current: list[Cell] | None = None
    for cell in labels:
        text = normalise(cell.text)
        if _ITEM_MARK.match(text):
            current = [cell]
            entries.append(current)
        elif current is not None and not vocab.is_header_label("三", text):
            current.append(cell)
        else:
            current = None
            others.append(cell)
    return entries, others


def _rows(entries: list[list[Cell]]) -> list[tuple[str, list[Cell]]] | None:
    """(row key, its label cells, with its group's label first where the group names one) for each
    entry that is a row, in the text's order; None when a key comes twice."""
    rows: list[tuple[str, list[Cell]]] = []
    group, group_cells = None, []
    other_label = None   # 「（六）其他处理」: a row of its own where no row of its group follows (2019)
    for entry in entries:
        text = "".join(normalise(c.text) for c in entry)
        key = vocab.apps_row(text, group)
        named_group = vocab.apps_group(text)
        if key is None and named_group:
            group, group_cells = named_group, entry
            if group == "other":
                other_label = (len(rows), entry)
            continue
        if key is None:
            continue
        # The group's label goes before its first row, as a page's merged cell does.
        label = (group_cells + entry) if group_cells and key.startswith(f"{group}.") else entry
        if label is not entry:
            group_cells = []
        rows.append((key, label))
    if other_label and not any(key.startswith("other.") for key, _ in rows):
        rows.insert(other_label[0], ("other", other_label[1]))
    return rows if len({key for key, _ in rows}) == len(rows) else None


def _balances(values: list[Decimal | None]) -> bool:
    """R3: the total (last) is the sum of the parts. A blank cell fails: a reading by columns has
    to show itself in every cell."""
    if any(v is None for v in values):
        return False
    return sum(values[:-1]) == values[-1]


def read_by_columns(cells: list[Cell]) -> tuple[list[Cell], bool]:
    """The run of table 三's cells with every block written column by column put row by row, and
    whether any was. A block is a stretch of labels followed by a stretch of numbers."""
    blocks: list[tuple[list[Cell], list[Cell]]] = []   # (labels, numbers)
    labels: list[Cell] = []
    numbers: list[Cell] = []
    for cell in cells:
        if is_value(cell.text):
            numbers.append(cell)
            continue
        if numbers:
            blocks.append((labels, numbers))
            labels, numbers = [], []
        labels.append(cell)
    blocks.append((labels, numbers))

    out: list[Cell] = []
    changed = False
    for labels, numbers in blocks:
        rows = _by_columns(labels, numbers)
        if rows is None:
            out += labels + numbers
            continue
        changed = True
        out += rows
    return out, changed


def _by_columns(labels: list[Cell], numbers: list[Cell]) -> list[Cell] | None:
    """One block's cells row by row, when the column reading is the one R3 allows; else None."""
    # The empty lines a text grid keeps as possible blank cells (BLANK_CELL_SPACE) say nothing here:
    # pdfminer puts one between some of its text boxes and not others.
    numbers = [c for c in numbers if c.text != BLANK_CELL_SPACE]
    if len(numbers) < 2 * WIDTH or len(numbers) % WIDTH:
        return None
    height = len(numbers) // WIDTH
    entries, others = _entries(labels)
    rows = _rows(entries)
    if not rows or len(rows) != height:
        return None
    values = [read_cell(c.text).number for c in numbers]
    by_columns = [[values[j * height + i] for j in range(WIDTH)] for i in range(height)]
    by_rows = [values[i * WIDTH:(i + 1) * WIDTH] for i in range(height)]
    if not all(_balances(row) for row in by_columns) or by_rows == by_columns \
            or all(_balances(row) for row in by_rows):
        return None
    out = list(others)
    for i, (_, label) in enumerate(rows):
        out += label
        out += [Cell(numbers[j * height + i].text, f"{numbers[j * height + i].where}, {NOTE}")
                for j in range(WIDTH)]
    return out
