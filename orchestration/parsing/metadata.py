"""Report fields from the page chrome and the text: issuing body, statistical year, date.

The statistical year comes from the report itself (「统计期限为2020年1月1日起…」, the title),
never from the publication date: a 2020 report is published in 2021.
"""
from __future__ import annotations

import re
from datetime import date

from .cells import normalise
from .documents import Document
from .freeform import cn_number, is_department

# 「呼和浩特市人民政府关于2014年度政务公开工作完成情况的报告」 is a title too.
_TITLE = re.compile(
    r"^(?P<agency>.*?)(?:关于)?(?P<year>(?:19|20)\d{2})年度?(?:政府)?(?:信息公开|政务公开)"
    r"(?:和政务服务|和政府信息公开)?(?:工作)?(?:完成情况的?|情况的?)?(?:年度)?(?:报告|年报)")
_TITLE_YEAR_FIRST = re.compile(
    r"^(?P<year>(?:19|20)\d{2})年度?(?P<agency>[^\d，。]{2,30}?)(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)")
_PERIOD = re.compile(r"统计(?:期限|周期|时限|区间|时间)(?:为|是|自|从)?(?P<year>(?:19|20)\d{2})年0?1月0?1日")
_CONTACT = re.compile(r"请与(?P<body>[^，,。；;（(]{4,40}?)联系")
_COMPILED_BY = re.compile(r"本报告(?:由|是)(?P<body>[^，,。；;]{4,40}?)(?:编制|根据|依据|按照)")
_SOURCE = re.compile(r"(?:来源|发布机构|发布单位)[:：](?P<body>[^\s|]{4,40})")
_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})[年\-/.](?P<m>\d{1,2})[月\-/.](?P<d>\d{1,2})日?")
_PUBLISHED = re.compile(r"(?:发布时间|发布日期|公开日期|生成日期|成文日期|时间)[:：]\s*(?P<date>(?:19|20)\d{2}[年\-/.]\d{1,2}[月\-/.]\d{1,2})")
# Text dumps (web archives, exported articles) open with field lines: 「标题：…」, 「发布时间：…」,
# 「发布机构：…」, several of them sometimes on one line.
_FIELD_STOP = r"(?=\s|标题[:：]|题目[:：]|发布时间|发布日期|成文日期|发布机构|发文机关|发布单位|来源[:：]|索引号|$)"
_DUMP_TITLE = re.compile(r"(?:^|\s)(?:标题|题目|文章标题)[:：]\s*(?P<title>.+?)" + _FIELD_STOP)
_DUMP_PUBLISHER = re.compile(r"(?:发布机构|发文机关|发布单位)[:：]\s*(?P<body>[^\s|]{4,40}?)" + _FIELD_STOP)
_BREADCRUMB = re.compile(r"^(?:您现在的位置|您的位置|当前位置|首页>)")
_BODY_SUFFIX = re.compile(r"^(?P<body>.*?(?:人民政府|管理委员会|管委会))")
# The signature block closes a report: the body on one line, the date on the next
# (「榕江县人民政府办公室」「2020年1月25日」, 「二○一二年二月二十日」).
_SIGNATURE_BODY = re.compile(r"^[\u4e00-\u9fff()]{4,30}(?:人民政府|办公室|办公厅|局|委员会|管委会|管理委员会|中心|政府|厅|委|办)$")
_CN_DATE = re.compile(r"^(?P<y>[零〇○一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月"
                      r"(?P<d>[一二三四五六七八九十]{1,3})日$")
# Scope: a government's report that sums its jurisdiction says so (「汇总…各乡(镇)…年度报告编制」,
# 「全市共受理…」); a body's own figures are 「本机关…」, 「我局…」, 「县本级…」.
_COMPILED_FROM_PARTS = re.compile(r"(?:汇总|结合|根据|以及|综合)[^。]{0,80}?各[^。]{0,80}?(?:年度报告|统计数据|报表)"
                                  r"[^。]{0,12}?(?:编制|汇总)")
_WIDE_FIGURE = re.compile(r"全(?:市|区|县|省|州|旗|盟)(?:各级[^,，。]{0,10}?)?(?:共|累计|全年)?"
                          r"(?:收到|受理|主动公开|办理|发生|未收到|未发生|接到|没有)")
