"""What the fetcher's and the parser's decoders share: byte-order marks, the page's own charset
declaration, and the GB family widened to GB18030. (They decide differently on purpose: the
fetcher records which declaration decided, the parser reads already-stored bytes and trusts
strict UTF-8 first.)"""
from __future__ import annotations

import codecs
import re

# UTF-32 before UTF-16: the UTF-32-LE mark begins with the UTF-16-LE one.
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_GB = ("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "gb_2312-80", "csgb2312", "euc-cn")


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark announces, if the bytes start with one."""
    return next((encoding for bom, encoding in BOMS if data.startswith(bom)), None)


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag (first 4 KB), lower-cased."""
    match = META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace").lower() if match else None


def widen(encoding: str) -> str:
    """GB2312 and GBK pages routinely hold characters outside those sets: read them as GB18030,
    their superset."""
    encoding = encoding.lower()
    return "gb18030" if encoding in _GB else encoding


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """(the text, how many bad sequences were replaced) when ``data`` is UTF-8 but for a few bad
    sequences, else None. A download cut inside its last character, a CMS that cut a title or a
    summary inside one (a listing's 「…2023年政府信息公开工作年度报…」) make such bytes; GB18030
    decodes nearly any bytes, so read by it they were mojibake throughout, while GBK text read
    as UTF-8 is nearly all bad sequences (about five for each character that happens to decode,
    on the generated and the hand-checked pages): ten valid characters or more for each bad
    sequence, and at least twenty, decide."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad * 30 > len(data):
        return None   # (a character of UTF-8 Chinese is 3 bytes: ten of them a bad sequence is more)
    wide = len(_NOT_ASCII.findall(text)) - bad
    return (text, bad) if wide >= 20 and bad * 10 <= wide else None


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def strip_xml_declaration(text: str) -> str:
    """An XHTML page's ``<?xml … encoding=…?>`` line, gone: the text is already decoded, and lxml
    refuses a decoded string that still declares an encoding."""
    return _XML_DECLARATION.sub("", text, count=1) if text.lstrip().startswith("<?xml") else text
