"""The plain parts of fetching, one at a time: encoding rules, Retry-After, backoff, robots
Crawl-delay, discovery on listing and report pages, catalogue kinds, the warehouse upgrade, and
the run config that selects a year or a site."""
from __future__ import annotations

import codecs
import random
from datetime import date

import dagster as dg
import duckdb
import pytest

from orchestration import warehouse as wh
from orchestration.defs.ingest import ingest_run_config
from orchestration.fetching.catalogue import Selection, read_catalogue
from orchestration.fetching.decoding import decode_text
from orchestration.fetching.discovery import (
    attachment_links,
    is_report_title,
    pagination_links,
    report_links,
    year_in,
)
from orchestration.fetching.http import FetchPolicy, HttpClient, parse_retry_after
from orchestration.fetching.politeness import crawl_delay

TEXT = "政府信息公开工作年度报告：本年新收政府信息公开申请（瑢）"


# ---- encoding ---------------------------------------------------------------------------------

@pytest.mark.parametrize("data, header, encoding, rule", [
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "gbk", "utf-8-sig", "bom"),
    (TEXT.encode("gb18030"), "gb2312", "gb18030", "http-header gb18030"),
    (b'<meta charset="GBK">' + TEXT.encode("gb18030"), None, "gb18030", "meta gb18030"),
    (b'<meta charset="gbk">' + TEXT.encode("utf-8"), "utf-8", "utf-8", "http-header utf-8"),
    (TEXT.encode("utf-8"), None, "utf-8", "default utf-8"),
])
def test_decode_by_bom_then_header_then_meta(data, header, encoding, rule):
    text, got_encoding, got_rule = decode_text(data, header)
    assert TEXT in text and (got_encoding, got_rule) == (encoding, rule)


@pytest.mark.parametrize("header", ["utf-8", None])
def test_a_listing_whose_titles_were_cut_inside_a_character_reads_as_utf8(header):
    """A CMS that shortens titles by bytes (PHP's substr) leaves a bad sequence where it cut: the
    page is no longer clean UTF-8, and when its bytes happen to be valid GB18030 (these are),
    detection took GB18030: every title mojibake, no link a report's (until parser 0.7.12). A
    few bad sequences among many valid characters are UTF-8's: the whole titles are reports."""
    from orchestration.fetching.discovery import report_links

    items = []
    for year in range(2015, 2024):
        title = f"{year}年度政府信息公开工作年度报告".encode()
        short = title[:26] if year % 3 == 0 else title   # 26 bytes: inside 「信」
        items.append(f'<li><a href="/xxgk/{year}.html">'.encode() + short + b"...</a></li>")
    data = b'<html><head><meta charset="utf-8"></head><body><ul>' + b"".join(items) + b"</ul></body></html>"
    assert data.decode("gb18030")   # (valid GB18030: what made detection take it)
    text, encoding, rule = decode_text(data, header)
    assert encoding == "utf-8" and "utf-8 but for a few bad byte sequences" in rule
    links = report_links(text, "https://www.example.gov.cn/xxgk/")
    assert sorted(l.year for l in links) == [y for y in range(2015, 2024) if y % 3]   # the whole titles


def test_a_gbk_page_served_as_utf8_is_detected():
    text, encoding, rule = decode_text(b'<meta charset="utf-8">' + TEXT.encode("gb18030"), "utf-8")
    assert TEXT in text and encoding == "gb18030"
    assert rule.startswith("detected gb18030 (http-header utf-8 gave") and "replacement characters" in rule


def test_a_utf8_page_declared_gb2312_is_detected():
    text, encoding, rule = decode_text(TEXT.encode("utf-8"), "gb2312")
    # UTF-8 bytes mostly decode as GB18030 too, but not cleanly: detection reads them right.
    assert encoding == "utf-8" and TEXT in text, rule


# ---- HTTP helpers -------------------------------------------------------------------------------

