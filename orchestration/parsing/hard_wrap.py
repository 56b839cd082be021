"""Text wrapped at a fixed width, its lines joined back into paragraphs.

Text browsers (``lynx -dump``, ``w3m -dump``), ``fold``, mail and some archives cut every line
at the same width: Chinese text anywhere between two characters, other text at a space (lynx
also inside a run with no space: 「至202」 / 「1年」). A table that had run into the text is then cut
at arbitrary points: a row label from its numbers, a number in two. Every reader after this one
expects a line break to mean something (a row, a paragraph), so the wrapping is undone first.

A text is taken as wrapped when many of its lines end at the same width (within one column),
counted in characters (lynx) or in display columns, a Chinese character two (w3m), and such a
full line is almost always followed by more text rather than a blank line. Lines with a run of
spaces or a tab in them (aligned tables, whose rows may all end at one column too) are never
counted as full nor joined; drawn tables are read before this is asked.

How two lines are joined: after a full line, the break fell wherever the width ran out, inside a
word or a number as well, so the lines are joined with nothing (but in a text measured in
columns, between two words of letters or digits: such a wrapper does not cut those); a shorter
line ended at a space the wrapping took, so one space is put back. Joining a number cut in two gives the number back;
two numbers joined where a space was taken (「27 0」 / 「0 2」 → 「27 00 2」) are a run of digits the
row's own identity splits again, or leaves unread: never a number split where it was not.
"""
from __future__ import annotations

import re
from collections import Counter

# Anything but an East Asian wide or full-width character (two columns of a text terminal):
# removing these leaves the wide ones to count.
_NOT_WIDE = re.compile("[^\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+")

MIN_FULL_LINES = 3        # fewer lines at the width are a coincidence, not a wrapping
MIN_WIDTH = 30            # narrower "full" lines are a list of short items
MAX_WIDTH = 400
SHORT_LINE = 12           # characters: a menu item or a heading, not a paragraph's line
_MENU_ITEM = re.compile(r"\s*[^\d|\s]+\s*$")   # a short line of words: no digit, no cell mark
MAX_WIDER_SHARE = 10      # at most one line in this many may be wider than the wrapping's width


def _aligned(line: str) -> bool:
    """Whether a line has a run of spaces or a tab inside it (after its indentation), as the
    rows of an aligned table have."""
    inner = line.lstrip()
    return "  " in inner or "\t" in inner


