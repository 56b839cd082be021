"""Finding reports on a site: report pages on a listing page, the listing's further pages, and
the attachments (PDF, DOC/DOCX, WPS, …) of a report page.

Everything here reads decoded HTML and returns links; nothing fetches. A link is a report
when its text or ``title`` names an annual report (年度报告, 年报, 工作报告 with 政府信息公开)
and a year; the year is read from the same text, and the date printed beside it (in the same
list item) is its ``updated``. Pagination is the usual CMS furniture: 下一页 / 下页 / 后页 /
next links, numbered page links, and ``index_N.html`` siblings; besides, :func:`read_listing`
reads what a CMS declares about the listing (TRS ``recordCount`` / ``prepage`` /
``maxStaticIndex``, ``createPageHTML(…)``, 共N条 / 共N页) so that the fetch stage can follow the
pages the page proves and say when a listing could not be read whole (docs/listings.md).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit

import lxml.html

from orchestration.encoding import strip_xml_declaration

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".docm", ".wps", ".xls", ".xlsx", ".et", ".txt", ".rtf",
                         ".ofd", ".odt", ".ods", ".mht", ".mhtml", ".zip")
_REPORT_WORDS = re.compile(r"年度报告|年报|工作报告|年度工作报告")
_DISCLOSURE_WORDS = re.compile(r"政府信息公开|信息公开|政务公开")
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])\s*年?")
_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile(r"([二][〇○零Ｏ O][一二三四五六七八九〇○零Ｏ O]{2})\s*年")
_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后页|下一頁|next|next page|›|»|>|>>)\s*$", re.I)
_PAGE_NUMBER = re.compile(r"^\s*\[?\s*([0-9]{1,3})\s*\]?\s*$")
_INDEX_PAGE = re.compile(r"(?:^|/)index(?:_([0-9]{1,3}))?\.s?html?$", re.I)


@dataclass(frozen=True)
class Link:
    url: str
    text: str          # link text, or its title when the text says nothing
    year: int | None = None
    updated: date | None = None      # the date printed beside the link, else the date in its URL
    updated_from: str | None = None  # listing (printed beside the link) | url


def year_in(text: str) -> int | None:
    """The statistical year a link names: 「2021年度…」, 「二〇二一年…」. The first year wins:
    「2021年度报告（2022年3月发布）」 is the 2021 report."""
    found = _YEAR.search(text)
    if found:
        return int(found.group(1))
    cn = _CN_YEAR.search(text)
    if cn:
        return int("".join(_CN_DIGITS.get(ch, ch) for ch in cn.group(1).replace(" ", "")))
    return None


def is_report_title(text: str) -> bool:
    """年度报告 / 年报 with a year, and not a report about something else (a 2021 工作报告 must be
    a disclosure report, a 年度报告 alone is enough)."""
    if not text or year_in(text) is None:
        return False
    if "年度报告" in text or "年报" in text:
        return True
    return bool(_REPORT_WORDS.search(text) and _DISCLOSURE_WORDS.search(text))


def _root(html: str):
    try:
        return lxml.html.fromstring(strip_xml_declaration(html))
    except (ValueError, lxml.etree.ParserError):
        return None


def _anchors(root, base_url: str) -> list[tuple]:
    """(element, absolute url without fragment, text, title) of every <a href> in the page."""
    if root is None:
        return []
    base = base_url
    for el in root.iter("base"):
        if el.get("href"):
            base = urljoin(base_url, el.get("href"))
            break
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if not url.startswith(("http://", "https://")):
            continue
        text = " ".join("".join(a.itertext()).split())
        out.append((a, url, text, " ".join((a.get("title") or "").split())))
    return out


def _embedded(root, base_url: str) -> list[tuple]:
    """(element, absolute url, "", title) of every document the page shows inside itself: an
    ``<iframe>`` or ``<frame>`` (pdf.js's viewer, most often), an ``<embed>``, an ``<object>``."""
    if root is None:
        return []
    out = []
    for tag, attribute in _EMBEDDING:
        for element in root.iter(tag):
            url = urldefrag(urljoin(base_url, (element.get(attribute) or "").strip()))[0]
            if url.startswith(("http://", "https://")) and url != base_url:
                out.append((element, url, "", " ".join((element.get("title") or "").split())))
    return out


def viewed_document(url: str) -> str | None:
    """The document a viewer page's URL names in its query (pdf.js's
    ``/pdfjs/web/viewer.html?file=%2Fupload%2Freport.pdf``), resolved as the viewer resolves it
    (against its own URL); None when the query names none. Only a page (a path ending in .html,
    .htm or 「/」) is taken for a viewer: a script's URL (``download.jsp?path=…pdf``) is fetched as
    it is, since such a script serves the file itself and its parameter may be no URL at all."""
    parts = urlsplit(url)
    if not parts.query or not parts.path.lower().endswith((".html", ".htm", "/")):
        return None
    query = parts.query
    for name, value in parse_qsl(query, keep_blank_values=False):
        value = value.strip()
        if name.lower() in _VIEWER_PARAMETERS and \
                unquote(urlsplit(value).path).lower().endswith(ATTACHMENT_EXTENSIONS):
            document = urldefrag(urljoin(url, value))[0]
            if document.startswith(("http://", "https://")):
                return document
    return None


def _links(html: str, base_url: str) -> list[tuple[str, str, str]]:
    """(absolute url without fragment, text, title) of every <a href> in the page."""
    return [(url, text, title) for _, url, text, title in _anchors(_root(html), base_url)]


def report_links(html: str, base_url: str) -> list[Link]:
    """Report pages (or report documents) linked from a listing page, in page order, once each,
    with the date printed beside each (:func:`date_beside`)."""
    return _report_links(_anchors(_root(html), base_url), base_url)


def _report_links(anchors: list[tuple], base_url: str) -> list[Link]:
    seen, found = set(), []
    for a, url, text, title in anchors:
        label = next((t for t in (title, text) if is_report_title(t)), None)
        if label is None or url in seen or url == base_url:
            continue
        seen.add(url)
        printed = date_beside(a, url)
        in_url = None if printed else date_in_url(url)
        found.append(Link(url, label, year_in(label), printed or in_url,
                          "listing" if printed else ("url" if in_url else None)))
    return found


def _same_site(a: str, b: str) -> bool:
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


def pagination_links(html: str, page_url: str) -> list[str]:
    """The listing's other pages linked from this one: next-page links first, then numbered
    pages and ``index_N.html`` siblings, on the same site. The caller bounds how many it follows."""
    nexts, numbered = [], []
    page_dir = urlsplit(page_url).path.rsplit("/", 1)[0]
    for url, text, title in _links(html, page_url):
        if url == page_url or not _same_site(url, page_url):
            continue
        label = text or title
        if _NEXT_TEXT.match(label):
            nexts.append(url)
        elif _PAGE_NUMBER.match(label):
            numbered.append(url)
        else:
            path = urlsplit(url).path
            if _INDEX_PAGE.search(path) and path.rsplit("/", 1)[0] == page_dir:
                numbered.append(url)
    ordered = []
    for url in nexts + numbered:
        if url not in ordered:
            ordered.append(url)
    return ordered


_LINK_OR_IMAGE = re.compile(r"<(?:a|img|iframe|frame|embed|object)[\s/>]", re.I)
# Where a page shows a document inside itself rather than linking it: the element and the
# attribute naming the document (or a viewer of it).
_EMBEDDING = (("iframe", "src"), ("frame", "src"), ("embed", "src"), ("object", "data"))
# A viewer's query parameter naming the document it shows: pdf.js's viewer.html?file=…, and the
# preview and download scripts of sites' CMSs (…?url=…, ?path=…, ?fileUrl=…).
_VIEWER_PARAMETERS = ("file", "url", "src", "path", "filepath", "fileurl", "filename", "doc", "pdf")


# A page that only sends the browser on (「页面正在跳转…」: a moved report, a short link, a CMS's
# stub for an article whose content lives elsewhere): a refresh in its head, or a script setting
# the location, on a page with next to nothing to read.
_REFRESH_URL = re.compile(r"^\s*url\s*=\s*", re.I)
_REDIRECT_WORDS = re.compile(r"refresh|location", re.I)
_SCRIPT_LOCATION = re.compile(
    r"(?:(?:window|self|top|document)\.)?location(?:\.href)?\s*=\s*['\"]([^'\"]+)['\"]"
    r"|location\.(?:replace|assign)\(\s*['\"]([^'\"]+)['\"]\s*\)")
MAX_REFRESH_DELAY = 10     # seconds: a page that refreshes later is read, not left
STUB_TEXT = 200            # characters of visible text: more is a page to read, whatever its scripts do


def redirect_target(html: str, page_url: str) -> str | None:
    """Where a page that only sends the browser on sends it: its ``<meta http-equiv="refresh">``
    (within MAX_REFRESH_DELAY seconds), or, on a page with less than STUB_TEXT characters to read,
    a script setting ``location``. None for any other page, and for a refresh to the page itself
    (a page that reloads)."""
    if not _REDIRECT_WORDS.search(html, 0, 20000):
        return None
    root = _root(html)
    if root is None:
        return None
    target = None
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "refresh":
            target = _refresh_target(meta.get("content") or "")
            break
    if target is None:
        body = root.find("body")
        text = "".join((body if body is not None else root).itertext())
        scripts = "".join(element.text or "" for element in root.iter("script", "style"))
        if len("".join(text.split())) - len("".join(scripts.split())) >= STUB_TEXT:
            return None
        match = _SCRIPT_LOCATION.search(scripts)
        target = (match.group(1) or match.group(2)) if match else None
    if not target or target.lower().startswith(("javascript:", "mailto:", "#")):
        return None
    url = urldefrag(urljoin(page_url, target))[0]
    if not url.startswith(("http://", "https://")) or url == urldefrag(page_url)[0]:
        return None
    return url


def _refresh_target(content: str) -> str | None:
    """The URL of a refresh's ``content`` (「0; url=/a.html」, 「0;URL='a.html'」, 「url=a.html」)
    when it comes within MAX_REFRESH_DELAY seconds; None for a reload (「300」) or a later one."""
    delay, separator, rest = content.replace(",", ";", 1).partition(";")
    if not separator:
        delay, rest = ("0", content) if _REFRESH_URL.match(content) else (content, "")
    try:
        if float(delay.strip() or 0) > MAX_REFRESH_DELAY:
            return None
    except ValueError:
        return None
    target = _REFRESH_URL.sub("", rest).strip().strip("'\"").strip()
    return target or None


def report_page_links(html: str, page_url: str, year: int | None = None) -> tuple[list[Link], list[Link]]:
    """A report page's attachments (:func:`attachment_links`) and table images
    (:func:`image_links`) from one parse of the page (the fetch parsed each page twice). A page
    with no ``<a>`` or ``<img>`` tag has neither, and is not parsed at all."""
    if not _LINK_OR_IMAGE.search(html):
        return [], []
    root = _root(html)
    return _attachment_links(root, page_url, year), _image_links(root, page_url, year)


def attachment_links(html: str, page_url: str, year: int | None = None) -> list[Link]:
    """Documents attached to a report page (by extension in the link or its text), and those it
    shows inside itself (an ``<iframe>``, ``<embed>`` or ``<object>``; a viewer's URL gives the
    document it names, :func:`viewed_document`). A link whose text names another year's report
    is left out: sidebars list other years."""
    return _attachment_links(_root(html), page_url, year)


def _attachment_links(root, page_url: str, year: int | None) -> list[Link]:
    seen, found = set(), []
    for _, url, text, title in _anchors(root, page_url) + _embedded(root, page_url):
        url = viewed_document(url) or url
        path = unquote(urlsplit(url).path).lower()
        label = text or title
        named = label.lower().rstrip(" )）]").endswith(ATTACHMENT_EXTENSIONS)
        if not (path.endswith(ATTACHMENT_EXTENSIONS) or named) or url in seen:
            continue
        other_year = year_in(label)
        if year is not None and other_year is not None and other_year != year and is_report_title(label):
            continue
        seen.add(url)
        found.append(Link(url, label, other_year or year))
    return found


# ---- dates beside links ------------------------------------------------------------------------

_DATE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*(?:[-/.]|年)\s*([0-9]{1,2})\s*(?:[-/.]|月)\s*([0-9]{1,2})(?![0-9])")
_LABELLED_DATE = re.compile(r"(?:发布日期|发布时间|发文日期|公开日期)\s*[:：]?\s*(" + _DATE.pattern + ")")
_URL_DATES = (re.compile(r"/t((?:19|20)[0-9]{2})([0-9]{2})([0-9]{2})_[0-9]+"),            # TRS: t20240308_1.htm
              re.compile(r"/art/((?:19|20)[0-9]{2})/([0-9]{1,2})/([0-9]{1,2})/"))        # Hanweb: /art/2024/3/8/
_LIST_CONTAINERS = ("body", "html", "ul", "ol", "table", "tbody", "thead")


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _first_date(text: str) -> date | None:
    for pattern in (_LABELLED_DATE, _DATE):
        for found in pattern.finditer(text):
            groups = [g for g in found.groups() if g and g.isdigit()]
            when = _date(*groups[-3:])
            if when:
                return when
    return None


def _text_outside(el, skip, out: list[str]) -> None:
    """The text of ``el`` without the text of ``skip`` (nor scripts, styles or comments)."""
    if el is skip or not isinstance(el.tag, str) or el.tag in ("script", "style"):
        return
    if el.text:
        out.append(el.text)
    for child in el:
        _text_outside(child, skip, out)
        if child.tail:
            out.append(child.tail)


def date_beside(a, url: str = "") -> date | None:
    """The date printed beside a link: in its list item (the largest element around it, up to
    four levels, that links nothing else, or else the ``<li>`` / ``<tr>`` / ``<dl>`` it is in: a
    sibling ``<span>``, ``<td>`` or ``<dd>`` holds the date), a labelled 发布日期 first, else the
    first date; or, when the link shares its parent with other links, the text right after it
    (``<a>…</a> 2024-03-08<br>``)."""
    item, node = None, a
    own = (a.get("href") or "").strip()
    for _ in range(4):
        parent = node.getparent()
        if parent is None or not isinstance(parent.tag, str) or parent.tag in _LIST_CONTAINERS:
            break
        hrefs = {(x.get("href") or "").strip() for x in parent.iter("a") if (x.get("href") or "").strip()}
        if hrefs - {own}:
            if parent.tag in ("li", "tr", "dl") and item is None:
                item = parent   # one record per list item, even with a [栏目] link beside the title
            break
        item = node = parent
    found = None
    if item is not None:
        out: list[str] = []
        _text_outside(item, a, out)
        found = _first_date(" ".join(out))
    elif (a.tail or "").strip():
        found = _first_date(a.tail.strip()[:40])
    if found is None:   # <a>标题<span>2024-03-08</span></a>: a date that ends the link's own text
        trailing = re.search(_DATE.pattern + r"\s*[)）\]]?\s*$", " ".join("".join(a.itertext()).split()))
        found = _date(*trailing.groups()) if trailing else None
    return found


def date_in_url(url: str) -> date | None:
    """The date a CMS writes into a document's URL (TRS ``t20240308_…``, Hanweb ``/art/2024/3/8/``):
    when it was created, used only when nothing is printed beside the link."""
    for pattern in _URL_DATES:
        found = pattern.search(url)
        if found:
            return _date(*found.groups())
    return None


# ---- what a listing page declares about itself ------------------------------------------------

@dataclass(frozen=True)
class ListingPageLink:
    url: str
    how: str          # linked | createPageHTML | TRS static page
    guessed: bool     # built from what the page declares, not linked: a 404 means there is no such page


@dataclass
class ListingPage:
    """One listing page read: its report links (with dates), how many entries it shows, the
    further pages it proves, what it declares about the whole listing, and the pagination it
    shows that cannot be followed."""

    reports: list[Link]
    records: int                              # entries shown (links with a date beside them, else report links)
    pages: list[ListingPageLink]
    records_declared: int | None = None       # recordCount, 共N条
    pages_declared: int | None = None         # createPageHTML's count, 共N页, recordCount / prepage
    unfollowable: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)