def test_retry_after_as_seconds_or_date():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10)
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_is_exponential_with_jitter_and_capped():
    client = HttpClient(FetchPolicy(backoff_base_seconds=1, backoff_max_seconds=8), rng=random.Random(1))
    waits = [[client.backoff(n) for _ in range(50)] for n in range(1, 6)]
    for n, sample in enumerate(waits, start=1):
        ceiling = min(8, 2 ** (n - 1))
        assert all(ceiling / 2 <= w <= ceiling for w in sample)
        assert len(set(sample)) > 1   # jittered
    assert max(waits[-1]) <= 8


def test_user_agent_must_be_ascii():
    with pytest.raises(ValueError):
        FetchPolicy(user_agent="采集器/1.0")
    assert FetchPolicy().user_agent.isascii()


def test_crawl_delay_for_our_group_or_everyone():
    text = "User-agent: *\nCrawl-delay: 5\n\nUser-agent: disclosure-pipeline\nCrawl-delay: 0.5\nDisallow: /x\n"
    assert crawl_delay(text, "disclosure-pipeline") == 0.5
    assert crawl_delay("User-agent: *\nCrawl-delay: 3\n", "disclosure-pipeline") == 3
    assert crawl_delay("User-agent: *\nDisallow: /\n", "disclosure-pipeline") is None


# ---- discovery ---------------------------------------------------------------------------------

LISTING = """<html><head><base href="http://www.example.gov.cn/zwgk/ndbg/"></head><body>
<ul class="list">
  <li><a href="./202303/t20230331_1.html" title="某市人民政府2022年政府信息公开工作年度报告">某市人民政府2022年政府…</a></li>
  <li><a href="202203/t20220330_2.html">2021年度政府信息公开工作年度报告</a></li>
  <li><a href="/art/2021/3/31/art_1.html">二〇二〇年政务公开工作年报</a></li>
  <li><a href="/art/2020/1.html">关于印发2020年政务公开工作要点的通知</a></li>
  <li><a href="javascript:void(0)">2019年度报告</a></li>
  <li><a href="202203/t20220330_2.html#top">2021年度政府信息公开工作年度报告</a></li>
</ul>
<div class="page"><a href="index.html">首页</a><a href="index_1.html">下一页</a><a href="index_1.html">2</a>
<a href="index_2.html">3</a><a href="http://other.gov.cn/index_1.html">下一页</a><a href="index_9.html">尾页</a></div>
</body></html>"""


def test_report_links_by_title_and_text_with_their_year():
    links = report_links(LISTING, "http://www.example.gov.cn/zwgk/ndbg/index.html")
    assert [(l.url, l.year) for l in links] == [
        ("http://www.example.gov.cn/zwgk/ndbg/202303/t20230331_1.html", 2022),
        ("http://www.example.gov.cn/zwgk/ndbg/202203/t20220330_2.html", 2021),
        ("http://www.example.gov.cn/art/2021/3/31/art_1.html", 2020),
    ]


def test_pagination_same_site_next_first():
    pages = pagination_links(LISTING, "http://www.example.gov.cn/zwgk/ndbg/index.html")
    assert pages[0] == "http://www.example.gov.cn/zwgk/ndbg/index_1.html"
    assert "http://www.example.gov.cn/zwgk/ndbg/index_2.html" in pages
    assert not any("other.gov.cn" in p for p in pages)
    assert "http://www.example.gov.cn/zwgk/ndbg/index.html" not in pages


def test_attachments_by_extension_and_link_text():
    page = """<div class="content"><p>附件：<a href="/u/file/2022/abc.pdf">某市2022年年报</a></p>
    <a href="/download?id=7">2022年统计表.xlsx</a> <a href="/u/a.WPS">报告（WPS版）</a>
    <a href="/u/2021.pdf">2021年政府信息公开工作年度报告.pdf</a> <a href="/u/pic.jpg">图片</a></div>"""
    links = attachment_links(page, "http://www.example.gov.cn/a/b.html", year=2022)
    assert [l.url for l in links] == ["http://www.example.gov.cn/u/file/2022/abc.pdf",
                                      "http://www.example.gov.cn/download?id=7", "http://www.example.gov.cn/u/a.WPS"]