_OWN_FIGURE = re.compile(r"(?:本机关|本部门|本单位|我局|我委|我办|本局|本委|(?:县|市|区)本级)(?:共|全年)?"
                         r"(?:收到|受理|主动公开|办理|未收到|未发生|接到|没有)")


def _iso(text: str) -> str | None:
    match = _DATE.search(text)
    if not match:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return None


# The head of a document, where its title and the page's fields stand: its first lines, and in
# text cut into short pieces (a crawler's page text, where every space ends a "line") as many
# as its first characters hold, so a site's navigation and catalogue fields before the title do
# not push the title out of sight.
_HEAD_CHARACTERS = 800


def _head(lines: list[str], count: int) -> list[str]:
    taken, characters = 0, 0
    for line in lines:
        if taken >= count and characters >= _HEAD_CHARACTERS:
            break
        taken, characters = taken + 1, characters + len(line)
    return lines[:taken]


def _titles(doc: Document) -> list[str]:
    """Candidate titles: the page's own, then the first lines, alone and joined with the next
    (a title is often broken over two lines)."""
    titles = [found["title"] for line in _head(doc.text_lines, 12) for found in [_DUMP_TITLE.search(line)] if found]
    titles += [doc.page_meta.get(k, "") for k in ("ArticleTitle", "title")]
    # A breadcrumb (「您现在的位置：…」) stands above the title on scraped pages.
    first = [normalise(line) for line in _head(doc.text_lines, 12) if not _BREADCRUMB.match(normalise(line))]
    for i, line in enumerate(first):
        titles.append(line)
        if i + 1 < len(first) and _joins_title(line, first[i + 1]):
            titles.append(line + first[i + 1])
    return [normalise(t) for t in titles if t]


# A place's name, the first half of an agency's name broken before its department
# (「青川市河兴区」「人力资源和社会保障局2020年…报告」).
_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,20}(?:省|市|区|县|州|盟|旗|镇|乡|街道)$")


def _joins_title(line: str, following: str) -> bool:
    """Whether ``line`` may be the first half of a title that ``following`` ends. Not when the
    following line is a whole title, agency and all (what stands before it is the page's chrome:
    「打印」「关闭」 in a crawler's text), unless the line is a place's name, the agency's first half."""
    return _PLACE.match(line) is not None or not _has_agency(following)


def _has_agency(line: str) -> bool:
    return _title_agency(_title_match(line))[0] is not None


# An agency's name has no digits or colons: what stands before the last of them in front of
# a title is the page's (a site's catalogue fields, 「索引号…发布机构…生成日期2024-01-17名称平潭综合实验区
# 2023年…报告」), and so is a field's name right before the title (「名称」「标题」).
_NOT_IN_AGENCY = re.compile(r"^.*[\d:：/|>]")
_FIELD_NAME = re.compile(r"^(?:文件名称|信息名称|名称|标题|题目)")


def _title_agency(match) -> tuple[str | None, int]:
    """The agency a title match names (None when under two characters) and where it starts."""
    if not match:
        return None, 0
    agency, start = match["agency"], match.start("agency")
    cut = _NOT_IN_AGENCY.match(agency)
    if cut:
        agency, start = agency[cut.end():], start + cut.end()
    field = _FIELD_NAME.match(agency)
    if field and len(agency) - field.end() >= 2:
        agency, start = agency[field.end():], start + field.end()
    return (agency if len(agency) >= 2 else None), start


def _title_match(title: str):
    return _TITLE.search(title) or _TITLE_YEAR_FIRST.search(title)


def _lines(doc: Document) -> list[str]:
    return [normalise(line) for line in doc.text_lines]


def _running_text(doc: Document) -> str:
    """All the text joined: sentences broken over lines (PDF, converted Markdown) read whole."""
    return "".join(_lines(doc))


def _signature(doc: Document) -> tuple[str, str] | None:
    """(body, ISO date) of the last signature block: a body's name over a date."""
    lines = _lines(doc)
    found = None
    for i, line in enumerate(lines):
        iso = _iso(line) if _DATE.fullmatch(line) else _cn_iso(line)
        if not iso:
            continue
        for j in (i - 1, i - 2):
            if j >= 0 and _SIGNATURE_BODY.match(lines[j]):
                found = (lines[j], iso)
                break
    return found