_TRS_MODE = re.compile(r"quickMode\s*:\s*[\"']([^\"']*)[\"']")
_TRS_STATIC = re.compile(r"maxStaticIndex\s*:\s*[\"']?([0-9]+)")
_TRS_RECORDS = re.compile(r"recordCount\s*:\s*[\"']?([0-9]+)")
_TRS_PAGE_SIZE = re.compile(r"prepage\s*:\s*[\"']?([0-9]+)")
_CREATE_PAGE = re.compile(r"(?<![\w.])(function\s+)?createPageHTML\s*\(([^()]*)\)")
_JS_NUMBER = re.compile(r"(?:var|let|const)?\s*([A-Za-z_$][\w$]*)\s*=\s*[\"']?([0-9]+)[\"']?\s*[;,\n]")
_TEXT_RECORDS = re.compile(r"共\s*([0-9]+)\s*条")
_TEXT_PAGES = re.compile(r"共\s*([0-9]+)\s*页|[0-9]+\s*/\s*([0-9]+)\s*页")
_PAGER_TEXT = re.compile(r"^\s*(下一页|下页|后页|尾页|末页|最后一页|next|last|»|>>|\[?\s*[0-9]{1,3}\s*\]?)\s*$", re.I)
_SCRIPT_CALL = re.compile(r"(?<![\w$])(?!void\b)[A-Za-z_$][\w$]*\s*\(\s*['\"]?[0-9]")   # goPage(2), turnPage('3'): a call that names a page


