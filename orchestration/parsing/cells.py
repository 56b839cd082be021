"""Reading one table cell: a number, a blank, or not a value at all (a label).

Reports write the same number many ways: 「１２」, 「1,259」, 「+3」, 「-167」, 「16800万元」,
「22（其中修订16件）」. A blank cell, 「/」, 「-」 or 「—」 is *not* zero: it is ``None``,
and the raw text is kept by the caller as provenance.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# The words a cell says none with: none yet, none, not applicable (the longest first, for a regex).
NONE_WORDS = ("暂无", "无", "不适用")
NONE_WORD = re.compile("|".join(NONE_WORDS))
# What a cell holds when the body left it empty on purpose.
NULL_MARKERS = frozenset({"", "/", "-", "—", "——", "--", "–", "\\", "／", *NONE_WORDS})

# A unit of measure alone in its cell (an annex's 计量单位 column): a cell of the row, never its label.
UNIT_CELL = re.compile(r"^(?:条|件|个|份|项|次|人次|元|万元)$")
_NUMBER = re.compile(
    r"^(?P<sign>[+\-−])?"
    r"(?P<number>\d+(?:\.\d+)?)"
    r"(?P<unit>万元|亿元|元|件|条|个|项|次|人次|%)?"
    # a note, or a footnote's mark or reference: 「26*」, 「26注」 and 「26[1]」 (a superscript that
    # wrapped onto the cell's next line of a PDF, where its size and place no longer tell it)
    r"(?:\((?P<note>[^()]*)\)|(?P<mark>\*{1,3}|※|注\d{0,2}|\[\d{1,2}\]))?$"
)
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?:\D|$))")
# A change written in words or arrows before its number (「减少3」, 「增2」, 「↓3」, 「▼3」: table 二's
# 本年增/减 column): its sign.
_CHANGE_WORD = re.compile(r"^(?:(减少|减|↓|▼)|增加|增|↑|▲)(?=\d)")
# The same sign after the number (「71↓」). (Not an accountant's brackets, 「（71）」: a cell of its
# own holding 「（1）」 is as likely an item's number.)
_CHANGE_AFTER = re.compile(r"^(\d[\d,，]*(?:\.\d+)?)(?:(↓|▼)|↑|▲)$")
# Circled and dotted numerals (①, ❶, ㉑, ⒈) right after a digit: a footnote's mark.
FOOTNOTE_MARKS = "\u2460-\u2473\u2488-\u249b\u24eb-\u24f4\u2776-\u2793\u3251-\u325f\u32b1-\u32bf"
_FOOTNOTE_ON_NUMBER = re.compile(f"(?<=[0-9\uff10-\uff19])[{FOOTNOTE_MARKS}]")


# The full-width forms of ASCII and the ideographic space, each with the one ASCII character
# NFKC makes of it.
_WIDE = re.compile("[\u3000\uff01-\uff5e]")
_WIDE_TO_ASCII = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in (0x3000, *range(0xFF01, 0xFF5F))}
assert all(len(a) == 1 and a.isascii() for a in _WIDE_TO_ASCII.values())


# Characters that take no room on the page: zero-width spaces and joiners, direction marks,
# the word joiner, a byte-order mark inside the text, the soft hyphen. Pages copied from
# editors, and pages that guard against copying, put them between characters, where they cut
# a number or a label in two for every reader that sees them.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_INVISIBLE_CHARACTERS = tuple("\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                              "\u2060\u2061\u2062\u2063\u2064\ufeff")


def without_invisible(text: str) -> str:
    """The text without its invisible characters (as it reads on the page)."""
    # A whole document is looked through a character at a time (each a search in C: half the
    # time of the class's regex on a page); a cell's short text by the regex.
    if len(text) > 1000:
        found = any(ch in text for ch in _INVISIBLE_CHARACTERS)
    else:
        found = _INVISIBLE.search(text) is not None
    return _INVISIBLE.sub("", text) if found else text


_INLINE_TAG = re.compile(r"</?(?:br|sup|sub|b|i|em|strong|span|u)\b[^>]*>", re.I)
# A superscript right after a cell's text is a footnote's reference (「26<sup>1</sup>」): no part
# of the number (261) or the label before it. One with nothing before it is the cell's text.
_NOTE_TAG = re.compile(r"(?<=[^\s>|])<sup\b[^>]*>[^<]{0,12}</sup>", re.I)


@lru_cache(maxsize=1 << 16)   # pure, and called for every cell and label many times
def normalise(text: str) -> str:
    """Fold full-width forms (NFKC: 「１２」→「12」, 「（」→「(」) and the minus sign (U+2212) to ASCII,
    and drop all white space, and the inline markup a Markdown converter leaves in a cell (a line
    break, a superscript)."""
    folded = without_invisible(text or "")
    if "<" in folded:   # a converter's inline markup in a cell (「…禁<br>止公开」, 「<sup>总计</sup>」)
        folded = _INLINE_TAG.sub("", _NOTE_TAG.sub("", folded))
    if not unicodedata.is_normalized("NFKC", folded):
        # NFKC is slow on Chinese text that has full-width punctuation in it (7 µs for a line of
        # 60 characters, 30 µs for a paragraph: every line of prose is read once): those
        # characters, most of what it changes in such text, are replaced first, by what NFKC
        # decomposes each to, which leaves NFKC the same result to give, found quickly.
        for wide in set(_WIDE.findall(folded)):
            folded = folded.replace(wide, _WIDE_TO_ASCII[wide])
        if _FOOTNOTE_ON_NUMBER.search(folded):
            # 「26①」: a footnote's mark after a number, which NFKC would make 「261」; kept
            # apart as the number's note, 「26(1)」.
            folded = _FOOTNOTE_ON_NUMBER.sub(lambda m: f"({unicodedata.normalize('NFKC', m.group())})", folded)
        folded = unicodedata.normalize("NFKC", folded)
    if "\u2212" in folded:   # the minus sign, which NFKC leaves: a number's sign all the same
        folded = folded.replace("\u2212", "-")
    return "".join(folded.split())


@dataclass(frozen=True)
class CellValue:
    """A cell read as a value: ``number`` is ``None`` for a deliberate blank."""

    raw: str
    number: Decimal | None
    unit: str | None = None
    note: str | None = None


@lru_cache(maxsize=1 << 16)
def read_cell(raw: str) -> CellValue | None:
    """The cell as a value, or ``None`` when the text is not a value (a label, prose)."""
    text = normalise(raw)
    if text in NULL_MARKERS:
        return CellValue(raw=raw, number=None)
    if text[0] in "减增↓↑▼▲":
        change = _CHANGE_WORD.match(text)
        if change:
            text = ("-" if change[1] else "+") + text[change.end():]
    elif text[-1] in "↓↑▼▲":
        change = _CHANGE_AFTER.match(text)
        if change:
            text = ("-" if change[2] else "+") + change[1]
    if not (text[0].isdecimal() or text[0] in "+-−"):
        # A number starts with a digit (\d: a decimal digit) or its sign, and dropping thousands
        # separators cannot change a text's first character: a label or a line of prose, most
        # of the texts asked about, is no value, without the regex passes.
        return None
    text = _THOUSANDS.sub("", text)
    match = _NUMBER.match(text)
    if not match:
        return None
    try:
        number = Decimal(match["number"])
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        return None
    if match["sign"] in ("-", "−"):
        number = -number
    return CellValue(raw=raw, number=number, unit=match["unit"], note=match["note"] or match["mark"])


def is_value(raw: str) -> bool:
    return read_cell(raw) is not None


def to_wan(value: CellValue) -> Decimal | None:
    """An amount in 万元, whatever unit the cell printed (a bare number is taken as 万元,
    the unit every header of the national tables uses)."""
    if value.number is None:
        return None
    if value.unit == "元":
        return value.number / Decimal(10000)
    if value.unit == "亿元":
        return value.number * Decimal(10000)
    return value.number


# Every stored value passes here and reports repeat the same small numbers: cached. Equal
# Decimals (「1」, 「1.0」) give the same answer, so a cache keyed by value is exact.
@lru_cache(maxsize=1 << 14)
def as_number(value: Decimal | None) -> int | float | None:
    """JSON-friendly: whole numbers as int, the rest as float."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)
