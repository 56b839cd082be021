"""Report fields from the page chrome and the text: issuing body, statistical year, date.

The statistical year comes from the report itself (「统计期限为2020年1月1日起…」, the title),
never from the publication date: a 2020 report is published in 2021.
"""
from __future__ import annotations

import re
from datetime import date

from .cells import normalise
from .documents import Document

_TITLE = re.compile(
    r"^(?P<agency>.*?)(?:关于)?(?P<year>(?:19|20)\d{2})年度?(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)")
_TITLE_YEAR_FIRST = re.compile(
    r"^(?P<year>(?:19|20)\d{2})年度?(?P<agency>[^\d，。]{2,30}?)(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)")
_PERIOD = re.compile(r"统计(?:期限|周期|时限|区间|时间)(?:为|是|自|从)?(?P<year>(?:19|20)\d{2})年0?1月0?1日")
_CONTACT = re.compile(r"请与(?P<body>[^，,。；;（(]{4,40}?)联系")
_COMPILED_BY = re.compile(r"本报告(?:由|是)(?P<body>[^，,。；;]{4,40}?)(?:编制|根据|依据|按照)")
_SOURCE = re.compile(r"(?:来源|发布机构|发布单位)[:：](?P<body>[^\s|]{4,40})")
_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})[年\-/.](?P<m>\d{1,2})[月\-/.](?P<d>\d{1,2})日?")
_PUBLISHED = re.compile(r"(?:发布时间|发布日期|成文日期|时间)[:：]\s*(?P<date>(?:19|20)\d{2}[年\-/.]\d{1,2}[月\-/.]\d{1,2})")
_BODY_SUFFIX = re.compile(r"^(?P<body>.*?(?:人民政府|管理委员会|管委会))")


def _iso(text: str) -> str | None:
    match = _DATE.search(text)
    if not match:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return None


def _titles(doc: Document) -> list[str]:
    """Candidate titles: the page's own, then the first lines, alone and joined with the next
    (a title is often broken over two lines)."""
    titles = [doc.page_meta.get(k, "") for k in ("ArticleTitle", "title")]
    first = [normalise(line) for line in doc.text_lines[:12]]
    for i, line in enumerate(first):
        titles.append(line)
        if i + 1 < len(first):
            titles.append(line + first[i + 1])
    return [normalise(t) for t in titles if t]


def _title_match(title: str):
    return _TITLE.search(title) or _TITLE_YEAR_FIRST.search(title)


def _lines(doc: Document) -> list[str]:
    return [normalise(line) for line in doc.text_lines]


def _running_text(doc: Document) -> str:
    """All the text joined: sentences broken over lines (PDF, converted Markdown) read whole."""
    return "".join(_lines(doc))


def find_year(doc: Document) -> int | None:
    match = _PERIOD.search(_running_text(doc))
    if match:
        return int(match["year"])
    for title in _titles(doc):
        match = _title_match(title)
        if match:
            return int(match["year"])
    return None


def find_agency(doc: Document) -> str | None:
    for title in _titles(doc):
        match = _title_match(title)
        if match and len(match["agency"]) >= 2:
            return match["agency"]
    lines = _lines(doc)
    running = _running_text(doc)
    for pattern in (_COMPILED_BY, _CONTACT):
        for match in pattern.finditer(running):
            if match:
                body = match["body"]
                # The contact is often an office of the issuing government: name the government.
                suffix = _BODY_SUFFIX.match(body)
                return suffix["body"] if suffix else body
    for line in lines[:15]:
        match = _SOURCE.search(line)
        if match:
            return match["body"]
    return None


def find_published(doc: Document) -> str | None:
    for key in ("PubDate", "pubdate", "publishdate", "firstpublishedtime"):
        if doc.page_meta.get(key):
            iso = _iso(doc.page_meta[key])
            if iso:
                return iso
    lines = _lines(doc)
    for line in lines[:20]:
        match = _PUBLISHED.search(line)
        if match:
            return _iso(match["date"])
    # The date under the signature closes the report.
    for line in reversed(lines[-5:]):
        if _DATE.fullmatch(line):
            return _iso(line)
    return None
