"""Degraded text forms of a generated report: what text extractors make of its page.

Many reports reach the parser as text an extractor made of the published page, with every table
flattened into the running text. These forms flatten the generator's own HTML page
(``samples.render_html``, ``freeform.render_html``) the ways extractors do:

``crawler``
    a crawler's page text: paragraphs joined by one space; in a table row a text cell is
    followed by one space and number cells are glued; rows glued to each other
    (「…申请数量 640020470二、上年结转…」).
``inline``
    a row's cells glued with no separator, rows and paragraphs joined by one space: the whole
    document on one line (``get_text()`` with no separator).
``spaced``
    the same with one space between cells.
``paragraphs``
    cells glued, rows joined by one space, a line break only between paragraphs (each table one
    line).
``lines``
    cells glued, one row per line (lxml ``text_content()`` of a Word table).
``cells``
    every cell on a line of its own (BeautifulSoup ``get_text("\\n")``, ``pdftotext`` without
    ``-layout`` on many tables).
``tabbed``
    one row per line, its cells separated by a TAB (``get_text("\\t")`` row by row).
``markdown_collapsed``
    the page as a Markdown converter writes it (html2text, markdownify: pipe tables, a
    ``|---|`` row under the header), then its white space collapsed into single spaces, as
    whitespace-normalised scraped text has it: the whole document on one line
    (「| 自然人 | 总计 | |---|---| | 一、本年新收… | 26 | | 26 |」).
``glued``
    every piece of text glued to the next with nothing between, paragraphs and headings
    included (BeautifulSoup ``get_text(strip=True)``):
    「…三、收到和处理政府信息公开申请情况（本列数据…）申请人情况自然人…其他一、本年新收…640020470二、…」.
``markdown_edgeless``
    Markdown pipe tables without their outer pipes, as html2text writes them: 「标签| 64| 0| 70」,
    a 「---|---」 row under the first; blank cells kept (「| |」).
``markdown_padded``
    Markdown pipe tables as markdownify writes them: a cell spanning columns followed by blank
    cells for the columns it covers, and a blank header row with its separator above a table
    that has no header cells.

``page_text``
    the page's own text as lxml's ``text_content()`` or BeautifulSoup's ``get_text()`` gives it
    from markup with no white space between a table's tags (as most editors write it): cells and
    rows glued, each blank cell the no-break space the page fills it with (「<td>&nbsp;</td>」),
    a line break between paragraphs (「…申请数量26\xa0\xa0\xa0\xa0\xa026二、上年结转…」).

``tab_pairs``
    one row per line, its cells separated by two TABs, a blank cell an empty field between two
    pairs (「一、本年新收…\t\t26\t\t\t\t…\t\t26」), paragraphs a blank line apart: resiliparse's
    ``extract_plain_text()``, with which web-archive (Common Crawl) text dumps are made.

``site_crawler``
    the crawler form of the page as a government site serves it: the site's navigation, its
    catalogue fields as a table (索引号, 发布机构, 生成日期, 名称: the title), the page's buttons
    before the report, and a footer with numbers of its own after it (「网站标识码3213220001」).

``wrapped``
    the crawler form as a text browser dumps it (``w3m -dump``): every paragraph cut into lines
    of at most 80 columns, a Chinese character two, between two Chinese characters or at a space
    (which the cut takes), never inside a run of other characters.
``wrapped_cut``
    the crawler form cut every 72 characters, whatever stands there (``lynx -dump`` cuts a long
    run with no space so, a number as well: 「…申请数量 6400」 / 「20470二、…」), continuation lines
    indented by three spaces as lynx indents them.
``zero_width``
    the crawler form with a zero-width space after every character, as a page that guards
    against copying (or an editor) puts them: invisible, but a character to every reader.
``entities``
    the spaced form with each space an HTML entity, 「&nbsp;」, as a crawler that stored the page's
    text without decoding its entities has it.
``ocr_text``
    a table row per line, its cells parted by one space, and the whole text written as an OCR
    engine (tesseract's Chinese model) or an extractor of a letter-spaced PDF writes it: a space
    between every two Chinese characters (「申 请 人 情 况」), and in a run of digits every
    second 0 an 「O」 and every 1 after another digit an 「l」 (「22O00」, 「1l」).

A blank cell leaves nothing in the forms before the Markdown ones (extractors drop it); the
Markdown forms keep it between its pipes (「| |」), which tell nothing once the rows share a line
(markdown_collapsed); page_text keeps its no-break space. Standard library and lxml only;
deterministic: the same page gives the same text.
"""
from __future__ import annotations