def _extension(page_url: str, anchors: list[tuple]) -> str:
    """The extension the CMS publishes pages with: the page's own, else that of its documents."""
    own = re.search(r"\.(s?html?)$", urlsplit(page_url).path, re.I)
    if own:
        return own.group(1)
    counts: dict[str, int] = {}
    for _, url, _, _ in anchors:
        found = re.search(r"/t[0-9]{8}_[0-9]+\.(s?html?)$", urlsplit(url).path, re.I)
        if found:
            counts[found.group(1)] = counts.get(found.group(1), 0) + 1
    return max(counts, key=counts.get) if counts else "html"


def _js_args(call: str, scripts: str) -> list[str | int | None]:
    """createPageHTML's arguments: numbers (a variable assigned a number in the page resolved),
    strings, or None for what the page does not give."""
    numbers = {name: int(value) for name, value in _JS_NUMBER.findall(scripts)}
    args: list[str | int | None] = []
    for raw in call.split(","):
        raw = raw.strip()
        if re.fullmatch(r"[0-9]+", raw):
            args.append(int(raw))
        elif re.fullmatch(r"[\"'][^\"']*[\"']", raw):
            args.append(raw[1:-1])
        else:
            args.append(numbers.get(raw))
    return args


def _visible_text(root) -> str:
    out: list[str] = []
    body = root.find("body") if root.find("body") is not None else root
    _text_outside(body, None, out)
    return " ".join(" ".join(out).split())