def test_documents_a_page_shows_inside_itself_are_attachments():
    """A report page that shows its PDF in pdf.js's viewer (an iframe, or a link to the viewer),
    an ``<embed>`` or an ``<object>`` links no document by ``<a href>``: nothing was fetched but
    the page (「not an annual report」). The document the viewer names is the attachment, resolved
    as pdf.js resolves it; a download script's URL is kept whole (it serves the file itself)."""
    page = """<div class="content"><h1>某区2022年政府信息公开工作年度报告</h1>
    <iframe src="/pdfjs/web/viewer.html?file=%2Fupload%2F2022%2Freport.pdf" width="100%"></iframe>
    <embed src="files/embedded.pdf" type="application/pdf">
    <object data="/o/object.pdf" type="application/pdf"></object>
    <a href="/static/pdfjs/web/viewer.html?file=../../../u/relative.pdf#page=2">在线预览</a>
    <a href="/download.jsp?path=/data/upload/r.pdf">r.pdf</a>
    <iframe src="/ad/banner.html"></iframe></div>"""
    links = attachment_links(page, "http://www.example.gov.cn/a/b.html", year=2022)
    assert [l.url for l in links] == ["http://www.example.gov.cn/u/relative.pdf",
                                      "http://www.example.gov.cn/download.jsp?path=/data/upload/r.pdf",
                                      "http://www.example.gov.cn/upload/2022/report.pdf",
                                      "http://www.example.gov.cn/a/files/embedded.pdf",
                                      "http://www.example.gov.cn/o/object.pdf"]
    assert all(l.year == 2022 for l in links)


def test_web_archives_and_macro_enabled_word_files_are_attachments_too():
    """The parser reads a web archive (.mht, .mhtml) and a .docm: a page linking one links its report."""
    page = """<p>附件：<a href="/u/2022.mht">2022年年报</a> <a href="/u/2022b.mhtml">2022年年报（网页）</a>
    <a href="/u/2022c.docm">2022年年报（Word）</a></p>"""
    links = attachment_links(page, "http://www.example.gov.cn/a/b.html", year=2022)
    assert [l.url.rsplit("/", 1)[1] for l in links] == ["2022.mht", "2022b.mhtml", "2022c.docm"]


def test_a_zip_archive_is_an_attachment():
    """A report and its 统计表 zipped together (the parser reads the archive's documents as one)."""
    page = '<p>附件：<a href="/u/2022nb.zip">2022年年报及附表.zip</a> <a href="/u/logo.png">logo</a></p>'
    links = attachment_links(page, "http://www.example.gov.cn/a/b.html", year=2022)
    assert [l.url for l in links] == ["http://www.example.gov.cn/u/2022nb.zip"]


@pytest.mark.parametrize("text, year, is_report", [
    ("2021年度政府信息公开工作年度报告", 2021, True),
    ("二〇二二年政府信息公开年报", 2022, True),
    ("某局2020年政务公开工作报告", 2020, True),
    ("2021年工作报告", 2021, False),
    ("政府信息公开工作年度报告", None, False),
    ("关于2021年度报告编制的通知2022年", 2021, True),
])
def test_report_titles(text, year, is_report):
    assert year_in(text) == year
    assert is_report_title(text) is is_report


# ---- catalogue ---------------------------------------------------------------------------------

