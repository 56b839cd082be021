"""Text an OCR engine (or a PDF extractor reading letter-spaced type) wrote, made like other text.

Reports reach the pipeline as text that someone else's OCR produced (tesseract's ``chi_sim``, a
site's own "text version" of a scanned report) or that an extractor took from a PDF set with
letter-spacing. Two habits of such text break every reader after this one:

1. **Characters spaced apart.** 「政 府 信 息 公 开 申 请 数 量」: no row label matches and no
   label is where its numbers are. A text is taken as so written when most pairs of neighbouring
   Chinese characters in its first 4,000 characters have one space between them (ordinary text,
   and the spaced forms whose cells are parted by spaces, have a few such pairs among thousands
   glued); then one space between two Chinese characters or Chinese punctuation is dropped.
   Wider gaps stay (they part columns), and so does every space next to a digit (it parts cells).
2. **Letters for digits.** A recogniser that saw a blurred 0 or 1 may write 「O」, 「o」, 「l」 or
   「I」: 「22O000O22」. Left so, the letter parts the run (「22」 | 「000」 | 「22」) and the row
   reads as three short runs, a wrong reading the rules cannot always catch. Inside a run of
   digits with no other letter next to it, such a letter is read as the digit it looks like, and
   so is a run of O alone where a number stands (「数件OO」); only in a text that shows the habit
   (a letter between two digits somewhere, 「2O13」, or three different such runs), since in
   others 「O3」 is ozone. The document then gets a ``letters_read_as_digits`` issue naming each
   run and its line: a reading, not a fact, which the user can check against the document.
"""
from __future__ import annotations

import re

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
# Chinese characters and the punctuation set among them (full-width forms but their digits and
# letters, CJK punctuation, curly quotes, dashes, ellipsis, middle dot).
_WIDE_TEXT = (_HAN + "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
              "\u2014\u2018-\u201d\u2026\u00b7")
# Each pattern starts with its one fixed character, which the regex engine finds fast: every
# text is asked, and these are most of what asking costs.
_SPACED_PAIRS = [re.compile(f"{space}(?<=[{_HAN}]{space})(?=[{_HAN}])") for space in (" ", "\u3000")]
_GLUED_PAIR = re.compile(f"[{_HAN}](?=[{_HAN}])")
_ONE_SPACE_IN_TEXT = re.compile(f"(?<=[{_WIDE_TEXT}])[ \u3000](?=[{_WIDE_TEXT}])")

MIN_SPACED_PAIRS = 20   # fewer are headings spaced for looks (「目 录」, 「附 件」), not a habit
SAMPLE = 4000           # characters looked at

# A run of digits (a decimal too) holding letters a recogniser gives for 0 and 1, with no other
# letter or digit on either side (「No1」, 「I2C」 are words).
_LETTER_DIGITS = {"O": "0", "o": "0", "I": "1", "l": "1"}
_RUN_WITH_LETTERS = re.compile(
    r"(?<![A-Za-z\d.])(?=[\dOoIl.]*\d)(?=[\dOoIl.]*[OoIl])[\dOoIl]+(?:\.[\dOoIl]+)?(?![A-Za-z\d])")
# The signs a text has the habit: such a letter between two digits (「2O13」), which no word or
# formula has, or several different such runs (「l9」, 「3O」, 「1O」). Without them a run like
# 「(O3)」 (ozone) is left as written.
_LETTER_BETWEEN_DIGITS = re.compile(r"\d[OoIl]+\d")
_LETTER_BESIDE_DIGIT = re.compile(r"[OoIl](?:(?<=\d.)|(?=\d))")   # the quick test for either
MIN_RUNS_FOR_HABIT = 3
# Where the habit shows, a run of O alone stands for zeros too (「行政复议数件OO」).
_RUN_OF_O = re.compile(r"(?<![A-Za-z\d.])[Oo]+(?![A-Za-z\d])")

MAX_RUNS_NAMED = 8


def is_letter_spaced(text: str) -> bool:
    """Whether most neighbouring Chinese characters of the text have one space between them
    (asked of its first part: a text so written is so written throughout)."""
    sample = text[:SAMPLE]
    spaced = sum(len(pair.findall(sample)) for pair in _SPACED_PAIRS if pair.pattern[0] in sample)
    return spaced >= MIN_SPACED_PAIRS and spaced > len(_GLUED_PAIR.findall(sample))


