"""Discovery on CMS listing pages (docs/listings.md): the pagination a page proves is followed
within ``listing_max_pages`` and politely, the date printed beside each link is the discovered
report's ``updated``, and a listing that could not be read whole says so, "N reports found of M
records declared", in the log, the fetch asset's metadata, ``disclosure fetch-report`` and
``raw.listings``. Also the fetch timing: ``started_at`` is when the first request was sent.

The real page (the 平潭 column, TRS 「动静结合」) is read from ../shared/corpus/listings and
skipped without it; every other listing here is generated (orchestration/synthetic/listings.py)
and served over loopback by the scripted site of test_fetching."""
from __future__ import annotations

import csv
import dataclasses
import re
from datetime import date

import duckdb
import lxml.html
import pytest

from orchestration import warehouse as wh
from orchestration.fetching.batch import run_fetch_batch
from orchestration.fetching.catalogue import read_catalogue
from orchestration.fetching.discovery import date_beside, date_in_url, read_listing
from orchestration.fetching.raw_store import RawStore
from orchestration.synthetic import listings as synth
from tests.conftest import SHARED_CORPUS
from tests.test_fetching import Reply, assert_polite, policy, site, wh_now  # noqa: F401  (site: the fixture)

REAL_LISTINGS = SHARED_CORPUS.parent / "listings"   # resolved as conftest resolves the corpus
FOLDER = "/zwgk/zfxxgk/nb/"
FAST = dict(min_interval_seconds=0.03)


# ---- helpers --------------------------------------------------------------------------------

def serve_column(site, pages: dict[str, str], items: list[synth.Entry], folder: str = FOLDER) -> str:
    """Serve a column's pages (the first at the folder's own URL, as CMS columns are linked) and a
    stub page per entry. Returns the listing URL."""
    site.route("/robots.txt", Reply(404))
    for name, html in pages.items():
        site.page(folder if name.startswith("index.") else folder + name, html)
    for e in items:
        site.page(folder + e.href.removeprefix("./"), f"<html><body><h1>{e.title}</h1></body></html>")
    return site.base + folder


def crawl(tmp_path, listing_url: str, pol, source_id: str = "column"):
    """The fetch stage alone (report_sources + raw_documents without Dagster): counts, log, warnings."""
    (tmp_path / "sources").mkdir(exist_ok=True)
    with (tmp_path / "sources" / "listings.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("source_id", "agency", "year", "location", "kind"),
                                      (source_id, "某区人民政府", "", listing_url, "listing")])
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        wh.ensure_schema(con)
        sources, problems = read_catalogue(tmp_path / "sources")
        assert not problems
        wh.replace_sources(con, sources, wh_now())
        logs, warnings = [], []
        counts = run_fetch_batch(con, RawStore(tmp_path / "raw"), pol, log=logs.append, warn=warnings.append)
        return counts, logs, warnings
    finally:
        con.close()


def rows(tmp_path, sql: str, params=()):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def listing_row(tmp_path, source_id: str = "column") -> dict:
    names = ["status", "summary", "reports_found", "records_declared", "records_seen", "pages_declared",
             "pages_read", "reason", "patterns"]
    found = rows(tmp_path, f"select {', '.join(names)} from raw.listings where source_id = ?", [source_id])
    assert len(found) == 1
    return dict(zip(names, found[0]))


def discovered(tmp_path) -> dict[str, tuple]:
    """Discovered report URL → (year, updated of its raw.sources row, updated of its discovery)."""
    return {url: (year, updated, d_updated) for url, year, updated, d_updated in rows(tmp_path, """
        select s.location, s.year, s.updated, d.updated from raw.sources s
        join raw.discoveries d on d.derived_source_id = s.source_id where s.kind = 'discovered'""")}