def test_catalogue_kind_is_optional_and_checked(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "old.csv").write_text("source_id,agency,year,location\n"
                                      "a,,,https://x.gov.cn/a.html\nb,,,docs\nc,,,docs/missing.html\n")
    (tmp_path / "new.csv").write_text("source_id,agency,year,location,kind\n"
                                      "d,,,https://x.gov.cn/list.html,listing\ne,,,https://x.gov.cn/e.html,\n"
                                      "f,,,https://x.gov.cn/f.html,sitemap\ng,,,docs,listing\n")
    sources, problems = read_catalogue(tmp_path)
    assert {s.source_id: s.kind for s in sources} == {"a": "report", "b": "folder", "c": "report",
                                                      "d": "listing", "e": "report"}
    assert [(p.catalogue, p.line) for p in problems] == [("new.csv", 4), ("new.csv", 5)]
    assert {s.source_id: s.host for s in sources}["d"] == "x.gov.cn"


def test_selection():
    sel = Selection(years=(2021,), hosts=("x.gov.cn",))
    assert sel.source_ok("a", "a", 2021, "https://X.gov.cn/a") and sel.source_ok("a", "a", None, "https://x.gov.cn/")
    assert not sel.source_ok("a", "a", 2020, "https://x.gov.cn/a") and not sel.source_ok("a", "a", 2021, "/local")
    assert Selection(source_ids=("list",)).source_ok("list/2021-abc", "list", 2021, "/x")
    assert Selection().everything and Selection().describe() == "everything"


# ---- warehouse -----------------------------------------------------------------------------------