# A word set with its characters a space apart (「行 政 许 可」, 「总 计」, 「本 年 增 / 减」): how Word
# documents justify short labels in a table's cells. Chinese characters only: marks and none
# words a space apart (「— — —」, 「/ / /」, 「无 无」) are blank cells, and no word starts with 「无」.
# Ordinary words in text are glued, and a word of one character (a unit's 「条」) stands alone,
# not in a run. Two characters so set when the word stands alone or ends its line; three or more
# when text glued it to its neighbours (「量行 政 许 可3960181」: cells run together), where two
# would be a word's last character and a unit (「信息数 条 425」); and the tables' words of two
# characters wherever they stand (「…尚未审结总 计未经复议…」: a row's cells glued, one spaced).
_LETTER = f"(?:(?!无)[{_HAN}]|/(?=[ \u3000](?!无)[{_HAN}]))"   # 「无」 and 「/」 alone are blank cells
_FIRST = f"(?!无)[{_HAN}]"
_SPACED_WORD = re.compile(f"{_FIRST}(?:[ \u3000]{_LETTER}(?=[ \u3000]))+[ \u3000]{_LETTER}"
                          f"|(?<![{_WIDE_TEXT}/]){_FIRST}(?:[ \u3000]{_LETTER}(?![{_WIDE_TEXT}/]))+"
                          f"|{_FIRST}[ \u3000]{_FIRST}(?=\n|$)"
                          "|[总合小][ \u3000]计|其[ \u3000]他|规[ \u3000]章")
# What every such word has, found quickly (a pattern that starts with its fixed character): a
# character a space after another that no Chinese character follows (「总 计70」, 「行 政 许 可」's
# 「政 」), or one of the tables' words of two characters. Most texts have none: the word pattern,
# slow to try at every character, is not asked.
_SPACED_PAIR = [re.compile(f"{space}(?<=[{_HAN}/]{space})[{_HAN}/](?![{_WIDE_TEXT}])")
                for space in (" ", "\u3000")]
_TABLE_WORDS_SPACED = tuple(f"{a}{space}{b}" for a, b in ("总计", "合计", "小计", "其他", "规章")
                            for space in (" ", "\u3000"))


def without_letter_spacing(text: str) -> str:
    """The text with the one space between its Chinese characters dropped, when it is written
    with its characters spaced apart (see the module's docstring); else the text itself."""
    return _ONE_SPACE_IN_TEXT.sub("", text) if is_letter_spaced(text) else text


def with_spaced_words_joined(text: str) -> str:
    """The text with its letter-spaced words (「行 政 许 可」) written together: a cell's label so
    spaced matched no row, and where a header's were so (「处 理 决 定 数 量」), the row's digits went
    to the columns it did name. Asked of a text whose wrapped lines are joined back (a line
    that a wrapping cut ends in one character of a word: 「…本年增/减 处」)."""
    if not any(pair.search(text) for pair in _SPACED_PAIR) \
            and not any(word in text for word in _TABLE_WORDS_SPACED):
        return text
    return _SPACED_WORD.sub(lambda match: "".join(match.group().split()), text)


def with_letters_as_digits(text: str) -> tuple[str, list[str]]:
    """(the text with O/o/I/l inside runs of digits read as 0 and 1, what was read where)."""
    if not _LETTER_BESIDE_DIGIT.search(text):
        return text, []
    if not _LETTER_BETWEEN_DIGITS.search(text) \
            and len(set(_RUN_WITH_LETTERS.findall(text))) < MIN_RUNS_FOR_HABIT:
        return text, []
    readings: list[str] = []
    lines = text.split("\n")
    for runs in (_RUN_WITH_LETTERS, _RUN_OF_O):
        for i, line in enumerate(lines):
            if runs.search(line):
                lines[i] = runs.sub(lambda match: _digits(match.group(), i, readings), line)
    return "\n".join(lines), readings


def _digits(run: str, line: int, readings: list[str]) -> str:
    read = "".join(_LETTER_DIGITS.get(ch, ch) for ch in run)
    readings.append(f"「{run}」 on line {line + 1} as {read}")
    return read


def letters_issue(readings: list[str]) -> tuple[str, str]:
    """The ``letters_read_as_digits`` issue for what :func:`with_letters_as_digits` read."""
    named = "; ".join(readings[:MAX_RUNS_NAMED])
    more = f"; and {len(readings) - MAX_RUNS_NAMED} more" if len(readings) > MAX_RUNS_NAMED else ""
    return ("letters_read_as_digits",
            f"{len(readings)} runs of digits held letters an OCR engine gives for 0 and 1, read as "
            f"those digits (check them against the document): {named}{more}")
