"""Deciding how a fetched document's bytes are text: the charset rules the fetcher records in
the manifest, and whether bytes are a page at all."""
from __future__ import annotations

import codecs
import re

from orchestration.encoding import bom_encoding, meta_charset, mostly_utf8, widen


def charset_of(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", content_type or "", re.I)
    return match.group(1).lower() if match else None



def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
        return True
    except LookupError:
        return False


def _detect(data: bytes) -> tuple[str, str] | None:
    try:
        data.decode("utf-8")
        return "utf-8", "decodes cleanly as utf-8"
    except UnicodeDecodeError:
        pass
    if mostly_utf8(data):   # before GB18030, which decodes nearly any bytes (as mojibake)
        return "utf-8", "utf-8 but for a few bad byte sequences"
    try:
        data.decode("gb18030")
        return "gb18030", "decodes cleanly as gb18030"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(data).best()
    except Exception:   # detection is a last resort: never let it stop a fetch
        best = None
    if best is not None and best.encoding:
        return widen(best.encoding), "charset-normalizer"
    return None


def decode_text(data: bytes, header_charset: str | None = None) -> tuple[str, str, str]:
    """(text, encoding, rule): by BOM, then the HTTP header's charset, then the page's meta
    tag (GB2312/GBK widened to GB18030); when the declared charset gives replacement
    characters (a GBK page served as UTF-8, or the reverse), by detection. The rule says
    which step decided, e.g. ``http-header gb18030`` or ``detected gb18030 (http-header utf-8
    gave 12 replacement characters; decodes cleanly as gb18030)``."""
    bom = bom_encoding(data)
    if bom:
        return data.decode(bom, errors="replace"), bom, "bom"
    declared: list[tuple[str, str]] = []
    if header_charset and _known(widen(header_charset)):
        declared.append((widen(header_charset), f"http-header {widen(header_charset)}"))
    meta = meta_charset(data)
    if meta:
        if _known(widen(meta)):
            declared.append((widen(meta), f"meta {widen(meta)}"))
    if declared:
        encoding, rule = declared[0]
        text = data.decode(encoding, errors="replace")
        bad = text.count("\ufffd")
        if not bad:
            return text, encoding, rule
        why = f"{rule} gave {bad} replacement characters"
    else:
        try:
            return data.decode("utf-8"), "utf-8", "default utf-8"
        except UnicodeDecodeError:
            why = "no charset declared, not utf-8"
    detected = _detect(data)
    if detected:
        encoding, how = detected
        text = data.decode(encoding, errors="replace")
        return text, encoding, f"detected {encoding} ({why}; {how})"
    encoding = declared[0][0] if declared else "gb18030"
    return data.decode(encoding, errors="replace"), encoding, f"replaced ({why}; nothing decodes cleanly)"


def looks_textual(data: bytes, media_type: str | None) -> bool:
    """Whether the bytes are a page or text to decode (not a PDF, DOC/DOCX/WPS or image)."""
    head = data[:1024].lstrip()
    if head.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return False
    if media_type and (media_type.startswith("text/") or "html" in media_type or "xml" in media_type):
        return True
    return head[:1] == b"<" or b"<html" in data[:4096].lower()


def looks_like_html(data: bytes, media_type: str | None) -> bool:
    if media_type and "html" in media_type:
        return True
    head = data[:4096].lower()
    return b"<html" in head or b"<!doctype html" in head or b"<body" in head