def read_listing(html: str, page_url: str) -> ListingPage:
    """Everything the fetch stage needs from one listing page (see the module docstring and
    docs/listings.md). Only pages the page proves are returned: linked ones, the siblings a
    ``createPageHTML(count, current, "index", "html")`` call names, and the static pages a TRS
    listing declares (``maxStaticIndex``: its pages ``index_1`` … ``index_N`` are static files)."""
    root = _root(html)
    anchors = _anchors(root, page_url)
    reports = _report_links(anchors, page_url)
    if root is None:
        return ListingPage(reports, len(reports), [])
    dated = {url for a, url, _, _ in anchors if date_beside(a, url)}
    page = ListingPage(reports, len(dated) or len(reports),
                       [ListingPageLink(u, "linked", False) for u in pagination_links(html, page_url)])
    scripts = "\n".join(el.text or "" for el in root.iter("script"))
    ext = _extension(page_url, anchors)

    def sibling(prefix: str, n: int, suffix: str) -> str:
        return urljoin(page_url, f"{prefix}_{n}.{suffix}")

    def declare(records: int | None = None, pages: int | None = None) -> None:
        if records is not None:
            page.records_declared = max(page.records_declared or 0, records)
        if pages is not None:
            page.pages_declared = max(page.pages_declared or 0, pages)

    for definition, call in ((m.group(1), m.group(2)) for m in _CREATE_PAGE.finditer(scripts)):
        if definition:
            continue
        args = _js_args(call, scripts)
        if len(args) >= 5 and isinstance(args[0], str) and not isinstance(args[1], str):
            args = args[1:]          # createPageHTML("page_div", count, current, "index", "html", records)
        if len(args) < 4 or not isinstance(args[2], str) or not isinstance(args[3], str) or args[0] is None:
            page.unfollowable.append(f"createPageHTML({call.strip()}) does not give its page count in the page")
            continue
        count, prefix, suffix = args[0], args[2], args[3]
        page.patterns.append("createPageHTML")
        declare(args[4] if len(args) > 4 and isinstance(args[4], int) else None, count)
        page.pages += [ListingPageLink(sibling(prefix, n, suffix), "createPageHTML", True) for n in range(1, count)]

    mode, static = _TRS_MODE.search(scripts), _TRS_STATIC.search(scripts)
    records, size = _TRS_RECORDS.search(scripts), _TRS_PAGE_SIZE.search(scripts)
    if mode or static:
        mode_name = mode.group(1) if mode else "?"
        page.patterns.append(f"TRS list2.trsapi ({mode_name})")
        total = int(records.group(1)) if records else None
        pages = math.ceil(total / int(size.group(1))) if total is not None and size and int(size.group(1)) else None
        declare(total, pages)
        last_static = int(static.group(1)) if static else 0
        if pages is not None:
            last_static = min(last_static, pages - 1)
        page.pages += [ListingPageLink(sibling("index", n, ext), "TRS static page", True)
                       for n in range(1, last_static + 1)]
        if pages is None:
            page.unfollowable.append(f"a TRS script pager (quickMode {mode_name}) that declares no page count")
        elif pages - 1 > last_static:
            first = last_static + 2
            which = f"page {first}" if first == pages else f"pages {first}–{pages}"
            page.unfollowable.append(f"{which} of {pages} built by a script (TRS list2.trsapi, quickMode "
                                     f"{mode_name}, maxStaticIndex {static.group(1) if static else 'not given'})")

    text = _visible_text(root)
    for found in _TEXT_RECORDS.finditer(text):
        declare(records=int(found.group(1)))
    for found in _TEXT_PAGES.finditer(text):
        declare(pages=int(found.group(1) or found.group(2)))
    script_pager = []
    for a in root.iter("a"):
        href, onclick = (a.get("href") or "").strip(), (a.get("onclick") or "").strip()
        label = " ".join("".join(a.itertext()).split())
        script = href[len("javascript:"):] if href.lower().startswith("javascript:") else onclick
        if _PAGER_TEXT.match(label) and _SCRIPT_CALL.search(script):   # javascript:void(0) is a disabled link
            script_pager.append((not _NEXT_TEXT.match(label), f"a script pager ({label} → {script[:60]})"))
    if script_pager:
        page.unfollowable.append(min(script_pager)[1])   # a next-page link says it best
    followed, unique = {page_key(page_url)}, []
    for link in page.pages:
        if page_key(link.url) not in followed and _same_site(link.url, page_url):
            followed.add(page_key(link.url))
            unique.append(link)
    page.pages = unique
    return page