import re

DEGRADED_FORMS = ("crawler", "inline", "spaced", "paragraphs", "lines", "cells", "tabbed", "markdown_collapsed",
                  "glued", "markdown_edgeless", "markdown_padded", "page_text", "tab_pairs", "site_crawler",
                  "wrapped", "wrapped_cut", "zero_width", "entities", "ocr_text")
#: The forms in which a table's rows share a line.
RUN_TOGETHER_FORMS = ("crawler", "inline", "spaced", "paragraphs", "markdown_collapsed", "glued", "page_text",
                      "site_crawler", "zero_width", "entities")

#: (cell separator, row separator, paragraph separator) per form; crawler and the Markdown form
#: have their own cell rules.
_SEPARATORS = {"crawler": ("", "", " "), "inline": ("", " ", " "), "spaced": (" ", " ", " "),
               "paragraphs": ("", " ", "\n"), "lines": ("", "\n", "\n"), "cells": ("\n", "\n", "\n"),
               "tabbed": ("\t", "\n", "\n"), "markdown_collapsed": (" | ", "\n", "\n\n"), "glued": ("", "", ""),
               "markdown_edgeless": ("| ", "\n", "\n\n"), "markdown_padded": (" | ", "\n", "\n\n"),
               "page_text": ("", "", "\n"), "tab_pairs": ("\t\t", "\n", "\n\n"), "ocr_rows": (" ", "\n", "\n")}
_NO_BREAK_SPACE = "\xa0"   # what a page's blank cell holds (「&nbsp;」), in page_text
# What a government site puts around a report's page (site_crawler): navigation, the catalogue
# fields as a table (the page's title among them), buttons; a footer with numbers of its own.
_SITE_TOP = ("<div>首页 &gt; 政务公开 &gt; 政府信息公开年度报告</div><table>"
             "<tr><td>索引号：</td><td>11350100MB0123456X/2024-00123</td><td>主题分类：</td><td>年度报告</td></tr>"
             "<tr><td>发布机构：</td><td>政府办公室</td><td>生成日期：</td><td>{date}</td></tr>"
             "<tr><td>名称：</td><td colspan=\"3\">{title}</td></tr></table>"
             "<div>【字体：大 中 小】 【打印】 【关闭】 浏览次数：1234</div>")
_SITE_FOOT = ("<div><p>上一篇：关于2023年度预算公开的说明</p><table><tr><td>主办单位：县人民政府办公室</td>"
              "<td>电话：0527-83212345</td></tr><tr><td>网站标识码</td><td>3213220001</td></tr></table>"
              "<p>苏ICP备05005937号 您是第123456位访客</p></div>")
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "title", "section", "article"}
_NUMBER_CELL = re.compile(r"^[-+]?[\d,，.．]+(元|万元)?$")