def test_an_old_warehouse_upgrades_in_place(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(wh.RAW_DDL)   # the schema as the first version made it
    con.execute("insert into raw.sources values ('a', null, 2021, '/x.html', 'c.csv', now())")
    con.execute("insert into raw.fetch_manifest values ('a', '/x.html', 'fetched', 'abc', 'abc', 1, 'text/html', "
                "null, null, now(), now(), 1)")
    before = {t: [c for c, in con.execute(f"select column_name from information_schema.columns where "
                                          f"table_schema = 'raw' and table_name = '{t}' order by ordinal_position").fetchall()]
              for t in ("sources", "fetch_manifest")}
    wh.ensure_schema(con)
    wh.ensure_schema(con)   # twice: nothing changes
    for table, columns in before.items():
        after = [c for c, in con.execute(f"select column_name from information_schema.columns where "
                                         f"table_schema = 'raw' and table_name = '{table}' order by ordinal_position").fetchall()]
        assert after[:len(columns)] == columns   # nothing renamed, dropped or moved
    assert con.execute("select source_id, kind, origin_source_id from raw.sources").fetchall() == [("a", None, None)]
    assert wh.documents_to_parse(con, "0") == [("abc", "text/html", "/x.html", "a", None)]
    assert {"fetch_attempts", "discoveries", "quarantine"} <= {
        t for t, in con.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
    con.close()


def test_run_config_selects_a_site_and_settings():
    assert ingest_run_config() == {}
    config = ingest_run_config(hosts=["www.x.gov.cn"], min_interval_seconds=5, max_workers=None, parse_workers=2)
    assert config == {"ops": {"raw_documents": {"config": {"hosts": ["www.x.gov.cn"], "min_interval_seconds": 5}},
                              "parsed_reports": {"config": {"hosts": ["www.x.gov.cn"], "parse_workers": 2}}}}


def test_years_are_partitions_and_a_run_over_all_of_them_selects_everything():
    from orchestration.defs.shared import FIRST_REPORT_YEAR, YEARS, years_tags

    keys = YEARS.get_partition_keys()
    assert keys[0] == str(FIRST_REPORT_YEAR) and keys[-1] == str(date.today().year)
    assert years_tags([2021]) == {"dagster/partition": "2021"}
    assert years_tags([2022, 2019]) == {"dagster/asset_partition_range_start": "2019",
                                        "dagster/asset_partition_range_end": "2022"}
    assert years_tags([]) == {"dagster/asset_partition_range_start": keys[0],
                              "dagster/asset_partition_range_end": keys[-1]}
    with pytest.raises(ValueError, match="no year partition for 1999"):
        years_tags([1999])


def test_ingest_assets_take_the_selection(pipeline_env):
    """The three ingest assets under Dagster, with a year selected: only that year is fetched and
    parsed, and the counts are materialisation metadata."""
    from dagster_duckdb import DuckDBResource

    from orchestration.defs.ingest import parsed_reports, raw_documents, report_sources
    from orchestration.synthetic import samples

    data_dir = pipeline_env
    reports = samples.generate_panel(agencies=1, years=range(2020, 2022))
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv", reports)
    result = dg.materialize(
        [report_sources, raw_documents, parsed_reports],
        resources={"warehouse": DuckDBResource(database=str(data_dir / "warehouse.duckdb"))},
        partition_key="2021")
    assert result.success
    fetched = result.asset_materializations_for_node("raw_documents")[0].metadata
    assert fetched["selection"].value == "years=2021" and fetched["fetched"].value == 1
    assert {k for k in ("discovered", "fetched", "not_modified", "failed") if k in fetched} == {
        "discovered", "fetched", "not_modified", "failed"}
    parsed = [m for m in result.asset_materializations_for_node("parsed_reports")
              if m.asset_key == dg.AssetKey("parsed_reports")][0].metadata
    assert parsed["parsed"].value == 1 and parsed["quarantined"].value == 0


def test_a_full_refresh_spans_the_catalogue_years_and_takes_every_source():
    from orchestration.defs.shared import YEARS, full_refresh_tags

    keys = YEARS.get_partition_keys()
    every = {"disclosure/every_source": "true"}
    assert full_refresh_tags({2021, 2019, None, 2023}) == {"dagster/asset_partition_range_start": "2019",
                                                           "dagster/asset_partition_range_end": "2023", **every}
    assert full_refresh_tags({2020}) == {"dagster/partition": "2020", **every}
    # years no partition holds (before the first, a typo far ahead) do not stretch the span
    assert full_refresh_tags({1999, 2020, 2021, 3021}) == {"dagster/asset_partition_range_start": "2020",
                                                           "dagster/asset_partition_range_end": "2021", **every}
    # only listings and folders (no year): every partition
    assert full_refresh_tags(set()) == {"dagster/asset_partition_range_start": keys[0],
                                        "dagster/asset_partition_range_end": keys[-1], **every}


def test_loading_the_catalogue_again_rewrites_only_the_rows_that_changed():
    """replace_sources upserts what is new or changed, keeps a row listed again as it was
    (its loaded_at too), drops what is no longer listed, and makes a derived row listed
    by the user a catalogue row again."""
    from datetime import datetime

    from orchestration.fetching.catalogue import Source

    def source(source_id, agency="某区人民政府", year=2023, updated=None):
        return Source(source_id, agency, year, f"https://example.gov.cn/{source_id}.html", "c.csv",
                      updated=updated)

    con = duckdb.connect()
    wh.ensure_schema(con)
    first, second = datetime(2026, 1, 1), datetime(2026, 2, 1)
    wh.replace_sources(con, [source("a"), source("b"), source("c")], first)
    con.execute("update raw.sources set origin_source_id = 'list', parent_source_id = 'list' where source_id = 'c'")
    wh.replace_sources(con, [source("a"), source("b", agency="某区财政局"), source("c"),
                             source("d", updated=datetime(2026, 1, 15))], second)
    rows = {r[0]: r[1:] for r in con.execute(
        "select source_id, agency, loaded_at, origin_source_id, updated from raw.sources").fetchall()}
    assert rows["a"] == ("某区人民政府", first, None, None)          # as it was: untouched
    assert rows["b"] == ("某区财政局", second, None, None)           # changed: rewritten
    assert rows["c"] == ("某区人民政府", second, None, None)         # listed by the user again
    assert rows["d"] == ("某区人民政府", second, None, datetime(2026, 1, 15))
    wh.replace_sources(con, [source("a"), source("d", updated=datetime(2026, 1, 20))], second)
    rows = dict(con.execute("select source_id, updated from raw.sources").fetchall())
    assert rows == {"a": None, "d": datetime(2026, 1, 20)}
