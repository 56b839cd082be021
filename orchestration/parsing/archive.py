"""Zip archives of documents → one document: a report and its annexes zipped together.

Sites put a report in a ``.zip`` attachment when it has several files (the report as PDF or
Word, its 统计表 as a workbook) or is large. The archive is inflated within the bound of
parsing/bounded_zip.py; each member is sniffed and read by its own form's reader, and the
members read as one document in order, the report first (the member with a title naming a year
and an issuing body), each line and cell located 「member NAME: …」. Members' names are decoded
as the archiving tool wrote them (UTF-8 when the zip says so; else GBK, as Chinese Windows'
zip tools write them; Python reads them as code page 437). An archive holding the reports of
several agencies or years is not one report: it is refused, naming them, to be unzipped into
a source folder where each file is read alone.
"""
from __future__ import annotations

import zipfile

MAX_MEMBERS_READ = 20   # a report and its annexes are a few files
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")
_UTF8_NAMES = 0x800     # general purpose flag bit 11


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its archiver meant it: zip tools on a Chinese Windows write GBK
    without saying so, and Python decodes such names as code page 437 (「2023ÄêÕþ¸®…」)."""
    if info.flag_bits & _UTF8_NAMES:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def read_archive(data: bytes):
    """The documents a zip archive holds, read as one (module docstring)."""
    from . import UnreadableDocument, metadata, read_document, sniff
    from .bounded_zip import DamagedMember, ZipBombError, open_bounded
    from .documents import Document, _located_under

    try:
        package = open_bounded(data)
    except ZipBombError as exc:
        raise UnreadableDocument(f"refused zip archive: {exc}") from exc
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise UnreadableDocument(f"not a readable zip archive ({type(exc).__name__}: {exc})") from exc
    members = sorted((member_name(info), info.filename) for info in package.archive.infolist()
                     if not info.is_dir() and not any(junk in info.filename for junk in _JUNK))
    read: list[tuple[str, Document]] = []
    issues: list[tuple[str, str]] = []
    for name, stored in members[:MAX_MEMBERS_READ]:
        try:
            body = package.read(stored)
        except ZipBombError as exc:
            raise UnreadableDocument(f"refused zip archive: {exc}") from exc
        except DamagedMember as exc:
            issues.append(("unread_part", f"member {name} of the zip archive cannot be read: {exc}"))
            continue
        form = sniff(body, name)
        if form == "zip" or (form == "text" and not name.lower().endswith((".txt", ".csv", ".md"))):
            issues.append(("unread_part", f"member {name} of the zip archive is not read: "
                                          f"{'an archive inside the archive' if form == 'zip' else 'no document'}"))
            continue
        try:
            doc = read_document(body, name)
        except UnreadableDocument as exc:
            issues.append(("unread_part", f"member {name} of the zip archive cannot be read: {exc}"))
            continue
        if doc is not None:
            read.append((name, doc))
    if len(members) > MAX_MEMBERS_READ:
        issues.append(("unread_part", f"the zip archive holds {len(members)} files: the first {MAX_MEMBERS_READ} "
                                      "by name were read"))
    if not read:
        listed = ", ".join(name for name, _ in members[:8]) or "nothing"
        raise UnreadableDocument(f"a zip archive with no document read in it ({len(members)} files: {listed})")
    # The report first: a member naming its year and issuing body (an annex often names neither).
    reports = {name: (metadata.find_agency(doc), metadata.find_year(doc)) for name, doc in read}
    named = {key for key in reports.values() if key[0] and key[1]}
    if len(named) > 1:
        raise UnreadableDocument(
            f"a zip archive of {len(named)} reports, each to be read alone (unzip it into a source folder): "
            + "; ".join(f"{name} ({agency} {year})" for name, (agency, year) in reports.items() if agency and year))
    read.sort(key=lambda member: not all(reports[member[0]]))
    first = read[0][1]
    combined = Document(form="zip", method=first.method, items=[], encoding=first.encoding,
                        encoding_rule=first.encoding_rule, page_meta=dict(first.page_meta))
    for name, doc in read:
        where = f"member {name}"
        _located_under(doc.items, where)
        combined.items.extend(doc.items)
        combined.text_lines.extend(doc.text_lines)
        combined.ocr_confidence.update({f"{where}: {k}": v for k, v in doc.ocr_confidence.items()})
        combined.ocr_notes.update({f"{where}: {k}": v for k, v in doc.ocr_notes.items()})
        combined.reader_issues.extend((code, f"{where} of the zip archive: {message}") for code, message in doc.reader_issues)
    combined.reader_issues.extend(issues)
    combined.page_meta["archive_members"] = ", ".join(name for name, _ in read)
    return combined