def _cn_iso(text: str) -> str | None:
    match = _CN_DATE.match(text)
    if not match:
        return None
    try:
        return date(cn_number(match["y"]), cn_number(match["m"]), cn_number(match["d"])).isoformat()
    except (TypeError, ValueError):
        return None


def find_scope(doc: Document, agency: str | None) -> str | None:
    """``jurisdiction`` when a government's report says its figures are the whole area's,
    ``agency`` when the report says they are the body's own, None when it does not say."""
    return find_scope_with_basis(doc, agency)[0]


def find_scope_with_basis(doc: Document, agency: str | None) -> tuple[str | None, str | None]:
    """The scope (as ``find_scope``) and the words of the text that decided it, for the mart's
    ``scope_basis`` (「text: 全市共受理」): a reader can check the decision against the document."""
    running = _running_text(doc)
    if agency and not is_department(agency):
        match = _COMPILED_FROM_PARTS.search(running) or _WIDE_FIGURE.search(running)
        if match:
            return "jurisdiction", f"text: 「{match.group(0)}」"
    match = _OWN_FIGURE.search(running)
    if match:
        return "agency", f"text: 「{match.group(0)}」"
    return None, None


def find_title(doc: Document) -> str | None:
    """The report's title as printed: its own title line (a line, or two lines joined, that is
    a report title and nothing more), else the page's title (``ArticleTitle`` meta, then
    ``<title>``); None when neither is there (the mart then shows the link text)."""
    first = [normalise(line) for line in _head(doc.text_lines, 12) if not _BREADCRUMB.match(normalise(line))]
    for i, line in enumerate(first):
        joined = line + first[i + 1] if i + 1 < len(first) and _joins_title(line, first[i + 1]) else None
        for candidate in (line, joined):
            if not candidate or len(candidate) > 80:
                continue
            match = _title_match(candidate)
            if match and match.start() == 0 and len(candidate) - match.end() <= 2:
                return candidate[_title_agency(match)[1]:] if match.re is _TITLE else candidate
    for key in ("ArticleTitle", "title"):
        title = normalise(doc.page_meta.get(key, ""))
        if title:
            return title
    return None


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
        agency = _title_agency(_title_match(title))[0]
        if agency:
            return agency
    for line in _head(doc.text_lines, 15):
        found = _DUMP_PUBLISHER.search(line)
        if found:
            return normalise(found["body"])
    lines = _lines(doc)
    running = _running_text(doc)
    signature = _signature(doc)
    if signature:
        return signature[0]
    for pattern in (_COMPILED_BY, _CONTACT):
        for match in pattern.finditer(running):
            if match:
                body = match["body"]
                # The contact is often an office of the issuing government: name the government.
                suffix = _BODY_SUFFIX.match(body)
                return suffix["body"] if suffix else body
    for line in _head(lines, 15):
        match = _SOURCE.search(line)
        if match:
            return match["body"]
    return None


def find_published(doc: Document) -> str | None:
    return find_published_with_basis(doc)[0]


# Where a publication date was read, best first (docs/scorecard.md): the page's 发布时间 /
# 发布日期 / 公开日期 / 生成日期 / 时间：, the page's <meta name="PubDate">, then the document's own 成文日期 and the
# date of its signature. (The date beside the listing link ranks between the page's and the
# document's: the mart puts it there, the parser does not see the listing.)
PUBLISHED_BASES = ("page_label", "page_meta", "written_date", "signature")


def find_published_with_basis(doc: Document) -> tuple[str | None, str | None]:
    """(ISO publication date, where it was read: one of ``PUBLISHED_BASES``), or (None, None)."""
    lines = _lines(doc)
    written = None
    for line in _head(lines, 20):
        match = _PUBLISHED.search(line)
        if match:
            iso = _iso(match["date"])
            if iso and match.group(0).startswith("成文日期"):
                written = written or iso
            elif iso:
                return iso, "page_label"
    for key in ("PubDate", "pubdate", "publishdate", "firstpublishedtime"):
        if doc.page_meta.get(key):
            iso = _iso(doc.page_meta[key])
            if iso:
                return iso, "page_meta"
    if written:
        return written, "written_date"
    # The date under the signature closes the report.
    signature = _signature(doc)
    if signature:
        return signature[1], "signature"
    for line in reversed(lines[-5:]):
        if _DATE.fullmatch(line):
            iso = _iso(line)
            if iso:
                return iso, "signature"
    return None, None
