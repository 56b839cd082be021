"""Text in which the tables ran into the running text (docs/degraded-text.md).

A crawler's page text, ``get_text()`` with no separator, a web-archive dump: a whole table is
one stretch of a line, its rows glued to each other and their cells glued or one space apart
(「（七）总计630020469四、结转下年度继续办理 0000000」). Line breaks say nothing here, so this
reader finds the tables by their own labels and cuts the text into the same
:class:`documents.Row` / :class:`documents.Line` stream every other form gives:

- a table starts at a word only a table has (第二十条, 勾稽关系, 本年新收…, 结果维持, 指标名称 …)
  and goes on while the words read as table words (labels, numbers, headings of tables 二–四);
  a sentence, or the heading of section 五 or 六, ends it;
- in a table, each word is cut where labels and numbers meet (「640020470二、上年结转…」);
- a sub-row's number glued to the previous row's digits (「…信息 2200003252.没有现成…」) is
  taken off those digits: the item numbers count up (1., 2., 3. …), so the number expected
  next says how many digits it has; a number that cannot be told apart leaves the digits
  unread (an issue), never shifted into the neighbouring row;
- in an annex the unit glued to a label (「主动公开信息数条4251516」) is a cell of its own.

Rows, headers and the splitting of digits are then the table readers' work (tables.py,
freeform.py, solver.py), as for every form.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .cells import _WIDE_TO_ASCII, FOOTNOTE_MARKS, NONE_WORD, normalise
from .column_major import read_by_columns
from .documents import BLANK_CELL_SPACE, Cell, Document, Line, Row, table_four_tail
from .vocabulary import section_of_heading

METHOD = "text_running"

# Words only a table has: where a table starts.
_ANCHOR = re.compile(r"第二十条第|勾稽关系|申请人情况|本年新收政府信息公开申请|结果维持|未经复议直接起诉|"
                     r"^指标名称|^计量单位|^(?:指标名称)?计量单位|历年累计(?:数|数量)?$")
_ANNEX_ANCHOR = re.compile(r"指标名称|计量单位|历年累计")
# Lines on which rows of one table follow each other: the text ran together.
_RUN_TOGETHER = [
    re.compile(r"本年新收.{0,80}?上年结转"),
    re.compile(r"第二十条.*第二十条"),
    re.compile(r"历年累计.{0,40}?\d.{0,60}?(?:其中|网站|申请|答复)"),
    re.compile(r"结果维持.{0,200}?\d{10,}"),
    # One row a line, but label and digits glued (lxml text_content() of a Word table).
    re.compile(r"计量单位(?:19|20)\d{2}年度?历年累计"),
    re.compile(r"本年新收政府信息公开申请数量(?:\d{3,}|\d+[—/–\-])"),
]
# Column labels of table 二 and the row openers of table 三, for a table whose cells ran together
# with no space at all (「…现行有效件数规章000」, 「…其他一、本年新收…」): each is a cell of its own.
_TABLE_TWO_HEADER = re.compile(
    r"(第二十条第\(?[一二三四五六七八九十]+\)?项|信息内容|本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|"
    r"本年增/减|本年处理决定数量|处理决定数量|采购项目数量|采购总金额(?:\((?:单位:)?万元\))?|本年制发件数|本年废止件数|"
    r"现行有效件数|本年收费金额(?:\((?:单位:)?万元\))?)")
_ROW_OPENER = re.compile(r"(?<=.)(?=[一二三四]、(?:本年新收|上年结转|本年度办理|结转下年度)|\([一二三四五六七]\)(?!项))")
_ANNEX_HEADER = re.compile(r"(指标名称|计量单位|(?:19|20)\d{2}年度?|本年度|历年累计)")

# A number: digits (a thousands-grouped 「1,259」 whole, what follows its last group glued on is
# the next cell), a decimal part, a unit (「425条」 is one cell, its unit no label).
# (A footnote's mark after a number stays with it, read as its note: 「396*」, 「26①」.)
_NUMBER = re.compile(r"[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|亿元|元|条|件)?"
                     f"(?:\\*{{1,3}}|※|[{FOOTNOTE_MARKS}])?")
_BLANK_WORD = re.compile(r"^(?:/|／|-{1,2}|—{1,2}|–|\\)$")
_BLANK_GLUED = re.compile(r"^[/／—–\-\\]+$")
_DASH_WORD = re.compile(r"(?<!\S)—+(?!\S)")
_BLANK_WORDS = re.compile(f"(?:{NONE_WORD.pattern})+")
_BLANK_MARKS = "/／—–"
_BLANK_ENDS = _BLANK_MARKS + "无用"   # the last character of a blank-cell tail
_BLANK_TAIL = re.compile(f"(?<=[^\\s{_BLANK_MARKS}\\-\\\\无])(?:[{_BLANK_MARKS}]|{NONE_WORD.pattern})+$")
_BLANK_RUN = re.compile(f"[{_BLANK_MARKS}]+|{NONE_WORD.pattern}")
_LABEL_AFTER = set("年月日号时%:")
_ENUM_MARK = set(".、")
_UNIT_TAIL = re.compile(r"^(?P<label>.{2,}?)(?P<unit>万元|元|条|件|个|份|项|次|人次)$")
_MAX_TABLE_WORD = 90
_COUNT_START = re.compile(r"^[\d.,]+(?:$|[件条份个项次宗起人万元%])")


# (The minus sign, U+2212, too: 「388 −48 15469」 is 388 | -48 | 15469.)
_FOLD = str.maketrans({**_WIDE_TO_ASCII, "\u2212": "-"})
# A pipe table whose line breaks were collapsed into spaces, as whitespace-normalised scraped
# text has it (Markdown: 「| 自然人 | 总计 | |---|---| | 一、本年新收… | 23 | 23 |」; html2text writes
# 「自然人| 总计 ---|--- 一、本年新收…| 23| 23」): a separator row after text on the same line, or,
# where the converter wrote none (trafilatura), many pipes among a table's own words. Its pipes
# separate cells as spaces do; its separator rows say nothing.
_PIPE_SEPARATOR_ROW = re.compile(r"\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?")
_PIPES_OF_A_TABLE = 20   # a table 三 row alone has 8 or more


@lru_cache(maxsize=2)   # is_running_text and read_running_text fold the same text in turn
def fold(text: str) -> str:
    """Full-width ASCII forms, the ideographic space and the minus sign folded one for one, and
    the pipes of a collapsed pipe table made spaces (positions kept)."""
    folded = text.translate(_FOLD)
    if "|" in folded:
        lines = folded.split("\n")
        if any(_collapsed_pipe_table(line) for line in lines if "|" in line):
            folded = "\n".join(_unpipe(line) if "|" in line and _collapsed_pipe_table(line) else line
                               for line in lines)
    return folded


def _collapsed_pipe_table(line: str) -> bool:
    """Whether a line holds a pipe table whose rows share it."""
    for match in _PIPE_SEPARATOR_ROW.finditer(line):
        if "|" in match.group() and line[:match.start()].strip(" \t|:-"):
            return True   # a separator row after text: not one on a line of its own
    return line.count("|") >= _PIPES_OF_A_TABLE and bool(_ANCHOR.search(line) or _ANNEX_ANCHOR.search(line))


_BREAK_BETWEEN_NUMBERS = re.compile(r"(?<=\d)<br>(?=[+\-]?\d)")


def _unpipe(line: str) -> str:
    """A line of collapsed pipe table with its separator rows and pipes made spaces. A blank cell
    leaves nothing then, as when a crawler drops it. A cell's line breaks (「<br>」) go too: between
    two numbers (「-2<br>67」, pymupdf4llm's two cells merged into one) they separate cells, in a
    label (「第二十条第（<br>五）项」) they join its pieces."""
    line = _PIPE_SEPARATOR_ROW.sub(lambda m: " " * len(m.group()) if "|" in m.group() else m.group(), line)
    if "<br>" in line:
        line = _BREAK_BETWEEN_NUMBERS.sub(" ", line).replace("<br>", "")
    return line.replace("|", " ")


def is_running_text(text: str) -> bool:
    """Whether a table's rows ran into each other on one line somewhere in the text."""
    for line in fold(text).splitlines():
        if len(line) > 12 and any(p.search(line) for p in _RUN_TOGETHER):
            return True
    return False


def _table_word(word: str) -> bool:
    """A word a table can hold: labels and numbers, not a sentence. A long word is a table whose
    cells all ran together (table 二 or an annex with no space at all) when it has no comma or a
    tenth of it is digits."""
    if "。" in word:
        return False
    if len(word) <= _MAX_TABLE_WORD or (len(word) <= 600 and "," not in word):
        return True   # labels and headers run together, no sentence in them
    return sum(ch.isdigit() for ch in word) * 10 >= len(word)


class _Cutter:
    """Cuts the words of a table into cells, keeping count of the item numbers (1., 2. …)."""

    def __init__(self, issues: list[tuple[str, str]], text: str = ""):
        self.last_item = 0
        self.issues = issues
        # A document that prints its blank cells 「——」 (words of 「——」 and none of a lone 「—」)
        # glues two dashes a cell: 「11————24」 is 11 | —— | —— | 24, not four blank cells.
        dash_words = set(_DASH_WORD.findall(text)) if "——" in text else ()
        self.double_dash = "——" in dash_words and "—" not in dash_words

    def _marks(self, marks: str, where: str) -> list[Cell]:
        """Blank-cell marks glued together, one cell each (a 「——」 one where the document prints
        its blanks so)."""
        if self.double_dash and len(marks) % 2 == 0 and set(marks) == {"—"}:
            return [Cell("——", where) for _ in range(len(marks) // 2)]
        return [Cell(mark, where) for mark in marks]

    def cells(self, word: str, where: str, annex: bool) -> list[Cell]:
        if _BLANK_WORD.match(word):
            return [Cell(word, where)]
        pieces: list[list] = []   # [kind, text]; kind "label" or "value"

        def add(kind: str, text: str) -> None:
            if pieces and pieces[-1][0] == kind == "label":
                pieces[-1][1] += text
            else:
                pieces.append([kind, text])

        pos = 0
        for match in _NUMBER.finditer(word):
            start, end = match.span()
            if start > pos:
                add("label", word[pos:start])
            text = match.group()
            before = word[start - 1] if start else ""
            after = word[end] if end < len(word) else ""
            after2 = word[end + 1] if end + 1 < len(word) else ""
            if text[0] in "+-" and before and before in "-—–/":
                add("label", text[0])   # a blank-cell mark before the number, not its sign
                text = text[1:]
            if after in _LABEL_AFTER or (before and after and before in "(第" and after in ")项条款"):
                add("label", text)
            elif after in _ENUM_MARK and after2 and not after2.isdigit() and text.isdigit():
                self._item(pieces, add, text, where)
            else:
                add("value", text)
            pos = end
        if pos < len(word):
            add("label", word[pos:])
        out: list[Cell] = []
        for n, (kind, text) in enumerate(pieces):
            if kind == "label":
                if text[0] == BLANK_CELL_SPACE and not text.strip(BLANK_CELL_SPACE):
                    # between two numbers (how _WORD keeps them in a word): one blank cell each
                    out += [Cell(BLANK_CELL_SPACE, where) for _ in text]
                    continue
                text = text.strip()
                if not text:
                    continue
                if _BLANK_GLUED.match(text):
                    # Blank-cell marks glued to numbers (「26— — — — —26」): one blank cell each.
                    out += self._marks(text, where)
                    continue
                marks = None
                if text[-1] in _BLANK_ENDS:   # (most labels do not end so: no regex asked)
                    if _BLANK_WORDS.fullmatch(text):
                        # Cells that say none (「396无181」, 「22无无无无325」, 「暂无」, 「不适用」): one
                        # blank cell each.
                        out += [Cell(word, where) for word in NONE_WORD.findall(text)]
                        continue
                    marks = _BLANK_TAIL.search(text)
                if marks:
                    # A row label with its blank cells glued on (「…减免金额元——」, 「…答复总数件无」):
                    # the label, then one blank cell a mark or a 「无」.
                    text = text[:marks.start()]
                values_next = bool(marks) or n + 1 < len(pieces) and pieces[n + 1][0] == "value"
                out += self._label_cells(text, where, annex, values_next)
                if marks:
                    for run in _BLANK_RUN.findall(marks.group()):
                        out += [Cell(run, where)] if NONE_WORD.fullmatch(run) else self._marks(run, where)
                continue
            out.append(Cell(text, where))
        return out

    @staticmethod
    def _label_cells(text: str, where: str, annex: bool, values_next: bool) -> list[Cell]:
        """A label piece as cells: header labels run together parted, a unit run on to its
        row label (before the row's values) parted from it."""
        if annex and _ANNEX_HEADER.search(text):
            return [Cell(part, where) for part in _ANNEX_HEADER.split(text) if part.strip()]
        if not annex and (_TABLE_TWO_HEADER.search(text) or _ROW_OPENER.search(text)):
            parts = [q for part in _TABLE_TWO_HEADER.split(text) for q in _ROW_OPENER.split(part)]
            if len([q for q in parts if q.strip()]) > 1:
                return [Cell(q, where) for q in parts if q.strip()]
        unit = _UNIT_TAIL.match(text) if annex and values_next else None
        if unit and not normalise(unit["label"]).endswith(("文", "公开")):
            return [Cell(unit["label"], where), Cell(unit["unit"], where)]
        return [Cell(text, where)]

    def _item(self, pieces, add, digits: str, where: str) -> None:
        """Digits before 「.」/「、」 and a label: an item number, with the previous row's digits
        glued in front of it when they ran together. Item numbers count up, so the number
        expected next (or 1, a new list) says which digits are the item's."""
        expected = tuple(dict.fromkeys((self.last_item + 1, 1)))
        for number in expected:
            if digits == str(number):
                self.last_item = number
                add("label", digits)
                return
        for number in expected:
            tail = str(number)
            if digits.endswith(tail):
                self.last_item = number
                add("value", digits[: -len(tail)])
                add("label", tail)
                return
        if not pieces and len(digits) <= 2 and digits[0] != "0":
            self.last_item = int(digits)
            add("label", digits)
            return
        self.issues.append(("ambiguous_split", f"「{digits}」 at {where}: an item number ran into the digits "
                                               "before it and cannot be told apart; those digits were left out"))
        add("label", UNCUT_MARK + digits)


# Put before digits the cutter could not part from the item number after them: the label it
# stands in then runs the labels of several rows together (see own_label).
UNCUT_MARK = "?"
_UNCUT_RUN = re.compile(r"\?\d+")


def own_label(label: str) -> str:
    """The part of a row label that names the row its numbers belong to. Where the cutter could
    not part a row's digits from the next item number (「1.属于国家秘密?01000012.其他法律…」), the
    labels of the rows before stand in front of this row's own: only the label after the last
    uncut run names it (a label search of the whole would find the first row's and give it the
    last row's numbers). Other labels are returned as they are."""
    if UNCUT_MARK not in label or not _UNCUT_RUN.search(label):
        return label
    return _UNCUT_RUN.split(label)[-1].lstrip(".、")


# A word runs to white space or a full stop, but for no-break spaces between digits: a blank cell's
# (「26\xa0\xa0\xa0\xa0\xa026」, documents.BLANK_CELL_SPACE), which the cutter makes blank cells.
_WORD = re.compile(r"[^\s。]*。|[^\s。]+")
_WORD_WITH_BLANKS = re.compile(r"(?:[^\s。]|(?<=\d)\xa0+(?=\d))*。|(?:[^\s。]|(?<=\d)\xa0+(?=\d))+")
# A heading glued to the digits before it (「…000000000000000五、存在的主要问题…」) starts a word.
_HEADING_AFTER_DIGITS = re.compile(r"(?<=\d)(?=[一二三四五六七八九十]{1,2}、)")
# A table's section heading glued to the table after it (get_text(strip=True) keeps no space
# anywhere: 「三、收到和处理政府信息公开申请情况(本列数据…)申请人情况自然人…」) ends a word.
_TABLE_HEADING = re.compile(r"^[一二三四五六七八九十]{1,2}、(?:主动公开政府信息情况|收到和处理政府信息公开申请情况|"
                            r"[^。]{0,12}?行政复议、?行政诉讼情况)(?=\S)")
# Table 三's note on its rule, glued to the header after it, ends a word too (it holds commas,
# which would make the word read as a sentence).
_RULE_NOTE_GLUED = re.compile(r"(?<=之和\))(?=\S)")
# An annex's header glued to the title before it (「…情况统计表指标名称计量单位…」) starts a word.
_ANNEX_HEADER_GLUED = re.compile(r"(?<=.)(?=指标名称)")
# A numbered sub-heading glued to the sentence after it (「(一)主动公开政府信息的数量2017年全区主动
# 公开政府信息2122条。」) ends a word: the sentence's figure is read without the heading's words.
_SUBHEADING_BEFORE_YEAR = re.compile(r"^\([一二三四五六七八九十]\)[^,.。;:\d()]{2,24}(?=(?:19|20)\d{2}年)")


def _cut_after(pattern: re.Pattern, word: str) -> tuple[str, ...]:
    match = pattern.match(word)
    return (word[:match.end()], word[match.end():]) if match else (word,)


# Where glued words are cut, in turn, each with a cheap test first.
_CUTS = (
    lambda w: _ANNEX_HEADER_GLUED.split(w) if "指标名称" in w else (w,),
    lambda w: _HEADING_AFTER_DIGITS.split(w) if "、" in w else (w,),
    lambda w: _cut_after(_TABLE_HEADING, w) if "、" in w else (w,),
    lambda w: _cut_after(_SUBHEADING_BEFORE_YEAR, w) if w.startswith("(") else (w,),
    lambda w: _RULE_NOTE_GLUED.split(w) if "勾稽关系" in w else (w,),
)


def _words(line: str) -> list[str]:
    """The words of a line: cut at white space, after a full stop, before a heading glued to
    digits or an annex's header glued to its title, and after a table's heading, table 三's
    rule note or a numbered sub-heading glued to what follows."""
    # (Most lines have no no-break space: the plain pattern is the quicker.)
    words = [match.group() for match in (_WORD_WITH_BLANKS if "\xa0" in line else _WORD).finditer(line)]
    for cut in _CUTS:
        words = [part for word in words for part in cut(word)]
    return [w for w in words if w]


# A page number a PDF's text kept where the page ended (「…需要另行制作 3 0 0 0 0 0 3 - 4 - 3.补正…」
# once its line breaks were collapsed): a dash, one to three digits, a dash.
_PAGE_NUMBER = re.compile(r"(?<![\d\-—–])[-—–] ?(\d{1,3}) ?[-—–](?![\d\-—–])")
_PAGE_MIN_CHARS = 150   # a page holds at least this much text
_PAGES_TO_BE_SURE = 3


def page_numbers(text: str) -> list[tuple[int, int]]:
    """The spans of the text's page numbers. A dash, a number and a dash can as well be a blank
    cell, a value and a blank cell (table 四 written with dashes), so only marks that count the
    pages up one by one are taken: the longest chain of them whose numbers rise by one, each a
    page's worth of text after the one before, when it is three marks or more."""
    marks = [(int(m.group(1)), m.start(), m.end()) for m in _PAGE_NUMBER.finditer(text)][:1000]
    if len(marks) < _PAGES_TO_BE_SURE:
        return []
    chain_before: list[int | None] = []   # the mark before each mark in its longest chain
    length: list[int] = []
    by_number: dict[int, list[int]] = {}   # page number → the marks that say it, in order
    for i, (number, start, _) in enumerate(marks):
        best = None
        for j in by_number.get(number - 1, ()):
            if start - marks[j][2] >= _PAGE_MIN_CHARS and (best is None or length[j] > length[best]):
                best = j
        chain_before.append(best)
        length.append(1 + (length[best] if best is not None else 0))
        by_number.setdefault(number, []).append(i)
    end = max(range(len(marks)), key=length.__getitem__)
    if length[end] < _PAGES_TO_BE_SURE:
        return []
    spans = []
    at: int | None = end
    while at is not None:
        spans.append(marks[at][1:])
        at = chain_before[at]
    return spans[::-1]


def _without_page_numbers(text: str) -> str:
    """The text with its page numbers (:func:`page_numbers`) made spaces, positions kept."""
    spans = page_numbers(text) if "-" in text or "—" in text or "–" in text else []
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], " " * (end - start)]
        pos = end
    return "".join(out) + text[pos:]


# A table's rule line (pandoc's plain-text tables: 「-------- ------」 above, under the header and
# below), once its line breaks were collapsed: a border, not a run of blank cells as 「-」 is.
_RULE_LINE = re.compile(r"^(?:-{3,}|={3,})$")


# Table 二's heading cell broken after its article (「第二十条 第(一)项」: a PDF's cell wrapped over
# two lines, the lines then collapsed): one word, which starts the table.
_ARTICLE_TWENTY_BROKEN = re.compile(r"第二十条[ \t]+(?=第\()")


def read_running_text(text: str) -> Document:
    """The document as prose lines and table rows (module docstring)."""
    items: list[Line | Row] = []
    issues: list[tuple[str, str]] = []
    cutter = _Cutter(issues, text)
    run: list[Cell] = []
    prose: list[str] = []
    prose_where = ""
    in_table = False
    annex = False

    by_columns = False   # whether a table 三 written column by column was put row by row (R3 used)

    def flush_run() -> None:
        nonlocal by_columns
        if run:
            cells = list(run)
            if section_table == "三":
                cells, changed = read_by_columns(cells)
                by_columns = by_columns or changed
            items.append(Row(cells, run[0].where))
            run.clear()

    def flush_prose() -> None:
        if prose:
            items.append(Line(" ".join(prose), prose_where))
            prose.clear()

    text = _ARTICLE_TWENTY_BROKEN.sub("第二十条", _without_page_numbers(fold(text)))
    words = [(number, f"line {number} word {k + 1}", word)
             for number, line in enumerate(text.splitlines(), start=1) for k, word in enumerate(_words(line))]
    line_number = 0
    section_table = None   # the table the last section heading opened
    i = 0
    while i < len(words):
        number, where, word = words[i]
        i += 1
        if number != line_number:
            flush_prose()
            line_number = number
        normal = normalise(word)
        heading, table = section_of_heading(normal)
        if in_table and heading:
            if table is None and section_table == "四":
                # pdftotext writes table 四's last numbers after the next section's heading.
                tail = table_four_tail(run, (normalise(w) for _, _, w in words[i:]))
                run.extend(Cell(normalise(w), wh) for _, wh, w in words[i:i + tail])
                i += tail
            flush_run()
            items.append(Line(word, where))
            section_table = table
            if table is None:
                in_table = False
            continue
        if heading:
            section_table = table
        if not in_table and _table_word(word) and _ANCHOR.search(normal):
            flush_prose()
            in_table, annex = True, bool(_ANNEX_ANCHOR.search(normal))
            cutter.last_item = 0
        elif in_table and not _table_word(word):
            flush_run()
            in_table = False
        if in_table:
            if not _RULE_LINE.match(word):
                run.extend(cutter.cells(word, where, annex))
            continue
        # Prose: a word joins the previous one when a count stands between them (「收到 70 件」,
        # 「共 12件」); otherwise the space was a paragraph break (「（一）…的数量 2017年全区…」).
        if prose and not (prose[-1][-1].isascii() and prose[-1][-1].isalnum() or _COUNT_START.match(word)):
            flush_prose()
        if not prose:
            prose_where = where
        prose.append(word)
    flush_run()
    flush_prose()
    doc = Document(form="running_text", method=METHOD, items=items, text_lines=[
        item.text for item in items if isinstance(item, Line)])
    doc.reader_issues = issues   # (code, message): read by parse_document
    if by_columns:
        doc.rules_used = {"R3"}
    return doc
