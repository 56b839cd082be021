"""Reading tables 二, 三 and 四 of the 2019 and 2021 layouts, by their labels.

The interpreter walks the stream of lines and rows a document reader produced. It knows
which table it is in from the section headings and from labels only one table has; it learns
the columns from the header cells (multi-level headers are rebuilt from the order the cells
stand in, see :func:`expand_header`); and it names each row from its label. A value lands in
a key only when both its row and its column were identified and the counts agree: otherwise
the cells stay out and a parse issue says which row, so nothing is ever shifted into a
neighbouring key.

One module on purpose: the header reading, the row naming and the deferred splitting of rows whose
digits ran together share the reader's state (the columns found, the rows waiting to be settled).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from . import solver
from . import vocabulary as vocab
from .cells import CellValue, as_number, normalise, read_cell, to_wan
from .documents import GRID_METHOD, Cell, Line, Row, fit_blank_spaces
from .inference import balance_rule
from .running_text import METHOD as TEXT_RUNNING
from .running_text import own_label

# Text whose table rows are cut at their labels, so that a row holds all its digits.
_LABEL_DELIMITED = (TEXT_RUNNING, GRID_METHOD)
# Text whose table 三 rows are cut from a run of cells by their labels: the row a number stands in
# is the text's order, which an extractor may have broken (see TableReader._drop_unbalanced_rows).
_TEXT_ROWS = (TEXT_RUNNING, GRID_METHOD, "text_cells")
# Table 三's part columns in the format (all but 总计), by their keys' last part.
_APPS_PARTS = tuple(path[-1] for path in vocab.STANDARD_COLUMNS["三"][:-1])
_MIN_RUN_ON_WIDTH = 3   # 自然人, a part, 总计: the fewest columns R3 can cut a run of values by


# A report has a few hundred values: slots make them smaller and quicker to make.
@dataclass(slots=True)
class MetricValue:
    key: str
    value: int | float | None
    method: str
    table: str
    row_label: str
    column_label: str
    raw_text: str
    location: str
    note: str | None = None


@dataclass(slots=True)
class ParseIssue:
    code: str
    message: str
    location: str | None = None


@dataclass(frozen=True)
class _Column:
    path: tuple[str, ...]       # concepts from the top header level down, e.g. ("litigation", "direct", "total")
    label: str                  # the printed labels joined, for provenance


# The national format's columns of tables 三 and 四 in its order (vocab.STANDARD_COLUMNS), for a
# row whose header could not be read: made once, not for every such row.
_FORMAT_ORDER = {table: [_Column(path, "/".join(path) + " (format order)") for path in paths]
                 for table, paths in vocab.STANDARD_COLUMNS.items()}
_FORMAT_LEAVES = {table: [path[-1] for path in paths] for table, paths in vocab.STANDARD_COLUMNS.items()}


# A key is a pure function of the table, the row and the column's path, and a report asks for
# the same few hundred: cached, so each value costs a lookup, not the string building.
@lru_cache(maxsize=1 << 14)
def _key_of(table: str, row_key: str, path: tuple[str, ...]) -> str | None:
    if table == "二":
        leaf = path[-1]
        return f"active.{row_key}.{leaf}" if leaf in vocab.ACTIVE_KEYS.get(row_key, ()) else None
    if table == "三":
        leaf = path[-1]
        if leaf == "legal_person":   # the group header with no sub-columns under it
            leaf = "legal_person_subtotal"
        return f"apps.{row_key}.{leaf}"
    if path[0] == "review" and len(path) == 2:
        return f"review.{path[1]}"
    if path[0] == "litigation" and len(path) == 3:
        return f"litigation.{path[1]}.{path[2]}"
    return None


def _label(text: str) -> str:
    """A label cell's text as the vocabulary matches it: normalised, and without a colon after
    it (「（七）总计：」, 「行政许可：」: the colon only introduces the row's figures)."""
    normal = normalise(text)
    return normal[:-1] if normal.endswith(":") else normal


# Where a row of table 三 numbers its label: a sub-row's number (「2.其」, 「（四1.本」), a group's
# (「（六）」) or a part's (「四、」). The row's own label starts at the last of them.
_ITEM_NUMBER = re.compile(r"(?<!\d)\d{1,2}[.、](?!\d)"
                          r"|\([一二三四五六七八九十]{1,2}\)|(?<![一二三四五六七八九十])[一二三四五六七八九十]{1,2}、")


# A row's key is a pure function of the table, its label cells' text and the group of table 三
# it stands in; the same labels come back in every report: cached.
@lru_cache(maxsize=1 << 14)
def _row_key_of(table: str, texts: tuple[str, ...], group: str | None) -> str | None:
    normal = [_label(text) for text in texts]
    if table == "三":
        # Not from before the label's last number: the words before it are its group's label or
        # end the row above (a label wrapped after its row's figures: 「1.属」 「0 1 0 0 0 0 1」 「于国」
        # 「家秘」 「密」 「2.其」 「2 0 0 0 0 0 2」 is no 属于国家秘密 row).
        joined = "".join(normal)
        last = None
        for last in _ITEM_NUMBER.finditer(joined):
            pass
        if last is not None and last.start() > 0:
            normal = [joined[last.start():]]
    # The row's own label is the last one; a label wrapped over several cells is joined.
    for start in range(len(normal) - 1, -1, -1):
        candidate = "".join(normal[start:])
        key = vocab.active_row(candidate) if table == "二" else vocab.apps_row(candidate, group)
        if key:
            if table == "三" and "." in key and any(vocab.apps_group(text) for text in normal[start + 1:]):
                # A group's label after its own sub-row's (「1.本机关不掌握…」「（四）无法提供」): text
                # that lost the layout's order, where a merged cell's label lands between rows
                # and the numbers after it may be the next row's. Not read as this row.
                return None
            return key
    if table == "三" and normal and vocab.apps_group(normal[-1]) == "other":
        return "other"  # the single （六）其他处理 row
    return None


# What a row's label cells say, as pure functions of their text (and the table): the same
# labels come back in every report and several times in one, so each is worked out once.
@lru_cache(maxsize=1 << 14)
def _markers_of(texts: tuple[str, ...]) -> tuple[str, ...]:
    """The tables the labels' markers name, in order (vocab.table_of_marker)."""
    return tuple(marked for marked in (vocab.table_of_marker(_label(text)) for text in texts) if marked)


@lru_cache(maxsize=1 << 14)
def _last_header_label(table: str | None, texts: tuple[str, ...]) -> int:
    """The position of the last label that names a column, -1 for none."""
    return max((i for i, text in enumerate(texts) if vocab.is_header_label(table, _label(text))), default=-1)


@lru_cache(maxsize=1 << 14)
def _header_of(table: str | None, texts: tuple[str, ...]) -> tuple[tuple[str, str, str | None], ...]:
    """(concept, label, layout it signals) of every column label in the header cells, joined."""
    joined = "".join(_label(text) for text in texts)
    return tuple((concept, label, vocab.layout_of_header(label))
                 for concept, label in vocab.header_concepts(table, joined))


@lru_cache(maxsize=1 << 14)
def _printed(texts: tuple[str, ...]) -> str:
    """A row's label as printed: its label cells' text joined."""
    return "".join(text.strip() for text in texts)


@lru_cache(maxsize=1 << 14)
def _apps_group_of(texts: tuple[str, ...]) -> str | None:
    return vocab.apps_group("".join(_label(text) for text in texts))


def expand_header(cells: list[tuple[str, str]]) -> list[_Column]:
    """Leaf columns of a header given as (concept, printed label) in document order.

    A merged header cell comes before the cells under it, so in document order a two-level
    header reads 「自然人 · 法人或其他组织 · 总计 · 商业企业 · … · 其他」 and table 四 reads
    「行政复议 · 行政诉讼 · 结果维持 … 总计 · 未经复议直接起诉 · 复议后起诉 · 结果维持 …」.
    Each cell goes under the earliest open group that accepts it and does not have it yet;
    that rebuilds the tree whether the cells came from an HTML grid or a flattened text.
    """
    top: list[dict] = []
    groups: list[dict] = []
    for concept, label in cells:
        node = {"concept": concept, "label": label, "children": []}
        parent = next((g for g in groups
                       if concept in vocab.HEADER_GROUPS[g["concept"]]
                       and concept not in [ch["concept"] for ch in g["children"]]), None)
        (parent["children"] if parent else top).append(node)
        if concept in vocab.HEADER_GROUPS:
            groups.append(node)

    leaves: list[_Column] = []

    def visit(node: dict, path: tuple[str, ...], labels: tuple[str, ...]) -> None:
        path, labels = path + (node["concept"],), labels + (node["label"],)
        if node["children"]:
            for child in node["children"]:
                visit(child, path, labels)
        else:
            leaves.append(_Column(path, "/".join(labels)))

    for node in top:
        visit(node, (), ())
    return leaves


@lru_cache(maxsize=1 << 12)
def _expanded(cells: tuple[tuple[str, str], ...]) -> tuple[_Column, ...]:
    """:func:`expand_header`, cached: every report of a layout has the same few headers."""
    return tuple(expand_header(list(cells)))


def split_rows(cells: list[Cell]) -> list[list[Cell]]:
    """Cut a run of cells into rows: a row is its label cells followed by its value cells,
    so a label that follows a value starts the next row (one-cell-per-line text has no other
    row boundary)."""
    return [[cell for cell, _ in row] for row in read_rows(cells)]


_WORD_OF = re.compile(r"^(line \d+ word \d+)")


def words_of(cells) -> set[str]:
    """The words of running text the cells were cut from (their location 「line L word W」): cells
    of different words stood a space apart; cells of one word ran together. Empty for cells whose
    location names no word (grids, HTML)."""
    return {m.group(1) for m in map(_WORD_OF.match, (c.where for c in cells)) if m}


def lines_of(cells) -> set[str]:
    """The lines of running text the cells were cut from (see :func:`words_of`)."""
    return {word.rsplit(" word ", 1)[0] for word in words_of(cells)}


def _signs_in_change_columns(texts: list[str], paths) -> bool:
    """Whether, one digit a cell, each signed number (「+8」, 「-5」) starts in a 本年增/减 column:
    the only column of table 二 a sign is printed in."""
    position = 0
    for text in texts:
        normal = normalise(text)
        digits = normal.lstrip("+-−")
        if digits != normal:
            if position >= len(paths) or paths[position][-1] != "item_change":
                return False
        position += len(digits) if digits.isascii() and digits.isdigit() else 1
    return True


def read_rows(cells: list[Cell]) -> list[list[tuple[Cell, CellValue | None]]]:
    """:func:`split_rows`, each cell with what it reads as (``read_cell``), which cutting the
    rows needs and the table reader needs again: read once."""
    rows: list[list[tuple[Cell, CellValue | None]]] = []
    current: list[tuple[Cell, CellValue | None]] = []
    seen_value = False
    for cell in cells:
        value = read_cell(cell.text)
        if value is not None:
            current.append((cell, value))
            seen_value = True
        else:
            if seen_value:
                rows.append(current)
                current, seen_value = [], False
            current.append((cell, None))
    if current:
        rows.append(current)
    return rows


@dataclass
class TableReader:
    method: str
    table: str | None = None
    pending_header: list[tuple[str, str]] = field(default_factory=list)
    header_open: bool = False       # header cells seen since the last data row
    columns: list[_Column] | None = None
    group: str | None = None
    values: dict[str, MetricValue] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)
    concepts_seen: set[str] = field(default_factory=set)
    layout_signals: set[str] = field(default_factory=set)
    apps_sequence: list[str | None] = field(default_factory=list)   # table 三's rows in order; None = unlabelled
    orphans: list = field(default_factory=list)
    standard_columns_noted: dict[str, bool] = field(default_factory=dict)
    # Rows whose digits ran together and that their own identity leaves several readings of:
    # settled together at the end of the document (solver.solve), see finish().
    pending_splits: list = field(default_factory=list)
    rules_used: set[str] = field(default_factory=set)
    open_rows: list[dict] = field(default_factory=list)   # rows left unread with their readings
    apps_out_of_order: bool = False   # table 三 of a text came out of its rows' order, see finish()
    ocr_rows: frozenset = frozenset()   # locations of the table rows OCR read
    _row_key_now: str | None = None
    _same_leaves_memo: tuple = (None, None, False, False, False)   # (columns, table, answers), see _map_columns

    # -- stream ------------------------------------------------------------------------
    def read(self, items: list[Line | Row]) -> None:
        for item in items:
            if isinstance(item, Line):
                self._line(item)
            else:
                for read in read_rows(item.cells):
                    self._row(read, item.where)

    def _line(self, line: Line) -> None:
        is_heading, table = vocab.section_of_heading(normalise(line.text))
        if is_heading:
            self._switch(table)

    def _switch(self, table: str | None) -> None:
        if table != self.table:
            self.table = table
            self.pending_header, self.header_open, self.columns, self.group = [], False, None, None

    # -- one row -----------------------------------------------------------------------
    def _row(self, read: list[tuple[Cell, CellValue | None]], where: str) -> None:
        """One row: its cells, each with what it reads as (None: a label)."""
        labels = [cell for cell, value in read if value is None]
        values = [(cell, value) for cell, value in read if value is not None]
        texts = tuple(cell.text for cell in labels)
        for marked in _markers_of(texts):
            if marked != self.table:
                self._switch(marked)

        header, row_labels = self._split_header(labels, values, texts)
        if header:
            if not self.header_open:
                self.pending_header, self.header_open = [], True
            for concept, label, layout in _header_of(self.table, texts[:len(header)]):
                self.pending_header.append((concept, label))
                self.concepts_seen.add(concept)
                if layout:
                    self.layout_signals.add(layout)
        if self.table == "三":
            # Joined: a group label broken over cells (「（六）其」「他处理」) still counts.
            group = _apps_group_of(texts[len(header):] if header else texts)
            if group:
                self.group = group
        if not values or all(v.number is None for _, v in values) and header and not row_labels:
            return  # a header row (blank corner cells included)
        if self.header_open:
            self.columns = list(_expanded(tuple(self.pending_header))) if self.pending_header else None
            self.header_open = False
        if self.table == "二":
            self._data_row("二", row_labels, values, where, texts[len(header):])
        elif self.table == "三":
            self._data_row("三", row_labels, values, where, texts[len(header):])
        elif self.table == "四":
            self._data_row("四", row_labels, values, where, texts[len(header):])

    def _split_header(self, labels: list[Cell], values, texts: tuple[str, ...]) -> tuple[list[Cell], list[Cell]]:
        """Header cells are those up to the last label that names a column; the row's own
        label follows them (in flattened text both stand in one run of cells). ``texts``: the
        labels' text."""
        # A lone 「总计」 row in table 三 is （七）总计 written without its number.
        if (self.table == "三" and self.columns and len(labels) == 1 and values
                and vocab.column_concept("三", _label(texts[0])) == "total"):
            return [], labels
        last = _last_header_label(self.table, texts)
        return labels[: last + 1], labels[last + 1:]

    def _data_row(self, table: str, row_labels: list[Cell], values, where: str,
                  texts: tuple[str, ...]) -> None:
        """``texts``: the row labels' text."""
        printed = _printed(texts)
        own = own_label(printed)   # labels of rows whose digits the cutter could not part, dropped
        if own != printed:
            texts, printed = (own,), own
        row_key = "" if table == "四" else _row_key_of(table, texts, self.group)
        if table == "三" and row_key and "." not in row_key and row_key != "other":
            self.group = None
        elif table == "三" and row_key and "." in row_key:
            # A sub-row says which group the rows under it stand in, even where the group's own
            # label was broken around other cells (pdftotext -layout: 「（六）其」, a sub-row's
            # label, 「他处理」), so the group's 「3.其他」 is still its 其他.
            self.group = row_key.partition(".")[0]
        if (row_key is None or not printed) and not any(v.number is not None for _, v in values):
            # An unlabelled row of blanks says nothing (in table 四 too, which has one row and no
            # row label: a Markdown converter's blank header row stands above it).
            return
        self._row_key_now = row_key
        if self.method in _LABEL_DELIMITED:   # blank cells read from white space only where they fit
            values = fit_blank_spaces(values, (len(self.columns or ()), len(vocab.STANDARD_COLUMNS.get(table, ()))))
        values, unlabelled = self._rows_run_on(table, row_key, values)
        mapped = self._map_columns(table, printed, values, where)
        if mapped is None:
            return
        columns, values, inferred_from = mapped
        if row_key is None:
            if table == "三" and (not printed or where in self.ocr_rows):
                # Its label was lost (converters float labels away from their numbers), or the
                # OCR misread it (「（一）子以公开」, 「2.重复中请」): placed by table order once the
                # whole table is read, see finish().
                self.orphans.append((len(self.apps_sequence), columns, values, where, printed))
                self.apps_sequence.append(None)
                self._note_out_of_order(table)
            else:
                self._issue("unidentified_row", f"table {table}: row 「{printed or '(no label)'}」 "
                            f"matches no known row; its {len(values)} values were left out", where)
            return
        if table == "三":
            self.apps_sequence.append(row_key)
        self._store_row(table, row_key, printed, columns, values, inferred_from)
        for run_on in unlabelled:   # placed by table order once the table is read, see finish()
            self.orphans.append((len(self.apps_sequence), columns, run_on, where, ""))
            self.apps_sequence.append(None)
            self._note_out_of_order(table)

    def _note_out_of_order(self, table: str) -> None:
        """A table 三 row of text without a label, or with more numbers than columns: the text
        did not keep the table's rows in order (see _drop_unbalanced_rows)."""
        if table == "三" and self.method in _TEXT_ROWS:
            self.apps_out_of_order = True

    def _rows_run_on(self, table: str, row_key: str | None, values) -> tuple[list, list[list]]:
        """A table 三 row of text followed by whole rows whose labels stand elsewhere (an
        extractor that writes a merged or wrapped label cell apart from its row, as pdftotext
        does: 「二、上年结转… 34 0 0 0 0 0 34 1288 21 0 0 50 3 1362 447 7 0 0 0 0 454 1.属于国家秘密…」):
        when its values are a whole number of rows, each of them balancing (R3), the first row
        is the label's and the others are unlabelled rows, placed by the layout's row order
        (finish()) or reported. Otherwise (values, [])."""
        if table != "三" or row_key is None or self.method not in _LABEL_DELIMITED:
            return values, []
        # The header's columns, or the national format's where the header was garbled
        # (_map_columns), that the values are two or more whole rows of (most rows: none).
        candidates = [columns for columns in (self.columns or [], _FORMAT_ORDER[table])
                      if _MIN_RUN_ON_WIDTH <= len(columns) < len(values) and not len(values) % len(columns)]
        if not candidates or any(value.number is None for _, value in values):
            return values, []
        readings = {}   # the rows, by the width they were cut at
        for columns in candidates:
            width = len(columns)
            leaves = [c.path[-1] for c in columns]
            if leaves[-1] != "total" or "natural_person" not in leaves:
                continue   # R3 ties a row of parts to its 总计: columns without both cut nothing
            rows = [values[i:i + width] for i in range(0, len(values), width)]
            rule = balance_rule("三", [c.path for c in columns])
            if all(rule([value.number for _, value in row]) for row in rows):
                readings[width] = rows
        if len(readings) != 1:
            return values, []
        self.rules_used.add("R3")   # it accepted the cut: it cannot then certify these rows
        rows = next(iter(readings.values()))
        return rows[0], rows[1:]

    def _map_columns(self, table: str, printed: str, values, where: str):
        """(columns, values, run-together text or None) for a row, or None when its cells cannot
        be matched to columns one to one (a parse issue then says why)."""
        columns = self.columns
        standard = vocab.STANDARD_COLUMNS.get(table)

        def trimmed(width: int):
            # Converters pad rows with empty cells: on the right, and between the label and the
            # numbers where a Markdown converter writes a merged label cell as blank cells, not as
            # many in every row (markdownify). The numbers stand in the last columns (总计 last).
            if len(values) <= width:
                return values   # nothing to cut (most rows): no copy
            cut = list(values)
            while len(cut) > width and cut[-1][1].number is None and not normalise(cut[-1][0].text):
                cut.pop()
            while len(cut) > width and cut[0][1].number is None and not normalise(cut[0][0].text):
                cut.pop(0)
            return cut

        # The header named the leaf columns in the format's order but not their groups
        # (a converter kept only the last header row): the format's groups are meant. In text,
        # a header naming the format's columns in another order is an extractor's order, not the
        # table's: pdftotext writes a tall header cell (「自然人」, two rows high) after the cells
        # beside it, and no rule can tell columns of parts apart (R1 and R3 hold whatever their
        # order). The format fixes the order there too. And a text header naming only some of
        # the format's columns (pdftotext -layout cuts two-row labels into pieces, and only
        # 「其他」 and 「总计」 read as columns), or a table 三 header without 自然人 (a box-drawn
        # header whose lines ran together leaves 「法人或其他组织」 and 「总计」), is not the table's
        # either: its rows are matched against the format's columns, so a row of two numbers is
        # 总计 and parts unknown, not 其他 (or all 法人) and 总计.
        # Asked for every row, answered once per header (the columns stay until the next one).
        memo_columns, memo_table, same_leaves, reordered, partial = self._same_leaves_memo
        if columns is not memo_columns or table != memo_table:
            paths = [c.path for c in columns or ()]
            in_text = bool(standard and self.method in _LABEL_DELIMITED and paths != standard)
            same_leaves = bool(standard and columns and [c.path[-1] for c in columns] == _FORMAT_LEAVES[table]
                               and paths != standard)
            reordered = in_text and sorted(paths) == sorted(standard)
            leaves = {path[-1] for path in paths}
            # (Every table 三 has a 自然人 column: a text header without one lost it to the extractor.)
            partial = in_text and bool(paths) and (leaves < set(_FORMAT_LEAVES[table])
                                                   or table == "三" and "natural_person" not in leaves)
            self._same_leaves_memo = (columns, table, same_leaves, reordered, partial)
        if partial or reordered:
            if not self.standard_columns_noted.get(table):
                why = "named only some of the format's columns" if partial else \
                    "named the format's columns in another order"
                self._issue("standard_columns", f"table {table}: the column header {why} "
                            f"({', '.join(c.label for c in columns)}); rows were read against the national "
                            "format's columns, in its order", where)
                self.standard_columns_noted[table] = True
            columns = _FORMAT_ORDER[table]
        elif standard and (not columns or len(columns) != len(standard) or same_leaves) \
                and len(trimmed(len(standard))) == len(standard):
            # The header was garbled past reading, but the row has exactly the national table's
            # cells, whose order the format fixes.
            if not self.standard_columns_noted.get(table) and not same_leaves:
                self._issue("standard_columns", f"table {table}: the column header could not be read "
                            f"({', '.join(c.label for c in columns or []) or 'none found'}); rows of "
                            f"{len(standard)} cells were read in the national format's column order", where)
                self.standard_columns_noted[table] = True
            columns = ([_Column(path, c.label) for path, c in zip(standard, columns)] if same_leaves
                       else _FORMAT_ORDER[table])
        if columns:
            values = trimmed(len(columns))
        if not columns:
            self._issue("no_header", f"table {table}: row 「{printed}」 has values but no column header "
                        "was identified before it; its values were left out", where)
            return None
        if table == "二" and len(values) < len(columns) and self._row_key_now:
            # A header that names other rows' columns too (one header over several of table 二's
            # parts, or a part whose own header line the text lost: 「行政许可 | 2293」 under
            # 本年制发件数…): the row's values stand in its own columns only, never one digit a
            # column across the others'.
            own = [c for c in columns if _key_of(table, self._row_key_now, c.path) is not None]
            if own and len(own) < len(columns):
                columns = own
        inferred_from = None
        if len(values) < len(columns) and table == "二" and len(words_of(c for c, _ in values)) > 1:
            # 「行政许可 49 +8」 for three columns: values a space apart are whole cells, and one is
            # missing (a blank cell the text dropped, or a lost number). Table 二 has no rule to
            # say which column it was: cutting 49 into 4 | 9 would be a guess.
            self._issue("column_count_mismatch",
                        f"table {table}: row 「{printed}」 has {len(values)} values a space apart for "
                        f"{len(columns)} columns ({', '.join(c.label for c in columns)}): a cell the text "
                        "left out, and which one is not in the text; its values were left out", where)
            return None
        if len(values) < len(columns) and any(normalise(c.text).isdigit() and len(normalise(c.text)) > 1
                                              for c, _ in values):
            values, inferred_from, columns = self._split_run_together(table, printed, values, where, columns)
            if values is None:
                return None
        elif self._short_row(table, values, columns):
            # 「0 0」: cells one space apart, but fewer digits than columns (blank cells left nothing).
            values, inferred_from, columns = self._split_run_together(table, printed, values, where, columns)
            if values is None:
                return None
        if len(values) != len(columns):
            if len(values) > len(columns):
                self._note_out_of_order(table)
            self._issue("column_count_mismatch",
                        f"table {table}: row 「{printed}」 has {len(values)} values for "
                        f"{len(columns)} columns ({', '.join(c.label for c in columns)}); "
                        "its values were left out", where)
            return None
        return columns, values, inferred_from

    def finish(self, layout: str | None, prose: dict[str, Decimal] | None = None) -> None:
        """Place table 三's unlabelled rows: between two rows that kept their labels, the rows
        the layout prints there and the document lacks, when they are as many as the unlabelled
        rows and each of those balances (R3). Otherwise they are reported, not guessed.
        First, the rows whose digits ran together and are still open are settled together."""
        self._settle_pending(layout, prose or {})
        self._place_orphans(layout)
        if self.apps_out_of_order:
            self._drop_unbalanced_rows()

    def _place_orphans(self, layout: str | None) -> None:
        """See finish()."""
        if not self.orphans:
            return
        order = vocab.APPS_ROW_ORDER.get(layout or "", [])
        have = {k.split(".", 1)[1].rsplit(".", 1)[0] for k in self.values if k.startswith("apps.")}
        sequence = self.apps_sequence
        placed: dict[int, str] = {}
        i = 0
        while i < len(sequence):
            if sequence[i] is not None:
                i += 1
                continue
            start = i
            while i < len(sequence) and sequence[i] is None:
                i += 1
            before = next((sequence[j] for j in range(start - 1, -1, -1) if sequence[j]), None)
            after = sequence[i] if i < len(sequence) else None
            lo = order.index(before) + 1 if before in order else (0 if before is None else None)
            hi = order.index(after) if after in order else (len(order) if after is None else None)
            if lo is None or hi is None or lo > hi:
                continue
            missing = [k for k in order[lo:hi] if k not in have]
            if len(missing) == i - start:
                for offset, key in enumerate(missing):
                    placed[start + offset] = key
        for position, columns, values, where, misread in self.orphans:
            key = placed.get(position)
            numbers = [v.number for _, v in values]
            rule = balance_rule("三", [c.path for c in columns])
            if key and all(n is not None for n in numbers) and rule(numbers):
                before = next((s for s in reversed(sequence[:position]) if s), "the table's start")
                label = f"label OCR read as 「{misread}」" if misread else "label lost"
                self._store_row("三", key, f"({label}; placed as {key} by table order after {before})",
                                columns, values, method="inferred_position",
                                note=f"row {label} in the document; placed by the layout's row order "
                                     "between the labelled rows around it, and R3 holds on it")
            elif misread:
                self._issue("unidentified_row", f"table 三: row 「{misread}」 matches no known row (as OCR "
                            "read it), and its place in the table could not be settled; its "
                            f"{len(values)} values were left out", where)
            else:
                self._issue("unidentified_row", "table 三: a row of "
                            f"{len(values)} values ({' '.join(c.text for c, _ in values)}) has no label, and "
                            "its place in the table could not be settled; its values were left out", where)

    def _drop_unbalanced_rows(self) -> None:
        """In a text that wrote table 三 out of its rows' order (rows without labels, rows with more
        numbers than columns: pdfminer's text of a drawn table is cut into boxes, some a column's
        numbers, some a row's), a row read from the text is the row's only if it shows it: all its
        cells read and its _APPS_PARTS adding up to its total (R3), or its total printed blank. Another
        is left out with an issue: its numbers may be another row's or a column's (a total read
        alone, the last of a short row, as well), and a wrong value under a right key is worse
        than none. (A table in its order keeps a row that breaks R3 as printed: the checks
        report it.)"""
        rows: dict[str, dict[str, MetricValue]] = {}
        for key, metric in self.values.items():
            if key.startswith("apps."):
                row, _, column = key.rpartition(".")
                rows.setdefault(row, {})[column] = metric
        for row, cells in rows.items():
            total = cells.get("total")
            if total is not None and all(p in cells for p in _APPS_PARTS) and (
                    total.value is None   # printed blank: nothing to add up, nothing against the row
                    or sum(Decimal(str(cells[p].value)) for p in _APPS_PARTS if cells[p].value is not None)
                    == Decimal(str(total.value))):
                continue
            read = [m for m in cells.values() if m.value is not None]
            for metric in cells.values():
                del self.values[metric.key]
            if not read:
                continue
            self._issue("unbalanced_row", f"table 三: row 「{read[0].row_label}」 reads "
                        f"{', '.join(f'{m.column_label} {m.value}' for m in read)}, which is not the whole row "
                        "adding up to its total (R3), in a text that wrote the table out of its rows' order; "
                        "its numbers may be another row's, so its values were left out", read[0].location)

    @staticmethod
    def _key(table: str, row_key: str, column: _Column) -> str | None:
        return _key_of(table, row_key, column.path)

    def _store_row(self, table, row_key, printed, columns, values, inferred_from=None, method=None,
                   note=None) -> None:
        stored = self.values
        own_method = method or self.method
        for column, (cell, value) in zip(columns, values):
            key = _key_of(table, row_key, column.path)
            if key is None:
                self._issue("unmapped_column", f"table {table}: column 「{column.label}」 does not belong "
                            f"to row 「{printed}」; the cell 「{cell.text}」 was left out", cell.where)
                continue
            if inferred_from is not None or key in stored:
                self._store(key, value, table, printed, column.label, cell, inferred_from, method, note)
                continue
            # The usual cell, read as printed and new to the report: what _store makes of it, made
            # here (a call per value was a good part of reading a table).
            number = to_wan(value) if key.endswith("_wan") else value.number
            stored[key] = MetricValue(key, as_number(number), own_method, table, printed, column.label,
                                      cell.text, cell.where, note or value.note)

    def _split_run_together(self, table: str, printed: str, values, where: str, columns):
        """Cells whose digits ran together. The row's own identity (R3 in table 三) is a hard
        constraint; a row it leaves several readings of waits for the rules that tie rows
        together (finish()). Table 四's R4 and table 二 (no rule) choose only among the readings
        the digits allow; one reading taken, or none and an issue (docs/degraded-text.md)."""
        texts = [cell.text for cell, _ in values]
        width = len(columns)
        paths = [c.path for c in columns]
        row_key = self._row_key_now
        if solver.forced(texts, width) and table == "二":
            readings, rules = solver.row_readings(texts, width, None), ["one digit per cell"]
            if self.method not in _TEXT_ROWS:
                # A table's own cells (a page's, a Word file's, a PDF's): 「396」 in a cell of
                # its own is 396, whatever the row lacks (a cell the reader could not read
                # stands between it and the next: 「396 | 暂无 | 181」), never 3 | 9 | 6.
                readings, rules = [], ["one digit per cell (never in a table's own cell)"]
            elif not _signs_in_change_columns(texts, paths):
                # 「49+8」 for three columns: one digit a cell would put +8 in 处理决定数量, which is
                # never signed; the text lost a blank cell (49 | +8 | blank), in no known place.
                readings, rules = [], ["one digit per cell, a signed number only under 本年增/减"]
        elif table == "三":
            readings, rules = solver.row_readings(texts, width, balance_rule("三", paths)), ["R3"]
        elif table == "四":
            every = solver.row_readings(texts, width, None)
            rule = balance_rule("四", paths)
            readings = None if every is None else [r for r in every if solver.holds(rule, r)]
            # R4 fixed the reading only when the digits allowed others.
            rules = ["R4"] if every is None or len(every) > 1 or not readings else ["one digit per cell"]
        else:
            readings, rules = solver.row_readings(texts, width, None), []
        if readings == [] and self._short_row(table, values, columns):
            return self._read_short_row(table, printed, values, where, columns)
        if readings is not None and len(readings) == 1:
            self.rules_used.update(r for r in rules if r.startswith("R"))
            return self._as_cells(texts, values, readings[0]), (" ".join(texts), rules), columns
        if readings and row_key is not None:
            self.pending_splits.append((table, row_key, printed, columns, texts, readings, values[0][0].where))
            return None, None, None
        why = ("no reading satisfies " + (", ".join(rules) or "the digits") if readings == [] else
               "the rules leave more than one reading" if readings else "too many readings to settle")
        candidates = f" (readings: {solver.describe(readings)})" if readings else ""
        self._issue("ambiguous_split", f"table {table}: row 「{printed}」 holds 「{' '.join(texts)}」 for "
                    f"{width} columns with digits run together; {why}{candidates}, so its values were left out",
                    where)
        return None, None, None

    def _short_row(self, table: str, values, columns) -> bool:
        """A table 三 row of text whose digits are too few for its columns: blank cells left
        nothing (「2626」, 「26 26」 for 26 · blank × 5 · 26). Only where the labels delimit
        each row, so the row's digits are all there: running text, and plain-text grids, whose
        table lines form one run of cells cut at the row labels (an extractor that drops blank
        cells, such as get_text() with a separator, keeps the others' separators); only with 总计
        last and no 小计 (R3 is then 「the last is the sum of the others」)."""
        if table != "三" or self.method not in _LABEL_DELIMITED or not columns or columns[-1].path[-1] != "total" \
                or any(c.path[-1] == "legal_person_subtotal" for c in columns):
            return False
        texts = [normalise(cell.text) for cell, _ in values]
        return (len(texts) < len(columns) and all(t.isascii() and t.isdigit() for t in texts)
                and solver.digit_count(texts) < len(columns))

    def _read_short_row(self, table: str, printed: str, values, where: str, columns):
        """Read what a short row settles (:func:`solver.short_row_totals`): its 总计 when every
        reading gives the same one, never a part. The parts' columns are reported open. A total
        the digits leave several values of waits for the rules that tie rows (R1, R2 on the 总计
        column) as a row of its own."""
        texts = [cell.text for cell, _ in values]
        totals = solver.short_row_totals(texts, len(columns))
        parts = "、".join(c.label.rsplit("/", 1)[-1] for c in columns[:-1])
        why = (f"blank cells left nothing: {solver.digit_count(texts)} digits for {len(columns)} columns, so "
               f"the row's parts stand in some of its columns ({parts}) and which ones is not in the text")
        rules = ["R3", "blank cells left nothing: the last number is 总计"]
        row_key = self._row_key_now
        if totals and len(totals) == 1:
            self.rules_used.add("R3")
            cells = self._as_cells(texts, values, totals)
            self._issue("ambiguous_split", f"table {table}: row 「{printed}」 holds 「{' '.join(texts)}」; {why}; "
                        f"R3 fixes 总计 = {totals[0]}, its parts were left out", where)
            return cells, (" ".join(texts), rules), columns[-1:]
        if totals and row_key is not None:
            self._issue("ambiguous_split", f"table {table}: row 「{printed}」 holds 「{' '.join(texts)}」; {why}; "
                        "its parts were left out", where)
            self.pending_splits.append((table, row_key, printed, columns[-1:], texts, [[t] for t in totals],
                                        values[0][0].where))
            return None, None, None
        self._issue("ambiguous_split", f"table {table}: row 「{printed}」 holds 「{' '.join(texts)}」; {why}; "
                    + ("no reading satisfies R3" if totals == [] else "too many readings to settle")
                    + ", so its values were left out", where)
        return None, None, None

    @staticmethod
    def _as_cells(texts, values, numbers):
        cells = [Cell(" ".join(texts), values[0][0].where)] * len(numbers)
        # Each number as the cell that prints it alone reads (read_cell gives it ready made); a
        # cell printed blank (a dash) as the dash reads.
        return [(cell, read_cell("—" if n is None else str(n))) for cell, n in zip(cells, numbers)]

    def _settle_pending(self, layout: str | None, prose: dict[str, Decimal]) -> None:
        """The rows their own identity left several readings of, settled together by the rules
        that tie rows (R1, R2 per column of table 三), then, for those still open, by the figures
        the prose states (``prose``: key → number); see :mod:`solver`."""
        if not self.pending_splits:
            return
        unknowns, entries = [], {}
        for n, (table, row_key, printed, columns, texts, readings, where) in enumerate(self.pending_splits):
            keyed = []
            for reading in readings:
                keyed.append({k: v for k, v in ((self._key(table, row_key, c), v) for c, v in zip(columns, reading))
                              if k is not None})
            name = f"{n}"
            unknowns.append(solver.Unknown(name, keyed))
            entries[name] = (table, row_key, printed, columns, texts, readings, where)
        fixed = {k: (Decimal(str(m.value)) if m.value is not None else None)
                 for k, m in self.values.items() if k.startswith("apps.")}
        keys = set(fixed).union(*(r.keys() for u in unknowns for r in u.readings))
        rules = solver.apps_column_rules(vocab.APPS_ROW_ORDER.get(layout or ""), keys)
        outcome = solver.solve(fixed, unknowns, rules)
        still = [u for u in unknowns if u.name not in outcome.chosen]
        prose_rules = [solver.equals("R8 (prose)", k, v) for k, v in prose.items()
                       if any(k in r for u in still for r in u.readings)]
        if prose_rules and not outcome.over_budget:
            settled = dict(fixed)
            for u in unknowns:
                if u.name in outcome.chosen:
                    settled.update(u.readings[outcome.chosen[u.name]])
            again = solver.solve(settled, still, rules + prose_rules)
            outcome.chosen.update(again.chosen)
            outcome.rules_used.update(again.rules_used)
            outcome.candidates.update(again.candidates)
            outcome.over_budget = again.over_budget
        for name, (table, row_key, printed, columns, texts, readings, where) in entries.items():
            if name in outcome.chosen:
                used = outcome.rules_used[name]
                values = [(Cell(" ".join(texts), where), None)]
                cells = self._as_cells(texts, values, readings[outcome.chosen[name]])
                row_rules = (["R3"] if table == "三" else ["R4"] if table == "四" else []) + used
                self.rules_used.update(r.split()[0] for r in row_rules)
                self._store_row(table, row_key, printed, columns, cells, (" ".join(texts), row_rules))
                continue
            left = [readings[i] for i in outcome.candidates.get(name, range(len(readings)))]
            why = ("the search ran past its budget" if outcome.over_budget else
                   "no rule within a report ties table 二's rows" if table == "二" else
                   "the rules that tie rows together leave none of them" if not left else
                   "the rules that tie rows together leave more than one")
            # Kept for the rules across years (across_years.py), which may settle it later.
            keyed = [{self._key(table, row_key, c): v for c, v in zip(columns, r) if self._key(table, row_key, c)}
                     for r in readings]
            self.open_rows.append({"table": table, "printed": printed, "readings": keyed, "where": where,
                                   "raw": " ".join(texts), "labels": {self._key(table, row_key, c): c.label
                                                                      for c in columns}})
            identity = ("R3 (the row's identity) allows" if table == "三" else "R4 allows" if table == "四"
                        else "the digits allow")
            self._issue("ambiguous_split", f"table {table}: row 「{printed}」 holds 「{' '.join(texts)}」 for "
                        f"{len(columns)} columns with digits run together; {identity} "
                        f"{len(readings)} readings ({solver.describe(readings)}) and {why}"
                        f"{' (' + solver.describe(left) + ')' if len(left) > 1 else ''}; its values were left out",
                        where)
        self.pending_splits = []

    def _store(self, key: str, value: CellValue, table: str, row_label: str, column_label: str,
               cell: Cell, inferred_from: str | None = None, method: str | None = None,
               note: str | None = None) -> None:
        number: Decimal | None = to_wan(value) if key.endswith("_wan") else value.number
        if inferred_from:
            inferred_from, rules = inferred_from
            method = "inferred_split"
            note = (f"split of digits run together, read as {value.raw}; fixed by "
                    f"{', '.join(rules) or 'the digits alone'} (used_rules={','.join(r.split()[0] for r in rules if r.startswith('R'))})")
        # Positional, in the order of MetricValue's fields: keywords cost more than making the
        # record itself, and a report has hundreds of values.
        metric = MetricValue(key, as_number(number), method or self.method, table, row_label, column_label,
                             inferred_from or cell.text, cell.where, note or value.note)
        if key in self.values:
            if self.values[key].value != metric.value:
                self._issue("duplicate_cell", f"{key} read twice with different values "
                            f"({self.values[key].raw_text!r} at {self.values[key].location}, "
                            f"{cell.text!r}); the first was kept", cell.where)
            return
        self.values[key] = metric

    def _issue(self, code: str, message: str, where: str | None) -> None:
        self.issues.append(ParseIssue(code, message, where))

    # -- the layout ---------------------------------------------------------------------
    def _layouts_shown(self) -> set[str]:
        """The layouts what the document shows says (table 二's columns, the （六） rows)."""
        signals = set(self.layout_signals)
        signals |= {"2021"} if self.concepts_seen & vocab.LAYOUT_2021_COLUMNS else set()
        signals |= {"2019"} if self.concepts_seen & vocab.LAYOUT_2019_COLUMNS else set()
        return signals

    def layout_shown(self) -> bool:
        """Whether the document shows its layout, not only table 三's rows, from which layout()
        falls back to a guess."""
        return bool(self._layouts_shown())

    def layout(self) -> str | None:
        """'2021' or '2019' from what the document shows (table 二's columns, the （六） rows);
        None when it has none of the national tables."""
        signals = self._layouts_shown()
        if len(signals) > 1:
            self._issue("layout_conflict", "table 二 has column labels of both the 2019 and the 2021 layout; "
                        "read as 2021", None)
        if signals:
            return "2021" if "2021" in signals else "2019"
        if any(k.startswith("apps.other.overdue") or k.startswith("apps.other.misc") for k in self.values):
            return "2021"
        if any(k.startswith(("apps.", "review.", "litigation.")) for k in self.values):
            return "2019"
        return None
