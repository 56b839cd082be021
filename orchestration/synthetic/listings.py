"""Listing pages built the way Chinese government CMSs build them, for tests of discovery
(docs/listings.md). Each generator returns the pages of one listing column (path → HTML) and
the entries it holds, so a test serves them and knows what must be found.

- :func:`trs_column`: TRS WCM in 「动静结合」 mode: each static page carries its records as
  ``<dl><dd><a/></dd><dd>date</dd></dl>`` and a ``list2.trsapi`` script that declares
  ``recordCount``, ``prepage`` and ``maxStaticIndex``; the pages beyond ``maxStaticIndex`` exist
  only as script calls, so they are not served;
- :func:`create_page_column`: the older TRS template: ``<li><a/><span>date</span></li>`` and a
  ``createPageHTML(count, current, "index", "html")`` call, every page a static file;
- :func:`script_pager_column`: a pager made of ``javascript:goPage(n)`` links under 「共N条」,
  which no crawler can follow: only the first page is served.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Entry:
    title: str
    href: str          # relative to the listing's folder
    published: date    # the date printed beside the link
    year: int | None   # the report's year, None for an entry that is not an annual report


def entries(n: int, agency: str = "某区人民政府", last_year: int = 2024, other_every: int = 0) -> list[Entry]:
    """``n`` entries, newest first: annual reports of consecutive years, with (every
    ``other_every``-th entry) a notice that is not a report."""
    out, year = [], last_year
    for i in range(n):
        published = date(year + 1, 3, 1) + timedelta(days=i % 20)
        if other_every and i % other_every == other_every - 1:
            out.append(Entry(f"关于{year}年政务公开工作要点落实情况的通知", f"./{published:%Y%m}/t{published:%Y%m%d}_{9000 + i}.htm",
                             published, None))
            continue
        out.append(Entry(f"{agency}{year}年度政府信息公开工作年度报告",
                         f"./{published:%Y%m}/t{published:%Y%m%d}_{1000 + i}.htm", published, year))
        year -= 1
    return out


def _pages(items: list[Entry], per_page: int) -> list[list[Entry]]:
    return [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]


def _shell(title: str, body: str, script: str = "") -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/hdjl/">互动交流</a></div>
<div class="sidebar"><a href="/zwgk/zfxxgk/zfxxgkzd/">政府信息公开制度</a> <a href="/zwgk/zfxxgk/zfxxgkzn/">政府信息公开指南</a></div>
<div class="content">
{body}
</div>
<div class="footer">主办：某区人民政府办公室 <a href="/wzdt/">网站地图</a></div>
{script}
</body></html>"""


def trs_column(items: list[Entry], per_page: int = 10, max_static_index: int = 1,
               mode: str = "动静结合") -> dict[str, str]:
    """Page file name → HTML of a TRS list2.trsapi column: ``index.htm`` and the static pages
    ``index_1.htm`` … ``index_{max_static_index}.htm`` that exist (page n is ``index_n``)."""
    pages = _pages(items, per_page)
    out = {}
    for n, page in enumerate(pages[:max_static_index + 1]):
        rows = "\n".join(f"""      <dl>
        <dd class="trt-col-sm-24 text_align_left"><a href="{e.href}" target="_blank" title="{e.title}">{e.title}</a></dd>
        <dd class="trt-col-4 text_align_left">
            {e.published:%Y-%m-%d}
        </dd>
      </dl>""" for e in page)
        body = f"""<div class="rules_tabs"><dl><dt>标题</dt><dt>发布日期</dt></dl></div>
    <div class="rules_tabs_01" ms-visible="showStatic">
{rows}
    </div>
    <div class="rules_tabs_01" ms-visible="!showStatic" style="display: none">
      <dl ms-repeat="list"><dd><a ms-attr-href="el.chnldocurl" ms-text="el.doctitle|html"></a></dd>
      <dd ms-text="el.docreltime|date('yyyy-MM-dd')"></dd></dl>
    </div>
    <div class="page_base" ms-controller="list_pagebar" ms-include-src="pgTemp" ms-if="pageCount>0"></div>"""
        script = f"""<script>
    require(["list2.trsapi", "tools"], function(listModel, tools) {{
        listModel({{
            quickMode: "{mode}",
            maxStaticIndex: {max_static_index},
            listArgs: {{ channelid: SiteInfo.searchId, classsql: "" || "chnlid=1813" }},
            pagebar: {{ prepage: {per_page}, recordCount: '{len(items)}', pgTemp: "pgBar_xxgk.html",
                        pgCountMode: "recordCount", displayNum: 2 }}
        }});
    }});
</script>"""
        out["index.htm" if n == 0 else f"index_{n}.htm"] = _shell("政府信息公开年报", body, script)
    return out


def create_page_column(items: list[Entry], per_page: int = 8, suffix: str = "html") -> dict[str, str]:
    """Page file name → HTML of a column paginated by ``createPageHTML``: every page static,
    none linked from another (the links are written by the script)."""
    pages = _pages(items, per_page)
    out = {}
    for n, page in enumerate(pages):
        rows = "\n".join(f'      <li><a href="{e.href}" title="{e.title}">{e.title}</a>'
                         f'<span class="date">{e.published:%Y-%m-%d}</span></li>' for e in page)
        body = f'<ul class="list">\n{rows}\n    </ul>\n    <div class="page" id="page_div"></div>'
        script = f"""<script type="text/javascript">
    var countPage = {len(pages)};
    var currentPage = {n};
    createPageHTML(countPage, currentPage, "index", "{suffix}");
</script>"""
        out[f"index.{suffix}" if n == 0 else f"index_{n}.{suffix}"] = _shell("年度报告", body, script)
    return out


def script_pager_column(items: list[Entry], per_page: int = 10) -> dict[str, str]:
    """The first page of a column whose pager calls ``goPage(n)``: the other pages come from a
    request the page does not show, so only ``index.html`` exists to be fetched."""
    pages = _pages(items, per_page)
    rows = "\n".join(f'      <tr><td><a href="{e.href}">{e.title}</a></td><td>发布日期：{e.published:%Y年%m月%d日}</td></tr>'
                     for e in pages[0])
    pager = " ".join(f'<a href="javascript:goPage({n + 1})">{n + 1}</a>' for n in range(len(pages)))
    body = f"""<table class="list">
{rows}
    </table>
    <div class="pager">共{len(items)}条 共{len(pages)}页 {pager} <a href="javascript:goPage(2)">下一页</a></div>"""
    return {"index.html": _shell("年报", body, '<script>function goPage(n) { loadList(n); }</script>')}
