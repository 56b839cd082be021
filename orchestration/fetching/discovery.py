"""Finding reports on a site: report pages on a listing page, the listing's further pages, and
the attachments (PDF, DOC/DOCX, WPS, …) of a report page.

Everything here reads decoded HTML and returns links; nothing fetches. A link is a report
when its text or ``title`` names an annual report (年度报告, 年报, 工作报告 with 政府信息公开)
and a year; the year is read from the same text. Pagination is the usual CMS furniture:
下一页 / 下页 / 后页 / next links, numbered page links, and ``index_N.html`` siblings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import lxml.html

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".txt", ".rtf", ".ofd")
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


def _links(html: str, base_url: str) -> list[tuple[str, str, str]]:
    """(absolute url without fragment, text, title) of every <a href> in the page."""
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
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
        out.append((url, text, " ".join((a.get("title") or "").split())))
    return out


def report_links(html: str, base_url: str) -> list[Link]:
    """Report pages (or report documents) linked from a listing page, in page order, once each."""
    seen, found = set(), []
    for url, text, title in _links(html, base_url):
        label = next((t for t in (title, text) if is_report_title(t)), None)
        if label is None or url in seen or url == base_url:
            continue
        seen.add(url)
        found.append(Link(url, label, year_in(label)))
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


def attachment_links(html: str, page_url: str, year: int | None = None) -> list[Link]:
    """Documents attached to a report page (by extension in the link or its text). A link
    whose text names another year's report is left out: sidebars list other years."""
    seen, found = set(), []
    for url, text, title in _links(html, page_url):
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
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    base = page_url
    for el in root.iter("base"):
        if el.get("href"):
            base = urljoin(page_url, el.get("href"))
            break
    seen, found = set(), []
    for img in root.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        if not src or src.startswith("data:"):
            continue
        url = urldefrag(urljoin(base, src))[0]
        path = unquote(urlsplit(url).path).lower()
        if not url.startswith(("http://", "https://")) or not path.endswith(IMAGE_EXTENSIONS) or url in seen:
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