def page_key(url: str) -> str:
    """A listing page's identity: ``…/list/`` and ``…/list/index.html`` are the same page."""
    parts = urlsplit(url)
    path = re.sub(r"/index\.s?html?$", "/", parts.path, flags=re.I)
    return f"{parts.netloc.lower()}{path}{'?' + parts.query if parts.query else ''}"


# ---- tables pasted into the report page as images -------------------------------------------

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
# Where page chrome lives, by id or class: not the report's body.
_CHROME = re.compile(r"(?:^|[\s_-])(?:header|head|nav|navbar|menu|footer|foot|banner|logo|top|bottom|sidebar|side"
                     r"|share|qr|qrcode|ewm|erweima|copyright)(?:$|[\s_-])", re.I)
# What a file name says of an image that is not a table.
_NOT_TABLE_NAME = re.compile(r"logo|icon|qr|ewm|erweima|banner|btn|button|arrow|bg|share|weixin|wechat|weibo"
                             r"|jiucuo|zfwzjc|police|beian|gongan|search|close|print", re.I)
MIN_TABLE_SIDE = 300    # pixels: a logo, an icon or a QR code is smaller on one side at least
MAX_BANNER_RATIO = 6    # width ÷ height: wider than this is a banner, not a table


def _declared_size(img) -> tuple[int | None, int | None]:
    def number(value: str | None) -> int | None:
        match = re.match(r"\s*([0-9]{1,5})\s*(px)?\s*$", value or "")
        return int(match.group(1)) if match else None

    width, height = number(img.get("width")), number(img.get("height"))
    style = img.get("style") or ""
    for prop, current in (("width", width), ("height", height)):
        if current is None:
            match = re.search(rf"(?<![-\w]){prop}\s*:\s*([0-9]{{1,5}})px", style)
            if match:
                if prop == "width":
                    width = int(match.group(1))
                else:
                    height = int(match.group(1))
    return width, height