def fetch_report_text(tmp_path, monkeypatch, capsys) -> str:
    from orchestration.cli import main

    monkeypatch.setenv("DISCLOSURE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    assert main(["fetch-report"]) == 0
    return capsys.readouterr().out


# ---- the real page ----------------------------------------------------------------------------

@pytest.mark.skipif(not (REAL_LISTINGS / "pingtan-zfxxgknb-index.html").is_file(),
                    reason=f"the real listing page is not here ({REAL_LISTINGS}): ../shared is absent")
def test_real_trs_listing_gives_page_one_with_dates_and_says_it_is_incomplete(tmp_path, site, monkeypatch, capsys):
    page = (REAL_LISTINGS / "pingtan-zfxxgknb-index.html").read_bytes()
    with (REAL_LISTINGS / "truth.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    first_page = {t["title"]: int(t["year"]) for t in truth if t["page"] == "1" and t["is_annual_report"] == "true"}
    # The dates printed beside the links, read off the page with a plain expression (not the code under test).
    printed = dict(re.findall(r'title="([^"]+)">[^<]*</a>\s*</dd>\s*<dd[^>]*>\s*([0-9]{4}-[0-9]{2}-[0-9]{2})',
                              page.decode("utf-8")))
    assert set(printed) == set(first_page)
    site.route("/robots.txt", Reply(404))
    site.route("/zwgk/zfxxgk/zfxxgknb/", Reply(200, page, {"Content-Type": "text/html; charset=utf-8"}))
    hrefs = re.findall(r'<a href="\./([0-9]{6}/t[0-9_]+\.htm)"', page.decode("utf-8"))
    for href in hrefs:
        site.page(f"/zwgk/zfxxgk/zfxxgknb/{href}", "<html><body>报告</body></html>")

    counts, logs, warnings = crawl(tmp_path, site.base + "/zwgk/zfxxgk/zfxxgknb/", policy(**FAST), "pingtan")

    # The ten reports of page 1, each with its year and the date printed beside it; nothing else.
    found = {text: (year, updated) for text, year, updated in rows(tmp_path, """
        select link_text, year, updated from raw.discoveries where role = 'report'""")}
    assert {t: y for t, (y, _) in found.items()} == first_page
    assert {t: u.isoformat() for t, (_, u) in found.items()} == printed
    sources = discovered(tmp_path)
    assert len(sources) == 10 and all(u is not None and u.date() == d for _, u, d in sources.values())
    # The printed date wins over the CMS's date in the URL (2026-03-10 printed, t20260313 in the URL).
    url_2025 = next(u for u in sources if "t20260313" in u)
    assert sources[url_2025][2] == date(2026, 3, 10) != date_in_url(url_2025)
    assert all(len(site.requests(f"/zwgk/zfxxgk/zfxxgknb/{h}")) == 1 for h in hrefs)

    # Incomplete, with found versus declared: in raw.listings, the log, the counts and fetch-report.
    summary = "incomplete: 10 reports found of 20 records declared"
    row = listing_row(tmp_path, "pingtan")
    assert (row["status"], row["summary"], row["records_declared"], row["pages_declared"], row["pages_read"]) == (
        "incomplete", summary, 20, 2, 1)
    assert "1 of 2 declared pages read" in row["reason"] and "TRS" in row["patterns"]
    assert any(summary in w for w in warnings), warnings
    assert counts.incomplete_listings == 1 and counts.listings == 1
    assert summary in fetch_report_text(tmp_path, monkeypatch, capsys)
    # The static sibling the page declares (maxStaticIndex 1) was asked for once: a 404 there
    # is "no such page", not a failure in quarantine.
    assert len(site.requests("/zwgk/zfxxgk/zfxxgknb/index_1.htm")) == 1
    assert rows(tmp_path, "select count(*) from raw.quarantine")[0][0] == 0
    assert rows(tmp_path, "select outcome from raw.fetch_attempts where url like '%index_1.htm'") == [("no_such_page",)]
    assert counts.failed == 0 and counts.no_such_page == 1
    assert_polite(site, FAST["min_interval_seconds"])


# ---- emulated CMS pagination -------------------------------------------------------------------

def test_trs_static_sibling_is_followed_to_every_report(tmp_path, site):
    items = synth.entries(20, other_every=7)     # 20 records, some not annual reports
    url = serve_column(site, synth.trs_column(items, per_page=10, max_static_index=1), items)
    counts, _, warnings = crawl(tmp_path, url, policy(**FAST))
    reports = [e for e in items if e.year]
    found = discovered(tmp_path)
    assert {u.removeprefix(url) for u in found} == {e.href.removeprefix("./") for e in reports}
    assert {(y, d) for y, _, d in found.values()} == {(e.year, e.published) for e in reports}
    row = listing_row(tmp_path)
    assert row["status"] == "complete" and row["summary"] == f"complete: {len(reports)} reports found of 20 records declared"
    assert row["pages_read"] == row["pages_declared"] == 2 and not warnings
    assert len(site.requests(FOLDER + "index_1.htm")) == 1
    assert_polite(site, FAST["min_interval_seconds"])


def test_create_page_html_listing_is_followed_within_the_page_bound(tmp_path, site):
    items = synth.entries(20)
    url = serve_column(site, synth.create_page_column(items, per_page=8), items)   # three pages
    crawl(tmp_path, url, policy(listing_max_pages=5, **FAST))
    assert len(discovered(tmp_path)) == 20
    row = listing_row(tmp_path)
    assert row["summary"] == "complete: 20 reports found on 3 of 3 declared pages"
    assert [len(site.requests(FOLDER + f"index_{n}.html")) for n in (1, 2)] == [1, 1]
    assert_polite(site, FAST["min_interval_seconds"])

    # Bounded: two pages only, the third never requested, and the listing says so.
    site.log.clear()
    bounded = tmp_path / "bounded"
    bounded.mkdir()
    _, _, warnings = crawl(bounded, url, policy(listing_max_pages=2, **FAST))
    assert not site.requests(FOLDER + "index_2.html")
    row = listing_row(bounded)
    assert row["summary"] == "incomplete: 16 reports found on 2 of 3 declared pages"
    assert "listing_max_pages (2) reached" in row["reason"]
    assert any("incomplete: 16 reports found" in w for w in warnings)


@pytest.mark.parametrize("column, served, expected, why", [
    ("script pager", 1, "incomplete: 10 reports found of 35 records declared", "a script pager (下一页 → goPage(2))"),
    ("TRS beyond its static pages", 2, "incomplete: 20 reports found of 45 records declared",
     "pages 3–5 of 5 built by a script"),
    ("TRS static page missing", 1, "incomplete: 10 reports found of 20 records declared", "no such page (HTTP 404)"),
])
def test_unfollowable_pagination_is_reported_incomplete(tmp_path, site, column, served, expected, why):
    if column == "script pager":
        items = synth.entries(35)
        pages = synth.script_pager_column(items)
    else:
        items = synth.entries(45 if "beyond" in column else 20)
        pages = synth.trs_column(items, per_page=10, max_static_index=1)
        if "missing" in column:
            del pages["index_1.htm"]    # declared static, but the site never wrote it
    url = serve_column(site, pages, items)
    counts, _, warnings = crawl(tmp_path, url, policy(listing_max_pages=10, **FAST))
    assert len(discovered(tmp_path)) == 10 * served
    row = listing_row(tmp_path)
    assert row["summary"] == expected and why in row["reason"]
    assert [w for w in warnings if expected in w and why in w]
    assert counts.incomplete_listings == 1
    assert rows(tmp_path, "select count(*) from raw.quarantine")[0][0] == 0
    assert len(site.log) == 1 + served + 10 * served + ("missing" in column)   # robots, pages, reports, the 404


def test_fetch_asset_metadata_shows_an_incomplete_listing(pipeline_env, site):
    import dagster as dg
    from dagster_duckdb import DuckDBResource

    from orchestration.defs.ingest import raw_documents, report_sources

    items = synth.entries(35)
    url = serve_column(site, synth.script_pager_column(items), items)
    (pipeline_env / "sources" / "l.csv").write_text(f"source_id,agency,year,location,kind\ncol,,,{url},listing\n")
    result = dg.materialize(
        [report_sources, raw_documents], partition_key="2024",
        resources={"warehouse": DuckDBResource(database=str(pipeline_env / "warehouse.duckdb"))},
        run_config={"ops": {"raw_documents": {"config": {"min_interval_seconds": 0.03}}}})
    metadata = result.asset_materializations_for_node("raw_documents")[0].metadata
    assert metadata["incomplete_listings"].value == 1 and metadata["listings"].value == 1
    assert "incomplete: 10 reports found of 35 records declared" in metadata["listing_completeness"].value


# ---- dates beside links and what a page declares, read alone ------------------------------------

def _anchor(html: str):
    root = lxml.html.fromstring(html)
    return next(a for a in root.iter("a") if "年度报告" in (a.text or ""))


@pytest.mark.parametrize("html, expected", [
    ('<ul><li><a href="/a.htm">2023年度报告</a><span>2024-03-08</span></li><li><a href="/b.htm">x</a><span>2021-01-01</span></li></ul>',
     date(2024, 3, 8)),
    ('<table><tr><td><a href="/t20240101_1.htm">2023年度报告</a></td><td>成文日期：2024年1月2日 发布日期：2024年1月5日</td></tr>'
     '<tr><td><a href="/c.htm">y</a></td><td>2020-01-01</td></tr></table>', date(2024, 1, 5)),
    ('<div><a href="/a.htm">2023年度报告</a> (2024/3/9)<br><a href="/b.htm">other</a> 2020-01-01<br></div>', date(2024, 3, 9)),
    ('<div class="list"><dl><dd><a href="/a.htm">2023年度报告</a></dd><dd> 2024-03-10 </dd></dl>'
     '<dl><dd><a href="/b.htm">z</a></dd><dd>2020-01-01</dd></dl></div>', date(2024, 3, 10)),
    ('<ul><li><a href="/a.htm">2023年度报告</a></li><li><a href="/b.htm">z</a> 2020-01-01</li></ul>', None),
    ('<ul><li><a href="/col/">[年报]</a> <a href="/a.htm">2023年度报告</a><em>2024.03.11</em></li>'
     '<li><a href="/col/">[年报]</a> <a href="/b.htm">x</a><em>2020.01.01</em></li></ul>', date(2024, 3, 11)),
    ('<ul><li><a href="/a.htm">2023年度报告<span class="date">[2024-03-12]</span></a></li></ul>', date(2024, 3, 12)),
])
def test_the_date_printed_beside_a_link(html, expected):
    assert date_beside(_anchor(html)) == expected


def test_a_date_in_the_url_only_when_none_is_printed():
    page = """<ul><li><a href="/art/2024/3/8/art_1.html">2023年度政府信息公开工作年度报告</a></li>
              <li><a href="./202403/t20240308_2.htm">2022年度政府信息公开工作年度报告</a><i>2023-02-01</i></li></ul>"""
    links = {l.year: (l.updated, l.updated_from) for l in read_listing(page, "http://x.gov.cn/col/").reports}
    assert links == {2023: (date(2024, 3, 8), "url"), 2022: (date(2023, 2, 1), "listing")}


@pytest.mark.parametrize("script, pages, unfollowable", [
    ('createPageHTML(4, 0, "index", "shtml");', ["index_1.shtml", "index_2.shtml", "index_3.shtml"], False),
    ('createPageHTML("page_div", 3, 1, "index", "htm", 25);', ["index_2.htm"], False),   # on page index_1
    ("var n = fetchCount(); createPageHTML(n, 0, 'index', 'html');", [], True),
    ("function createPageHTML(a, b, c, d) { document.write(a); }", [], False),
])
def test_create_page_html_arguments(script, pages, unfollowable):
    page_url = "http://x.gov.cn/col/index_1.htm" if '"page_div"' in script else "http://x.gov.cn/col/index.htm"
    read = read_listing(f"<html><body><ul></ul><script>{script}</script></body></html>", page_url)
    assert [l.url.rsplit("/", 1)[1] for l in read.pages] == pages and all(l.guessed for l in read.pages)
    assert bool(read.unfollowable) is unfollowable


def test_a_disabled_pager_link_is_not_script_pagination():
    page = '<ul><li><a href="/a.htm">2023年度报告</a></li></ul><a href="javascript:void(0)">下一页</a>'
    assert read_listing(page, "http://x.gov.cn/col/").unfollowable == []


# ---- the revalidation window reads the listing's dates --------------------------------------------

def test_a_report_dated_anew_on_its_listing_is_revalidated(tmp_path, site):
    items = synth.entries(3)
    old = [dataclasses.replace(e, published=date(2020, 1, 1)) for e in items]
    url = serve_column(site, synth.create_page_column(old, per_page=10), items)
    windowed = policy(revalidate_after_days=7, **FAST)
    crawl(tmp_path, url, windowed)
    site.log.clear()
    crawl(tmp_path, url, windowed)
    assert [p for _, p, _ in site.log if p != "/robots.txt"] == [FOLDER]   # verified just now: not asked again
    # The listing now prints today's date beside the first report: that report, and only it, is asked for.
    today = wh_now().date()
    site.page(FOLDER, synth.create_page_column([dataclasses.replace(old[0], published=today)] + old[1:],
                                               per_page=10)["index.html"])
    site.log.clear()
    crawl(tmp_path, url, windowed)
    assert [p for _, p, _ in site.log if p != "/robots.txt"] == [FOLDER, FOLDER + items[0].href.removeprefix("./")]


# ---- fetch timing ---------------------------------------------------------------------------------

def test_started_at_is_when_the_request_is_sent_and_the_wait_is_apart(tmp_path, site):
    """Two reports of one site, one request at a time, 0.6 s apart: the second waits for its
    turn. Its started_at is when it reached the server, not when it was taken up, and the
    wait is its own column."""
    interval = 0.6
    items = synth.entries(2)
    url = serve_column(site, synth.create_page_column(items, per_page=10), items)
    crawl(tmp_path, url, policy(min_interval_seconds=interval, max_workers=4))
    timed = rows(tmp_path, """select url, epoch(started_at), epoch(finished_at), waited_seconds
                               from raw.fetch_attempts where url like '%.htm' order by started_at""")
    assert len(timed) == 2
    (_, s1, f1, _), (_, s2, f2, w2) = timed
    assert s2 - s1 >= interval * 0.95                      # sent in turn
    assert w2 >= interval * 0.5                             # it waited for its turn …
    assert f2 - s2 < interval * 0.6                         # … and that wait is not server time
    arrivals = {p: t for t, p, _ in site.log}
    # Sent when the server got it (the server's clock is monotonic: compare the gap to the first).
    first, second = (arrivals[FOLDER + e.href.removeprefix("./")] for e in items)
    assert abs((s2 - s1) - abs(second - first)) < 0.2


def test_a_further_page_added_as_a_listing_row_completes_its_column(tmp_path, site):
    """What docs/listings.md tells a user to do: the page the first one could not reach (its
    pager is a script) added as a listing row of its own. The two rows are judged together."""
    items = synth.entries(20)
    pages = synth.trs_column(items, per_page=10, max_static_index=1)
    first = pages["index.htm"].replace("maxStaticIndex: 1", "maxStaticIndex: 0")   # page 2 by script only
    url = serve_column(site, {"index.htm": first, "index_1.htm": pages["index_1.htm"]}, items)
    crawl(tmp_path, url, policy(**FAST))
    assert listing_row(tmp_path)["summary"] == "incomplete: 10 reports found of 20 records declared"
    assert "page 2 of 2 built by a script" in listing_row(tmp_path)["reason"]

    with (tmp_path / "sources" / "more.csv").open("w", encoding="utf-8") as handle:
        handle.write(f"source_id,agency,year,location,kind\ncolumn-2,某区人民政府,,{url}index_1.htm,listing\n")
    site.log.clear()
    crawl(tmp_path, url, policy(**FAST))
    for source_id in ("column", "column-2"):
        row = listing_row(tmp_path, source_id)
        assert row["status"] == "complete", row
        assert row["summary"].startswith("complete: 20 reports found of 20 records declared (with listing rows")
    assert len(discovered(tmp_path)) == 20


def test_fetch_report_reads_a_warehouse_made_before_listings(tmp_path):
    """fetch-report opens the warehouse read-only, so it cannot add the new table and column."""
    from orchestration.fetching.report import fetch_report

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute(wh.RAW_DDL)
    con.execute(wh.FETCH_DDL)
    con.execute("""insert into raw.fetch_attempts (attempt_id, batch_id, source_id, document_role, url, outcome,
                   tries, started_at, finished_at) values ('a', 'b', 's', 'report', 'http://x.gov.cn/1.htm',
                   'fetched', 1, now(), now())""")
    con.close()
    con = duckdb.connect(str(tmp_path / "old.duckdb"), read_only=True)
    try:
        report = fetch_report(con)
    finally:
        con.close()
    assert "x.gov.cn: 1, 1" in report and "listings (" not in report
