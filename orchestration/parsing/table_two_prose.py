"""Figures the prose states for table 二's 规章 and 规范性文件 rows (2021 layout).

Table 二 has no rule within a report, so a row whose digits ran together
(「行政规范性文件 693665」: 69 | 3 | 665, or 6 | 93 | 665, or …) is read only where the digits allow
one reading, or where something else the report says chooses among its readings. The prose
often says it: 「全年制发行政规范性文件69件，废止3件，现行有效665件」. These figures are choosers
only (R8, docs/degraded-text.md): a reading is taken when it is the one reading they leave, never
a figure put in a cell; a report whose prose and table disagree (「现行有效规范性文件393件」 beside
a table of 470) leaves the row unread.

A clause states a figure for a row when it names the kind of document (or follows a clause of
the same sentence that did: 「…规范性文件69件，废止3件」), the verb of the column (制发 / 印发 /
制定 / 出台; 废止 / 宣布失效; 现行有效) and a count in 件 / 份 / 个. Left out: a clause that names
both kinds or another kind of document, a 「其中」 part, an approximate count (约, 余), a count
over several years (累计, 以来; 现行有效 is a stock and may say 截至), a body's sub-units (各部门…),
and, in a department's report, the whole jurisdiction's count (全市…). A key the prose gives two
different figures for is not used.
"""
from __future__ import annotations

import re
from decimal import Decimal

from . import freeform
from .documents import Document

#: The kind of document a clause names → the table 二 row (2021 layout).
_KINDS = (("normative_docs", re.compile(r"规范性文件")), ("rules", re.compile(r"(?<!规范性)规章")))
_OTHER_KIND = re.compile(r"文件|公文|政策|通知|意见|办法|信息|制度")
_COLUMNS = {
    "issued": re.compile(r"(?:新制发|制发|印发|新制定|制定|出台)(?P<gap>[^,;:。\d]{0,14}?)" + freeform._NUM
                         + r"(?P<unit>件|份|个)"),
    "repealed": re.compile(r"(?:废止|废除|宣布失效)(?P<gap>[^,;:。\d]{0,14}?)" + freeform._NUM + r"(?P<unit>件|份|个)"),
    "in_force": re.compile(r"现行有效(?P<gap>[^,;:。\d]{0,14}?)" + freeform._NUM + r"(?P<unit>件|份|个)"),
}
_NOT_A_COUNT_OF = re.compile(r"其中|累计|以来|历年")


def read(doc: Document, agency: str | None) -> dict[str, tuple[Decimal, str]]:
    """Key (``active.normative_docs.issued`` …) → (figure, the sentence as printed), for the
    keys the prose states one figure for."""
    department = freeform.is_department(agency)
    found: dict[str, set[Decimal]] = {}
    sentence_of: dict[str, str] = {}
    for text, _where in freeform._paragraphs(doc):
        prepared = freeform._prepare(text)
        if "规" not in prepared:
            continue
        for sentence in freeform._SENTENCE_END.split(prepared):
            kind = None
            for clause in freeform._strip_parentheses(sentence).split(","):
                named = [k for k, pattern in _KINDS if pattern.search(clause)]
                if named:
                    kind = named[0] if len(named) == 1 else None
                elif _OTHER_KIND.search(clause):
                    kind = None
                if kind is None:
                    continue
                for column, pattern in _COLUMNS.items():
                    match = pattern.search(clause)
                    if match is None or _rejected(clause, match, column, department):
                        continue
                    value = freeform._number(match["n"], match["wan"])
                    if value is None:
                        continue
                    key = f"active.{kind}.{column}"
                    found.setdefault(key, set()).add(value)
                    sentence_of.setdefault(key, sentence.strip())
    return {key: (next(iter(values)), sentence_of[key]) for key, values in found.items() if len(values) == 1}


def _rejected(clause: str, match: re.Match, column: str, department: bool) -> bool:
    before = clause[: match.start()]
    if _NOT_A_COUNT_OF.search(clause) and not (column == "in_force" and "其中" not in clause):
        return True
    if freeform._approximate(clause, match) or freeform._SUBUNIT.search(before):
        return True
    return department and bool(freeform._JURISDICTION.search(clause))