def image_links(html: str, page_url: str, year: int | None = None) -> list[Link]:
    """Images in a report page's body that may be its tables (图片版: a table pasted as an
    image), to be fetched and read by OCR. Left out, judged by size, name and position: logos,
    icons and QR codes (smaller than MIN_TABLE_SIDE on a side, or square and small), banners
    (wider than MAX_BANNER_RATIO times their height), and images inside the page's header,
    navigation, sidebars or footer. These are not attachments: they do not count against the
    attachment cap."""
    return _image_links(_root(html), page_url, year)


def _image_links(root, page_url: str, year: int | None) -> list[Link]:
    if root is None:
        return []
    base = page_url
    for el in root.iter("base"):
        if el.get("href"):
            base = urljoin(page_url, el.get("href"))
            break
    # A page read from a local folder (a browser's "complete" save) shows pictures from the
    # folder beside it: its pictures are those local files (named as the page names them,
    # unquoted), never the web's.
    local_page = not page_url.startswith(("http://", "https://"))
    seen, found = set(), []
    for img in root.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        if not src or src.startswith("data:"):
            continue
        url = urldefrag(urljoin(base, src))[0]
        if local_page and "://" not in url:
            url = unquote(url)
        path = unquote(urlsplit(url).path).lower()
        reachable = "://" not in url if local_page else url.startswith(("http://", "https://"))
        if not reachable or not path.endswith(IMAGE_EXTENSIONS) or url in seen:
            continue
        if _NOT_TABLE_NAME.search(path.rsplit("/", 1)[-1]):
            continue
        width, height = _declared_size(img)
        if (width is not None and width < MIN_TABLE_SIDE) or (height is not None and height < MIN_TABLE_SIDE // 3):
            continue
        if width and height and width > MAX_BANNER_RATIO * height:
            continue
        if any(_CHROME.search(" ".join((a.get("id") or "", a.get("class") or ""))) for a in img.iterancestors()
               if a.tag not in ("html", "body")):
            continue
        seen.add(url)
        found.append(Link(url, " ".join((img.get("alt") or img.get("title") or "").split()), year))
    return found