def _wrapping(lines: list[str], widths: dict[int, int], text_lines: int) -> tuple[int, set[int]]:
    """(the width the text is wrapped at, the indexes of the lines that end at it), or (0, empty)
    when the text is not wrapped at one width. ``widths``: the width of each line that may be a
    wrapped line (long enough, not aligned); ``text_lines``: how many lines count (see unwrapped)."""
    # The width is the widest that several lines reach; a few lines may be wider (a table row or
    # a note the wrapper left whole, text put in after the wrapping): up to a tenth of them.
    ordered = sorted(widths.values(), reverse=True)
    lines_of_width = Counter(ordered)
    width = next((w for w in dict.fromkeys(ordered[: len(ordered) // MAX_WIDER_SHARE + 1])
                  if lines_of_width[w] + lines_of_width[w - 1] >= MIN_FULL_LINES), ordered[0])
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        return 0, set()
    full = {i for i, w in widths.items() if width - 1 <= w <= width}
    # Most lines of a wrapped text come near the width (a wrapper that breaks at spaces leaves
    # a line short by the word it moved on); a text's longest lines alone are not a wrapping.
    near = sum(1 for w in widths.values() if w * 5 >= width * 4)
    if len(full) < MIN_FULL_LINES or near * 4 < text_lines:
        return 0, set()
    # A wrapped paragraph goes on after each of its full lines; a text whose longest lines are
    # whole paragraphs (a blank line after them) is not wrapped.
    followed = sum(1 for i in full if i + 1 < len(lines) and lines[i + 1])
    return (width, full) if followed * 10 >= len(full) * 9 else (0, set())


def _columns(line: str) -> int:
    """A line's width in a terminal's columns: a wide character takes two."""
    return len(line) + len(_NOT_WIDE.sub("", line))


# What a wrapper that breaks only at spaces moves to the next line as one piece: the run up to
# the next space. (One that breaks between Chinese characters would have moved less; asking for
# the larger piece joins a paragraph's end to the next only when that paragraph begins with a
# long run, which joins two paragraphs with a space: the way crawlers give them anyway.)
_FIRST_PIECE = re.compile(r"\s*(\S+)")


def _joint(line: str, following: str, full: bool, in_columns: bool) -> str:
    """What stood between a wrapped line and the next: a space the wrapping took, or nothing."""
    if not full:
        return " "   # the next line's first word did not fit: the break was at a space
    if in_columns and line[-1].isascii() and line[-1].isalnum() and following[0].isascii() \
            and following[0].isalnum():
        # A wrapper that counts a Chinese character as two columns (w3m, a terminal's) breaks
        # between Chinese characters or at a space, never inside a word of other characters:
        # 「…政府集中采购 93」 「9280539.60元」 had a space between them.
        return " "
    return ""   # cut where the width ran out, inside a word or a number too (lynx, fold)


# The mark a table row's label starts with: 「2.」, 「3、」, 「（六）」, 「二、」.
_ITEM_MARK = re.compile(r"\s*(?:\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)")


def unwrapped(text: str) -> str:
    """The text with the lines of each wrapped paragraph joined (see the module docstring), or
    the text as it is when it is not wrapped at a fixed width."""
    if text.count("\n") < MIN_FULL_LINES:
        return text
    lines = [line.rstrip() for line in text.split("\n")]
    chars = [len(line) for line in lines]
    # Only lines at least 40 % as long as the longest can come near the width in either measure
    # (a line is at most twice as wide in columns as in characters): the others are not looked at.
    # (The longest but a tenth of the lines: a few may be wider than the width, see _wrapping.)
    lengths = sorted(n for n in chars if n)
    least = lengths[len(lengths) * (MAX_WIDER_SHARE - 1) // MAX_WIDER_SHARE] * 4 // 10
    long_lines = [i for i, n in enumerate(chars) if n and 2 * n >= least and not _aligned(lines[i])]
    if len(long_lines) < MIN_FULL_LINES:
        return text
    # A site's menu (short lines of words) says nothing of a wrapping and is not counted among the
    # text's lines; short lines of numbers or cell marks are (a table written a cell a line, 「|」
    # 「26」 「|」, is not a wrapped text).
    text_lines = sum(1 for i, n in enumerate(chars)
                     if n and (n >= SHORT_LINE or _MENU_ITEM.match(lines[i]) is None))
    width, full, wide = 0, set(), False
    for in_columns in (False, True):
        widths = {i: _columns(lines[i]) if in_columns else chars[i] for i in long_lines}
        found_width, found = _wrapping(lines, widths, text_lines)
        if len(found) > len(full):
            width, full, wide = found_width, found, in_columns
    if not full:
        return text

    def goes_on(i: int) -> bool:
        """Whether line i was cut by the wrapping: it is full, or the next line's first piece
        (and the space before it) would not have fitted at its end. A line that ends in a
        number before a line that starts with an item mark (「…0 0 0」, 「2.申请人…」) is a table
        row before the next, kept apart: rows on lines of their own read as they are, and
        where the wrapping did cut there, the cut fell between two rows anyway."""
        if i in full:
            return True
        if (_columns(lines[i]) if wide else chars[i]) > width:
            return False   # wider than the wrapping: a line it left whole
        following = lines[i + 1]
        if lines[i][-1].isdecimal() and _ITEM_MARK.match(following):
            return False
        first = _FIRST_PIECE.match(following).group(1)
        if wide:
            return _columns(lines[i]) + 1 + _columns(first) > width
        return chars[i] + 1 + len(first) > width

    out: list[str] = []
    for i, line in enumerate(lines):
        if i and lines[i - 1] and line and not _aligned(lines[i - 1]) and not _aligned(line) \
                and goes_on(i - 1):
            out[-1] += _joint(lines[i - 1], line.lstrip(), i - 1 in full, wide) + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)