def flatten_html(page: str, form: str) -> str:
    """The visible text of an HTML page with its tables flattened as ``form`` says."""
    import lxml.html

    if form == "site_crawler":
        return flatten_html(on_a_site(page), "crawler")
    if form in ("wrapped", "wrapped_cut"):
        crawled = flatten_html(page, "crawler")
        return "\n".join(_wrapped(line, form == "wrapped_cut") for line in crawled.split("\n"))
    if form == "zero_width":
        return "".join(ch + _ZERO_WIDTH_SPACE for ch in flatten_html(page, "crawler"))
    if form == "entities":
        return flatten_html(page, "spaced").replace(" ", "&nbsp;")
    if form == "ocr_text":
        return _as_ocr_wrote_it(flatten_html(page, "ocr_rows"))
    if form not in _SEPARATORS:
        raise ValueError(f"unknown degraded form {form!r} (known: {', '.join(DEGRADED_FORMS)})")
    cell_sep, row_sep, para_sep = _SEPARATORS[form]
    root = lxml.html.fromstring(page)
    for bad in root.xpath("//script|//style|//head"):
        bad.drop_tree()
    out: list[str] = []

    def text_of(el) -> str:
        return re.sub(r"\s+", " ", el.text_content()).strip()

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table":
            rows = []
            for tr in el.iter("tr"):
                tds = [td for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
                cells = [text_of(td) for td in tds]
                if form == "page_text":   # every cell, a blank one as its no-break space
                    rows.append(cell_sep.join(c or _NO_BREAK_SPACE for c in cells))
                elif form == "tab_pairs":   # every cell, a blank one empty
                    rows.append(cell_sep.join(cells))
                elif form == "crawler":   # text cells end with a space, number cells run together
                    rows.append("".join(c if _NUMBER_CELL.match(c) else c + " " for c in cells if c))
                elif form in ("markdown_collapsed", "markdown_edgeless"):   # every cell, blank ones too
                    if cells:
                        row = cell_sep.join(cells)
                        edge = "|" if form == "markdown_collapsed" else ""   # html2text writes none
                        rows.append(f"| {row} |" if edge else row)
                        if len(rows) == 1:
                            rows.append(edge + "|".join(["---"] * len(cells)) + edge)
                elif form == "markdown_padded":
                    padded = [text for td, text in zip(tds, cells) for text in [text] + [""] * (_span(td) - 1)]
                    if padded:
                        if not rows:   # no header cells: a blank header row, then the separator
                            rows += ["| " + " | ".join([""] * len(padded)) + " |", "| " + " | ".join(["---"] * len(padded)) + " |"]
                        rows.append(f"| {cell_sep.join(padded)} |")
                else:
                    rows.append(cell_sep.join(c for c in cells if c))
            out.append(row_sep.join(r for r in rows if r))
            out.append(para_sep)
            return
        if el.text and el.text.strip():
            out.append(re.sub(r"\s+", " ", el.text.strip()))
        for child in el:
            walk(child)
            if child.tail and child.tail.strip():
                out.append(re.sub(r"\s+", " ", child.tail.strip()))
        if tag in _BLOCKS:
            out.append(para_sep)

    walk(root)
    text = "".join(out)
    if para_sep:
        text = re.sub(f"(?:{re.escape(para_sep)})+", para_sep, text).strip()
    return " ".join(text.split()) if form == "markdown_collapsed" else text


_ZERO_WIDTH_SPACE = "\u200b"
_WIDE = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"   # Chinese characters and punctuation: two columns
_CHINESE = re.compile(f"[{_WIDE}]")
# A text browser's pieces of a paragraph: a Chinese character, a space, or a run of anything else.
_PIECES = re.compile(f"[{_WIDE}]| |[^ {_WIDE}]+")


def _wrapped(paragraph: str, cut_anywhere: bool) -> str:
    """A paragraph as a text browser lays it out (see ``wrapped`` and ``wrapped_cut``)."""
    if cut_anywhere:
        return "\n   ".join(paragraph[i:i + 72] for i in range(0, len(paragraph), 72))
    width, lines, line, used, space = 80, [], "", 0, False
    for piece in _PIECES.findall(paragraph):
        if piece == " ":
            space = True
            continue
        size = len(piece) + len(_CHINESE.findall(piece))
        gap = 1 if space and line else 0
        if line and used + gap + size > width:
            lines.append(line)
            line, used = piece, size
        else:
            line, used = line + " " * gap + piece, used + gap + size
        space = False
    lines.append(line)
    return "\n".join(lines)


_SPACED_APART = re.compile(f"(?<=[{_WIDE}])(?=[{_WIDE}])")
_DIGIT_RUN = re.compile(r"\d{2,}")


def _as_ocr_wrote_it(text: str) -> str:
    """Chinese characters spaced apart, and letters for some digits (see ``ocr_text``)."""
    def letters(run: re.Match) -> str:
        digits = run.group()
        return digits[0] + "".join("O" if ch == "0" and i % 2 else "l" if ch == "1" else ch
                                   for i, ch in enumerate(digits[1:], 1))

    return _SPACED_APART.sub(" ", _DIGIT_RUN.sub(letters, text))


def on_a_site(page: str) -> str:
    """The page with a government site's chrome around its body (see ``site_crawler``)."""
    title = re.search(r"<title[^>]*>(.*?)</title>", page, re.DOTALL)
    date = re.search(r"发布时间[:：]\s*([\d-]{8,10})", page)   # the catalogue's date is the page's
    top = _SITE_TOP.format(title=title.group(1).strip() if title else "", date=date.group(1) if date else "")
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + top, page, count=1)
    return page.replace("</body>", _SITE_FOOT + "</body>", 1)


def _span(td) -> int:
    try:
        return max(1, int(td.get("colspan", 1)))
    except ValueError:
        return 1


def render_degraded(report, form: str) -> str:
    """A generated report (``samples.SampleReport`` or ``freeform.FreeformReport``) in a
    degraded form, flattened from its HTML page."""
    from . import freeform, samples

    page = freeform.render_html(report) if isinstance(report, freeform.FreeformReport) else samples.render_html(report)
    return flatten_html(page, form)
