"""Fetching real sites, against a real HTTP server on loopback that serves pages and attachments
with injected faults: 5xx then success, 429 with Retry-After, a timeout, a connection reset,
truncated bodies, a redirect loop, a 404, a GBK page served as UTF-8, ETag/304 on the second
run, robots.txt disallowing a path, a listing with pagination. Waits are shrunk to milliseconds
through FetchPolicy, so the module runs in seconds."""
from __future__ import annotations

import dataclasses
import http.server
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from orchestration import warehouse as wh
from orchestration.fetching.batch import run_fetch_batch
from orchestration.fetching.catalogue import Selection, read_catalogue
from orchestration.fetching.http import FetchPolicy
from orchestration.fetching.raw_store import RawStore
from orchestration.parsing import PARSER_VERSION, parse_document
from orchestration.parsing.batch import run_parse_batch
from orchestration.synthetic import forms, samples

INTERVAL = 0.1    # seconds between two requests to the test site
PROJECT_ROOT = Path(__file__).resolve().parents[1]


# ---- a scripted site -----------------------------------------------------------------------

@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    action: str | None = None      # reset | sleep | truncate
    delay: float = 0.0
    etag: str | None = None        # answer If-None-Match with 304


class Site:
    """Routes: path → replies, used in order, the last one repeating. Every request is logged
    with its arrival time, so politeness is measured at the server."""

    def __init__(self):
        self.routes: dict[str, list[Reply]] = {}
        self.log: list[tuple[float, str, dict]] = []
        self.lock = threading.Lock()
        self.slow = 0.0   # every reply waits this long (for the kill test)
        self.active = 0
        self.max_active = 0   # most requests in flight at once

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def page(self, path: str, html: str, charset: str = "utf-8", **kw) -> None:
        self.route(path, Reply(200, html.encode(charset), {"Content-Type": f"text/html; charset={charset}"}, **kw))

    def next_reply(self, path: str) -> Reply | None:
        with self.lock:
            replies = self.routes.get(path)
            if not replies:
                return None
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def requests(self, path: str | None = None) -> list[tuple[float, str, dict]]:
        return [r for r in self.log if path is None or r[1] == path]


def _handler(site: Site):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            with site.lock:
                site.log.append((time.monotonic(), self.path, dict(self.headers)))
                site.active += 1
                site.max_active = max(site.max_active, site.active)
            try:
                if site.slow:
                    time.sleep(site.slow)
            finally:
                # Finished before the reply is written: once the client has its reply it may send
                # the next request, and on a loaded machine that can arrive before this thread runs
                # again, which counted one request too many in flight.
                with site.lock:
                    site.active -= 1
            self._reply()

        def _reply(self):
            reply = site.next_reply(self.path)
            if reply is None:
                self.send_error(404, "Not Found")
                return
            if reply.action == "reset":
                # SO_LINGER 0: close sends a TCP RST, the client sees "connection reset by peer".
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return
            if reply.action == "sleep":
                time.sleep(reply.delay)
            if reply.etag and self.headers.get("If-None-Match") == reply.etag:
                self.send_response(304)
                self.send_header("ETag", reply.etag)
                self.end_headers()
                return
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            if reply.etag:
                self.send_header("ETag", reply.etag)
            length = len(reply.body) + (1000 if reply.action == "truncate" else 0)
            if "Content-Length" not in reply.headers:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                if reply.action != "huge":
                    self.wfile.write(reply.body)
            except OSError:
                pass
            self.close_connection = True

        def finish(self):
            try:
                super().finish()
            except OSError:
                pass

    return Handler


@pytest.fixture
def site():
    s = Site()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(s))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    s.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield s
    server.shutdown()
    server.server_close()


def policy(**kw) -> FetchPolicy:
    values = dict(min_interval_seconds=INTERVAL, per_host_concurrency=1, max_workers=4, timeout_seconds=0.4,
                  retries=3, backoff_base_seconds=0.02, backoff_max_seconds=0.1, max_retry_after_seconds=5,
                  listing_max_pages=2, max_bytes=200_000)
    values.update(kw)
    return FetchPolicy(**values)


# ---- the documents ----------------------------------------------------------------------------

REPORTS = {f"{r.slug}-{r.year}": r for r in samples.generate_panel(agencies=3, years=range(2019, 2023))}


def report(key: str) -> samples.SampleReport:
    return REPORTS[key]


def html_of(key: str) -> str:
    return samples.render_html(dataclasses.replace(report(key), form="html"))


def build_site(site: Site) -> dict[str, str]:
    """Serve a listing (two pages followed, a third beyond the bound), report pages, an attachment
    and the fault cases. Returns (source_id → report key of each catalogue report that must be
    parsed, the report keys of the agency on the listing)."""
    keys = sorted(REPORTS)
    a = sorted((k for k in keys if REPORTS[k].agency == REPORTS[keys[0]].agency),
               key=lambda k: REPORTS[k].year)   # one agency's four years
    others = [k for k in keys if k not in a]
    site.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    base = site.base
    site.page("/list/index.html", f"""<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
        <ul>
          <li><a href="/reports/2022.html" title="{report(a[3]).title}">{report(a[3]).title[:12]}…</a></li>
          <li><a href="../reports/2021.html">2021年度政府信息公开工作年度报告</a></li>
          <li><a href="{base}/private/2020.html">2020年政府信息公开年报</a></li>
          <li><a href="/news/1.html">关于开展政务公开工作的通知</a></li>
        </ul>
        <div class="page"><a href="index_1.html">下一页</a> <a href="index_1.html">2</a></div>
        </body></html>""", etag='"list-1"')
    site.page("/list/index_1.html", """<html><body>
        <a href="/reports/2019-gbk.html">二〇一九年政府信息公开工作年度报告</a>
        <a href="index.html">上一页</a> <a href="index_2.html">下一页</a></body></html>""")
    site.page("/list/index_2.html", """<html><body><a href="/reports/2018.html">2018年度报告</a></body></html>""")
    site.page("/reports/2022.html", html_of(a[3]), etag='"r2022-v1"')
    # A stub page whose report is the attached DOCX (and a sidebar link to another year's report).
    site.page("/reports/2021.html", """<html><body><h1>2021年度政府信息公开工作年度报告</h1>
        <p>详见附件：<a href="/files/2021%E5%B9%B4%E6%8A%A5.docx">2021年报.docx</a></p>
        <p>相关：<a href="/files/2020.pdf">2020年政府信息公开工作年度报告.pdf</a></p></body></html>""")
    site.route("/files/2021%E5%B9%B4%E6%8A%A5.docx", Reply(200, samples.render_docx(
        dataclasses.replace(report(a[2]), form="docx")), {"Content-Type": "application/octet-stream"}))
    # GBK bytes served with a UTF-8 header and meta tag.
    gbk = html_of(a[0]).encode("gb18030")
    site.route("/reports/2019-gbk.html", Reply(200, gbk, {"Content-Type": "text/html; charset=utf-8"}))
    site.page("/private/2020.html", html_of(a[1]))
    site.page("/reports/2018.html", "<html><body>never requested</body></html>")

    ok = lambda k: Reply(200, html_of(k).encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})  # noqa: E731
    site.route("/flaky.html", Reply(500), Reply(503), ok(others[0]))
    site.route("/busy.html", Reply(429, b"slow down", {"Retry-After": "1"}), ok(others[1]))
    site.route("/slow.html", Reply(action="sleep", delay=1.0, body=b"late"), ok(others[2]))
    site.route("/reset.html", Reply(action="reset"), ok(others[3]))
    site.route("/truncated.html", Reply(action="truncate", body=html_of(others[4]).encode()[:500]), ok(others[4]))
    site.route("/broken.html", Reply(action="truncate", body=b"<html>half"))
    site.route("/loop/a", Reply(302, headers={"Location": "/loop/b"}))
    site.route("/loop/b", Reply(302, headers={"Location": "/loop/a"}))
    site.route("/old.html", Reply(301, headers={"Location": "/moved/report.html"}))
    site.route("/moved/report.html", ok(others[5]))
    site.route("/huge.pdf", Reply(200, b"%PDF", {"Content-Length": "300000", "Content-Type": "application/pdf"},
                                  action="huge"))
    return {"flaky": others[0], "busy": others[1], "slow": others[2], "reset": others[3],
            "truncated": others[4], "moved": others[5]}, a


def write_catalogue(data_dir: Path, site: Site) -> None:
    rows = [("list", "某区人民政府", "", f"{site.base}/list/index.html", "listing")]
    for name in ("flaky", "busy", "slow", "reset", "truncated", "broken", "missing", "huge"):
        path = {"missing": "/missing.html", "huge": "/huge.pdf"}.get(name, f"/{name}.html")
        rows.append((name, "", "", site.base + path, ""))
    rows += [("loop", "", "", f"{site.base}/loop/a", "report"), ("moved", "", "", f"{site.base}/old.html", "")]
    (data_dir / "sources").mkdir(parents=True, exist_ok=True)
    with (data_dir / "sources" / "sites.csv").open("w", encoding="utf-8") as handle:
        handle.write("source_id,agency,year,location,kind\n")
        handle.writelines(",".join(r) + "\n" for r in rows)


def run_batch(data_dir: Path, pol: FetchPolicy, selection=Selection(), **kw):
    """report_sources + raw_documents + parsed_reports, as the assets do them, without Dagster."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        wh.ensure_schema(con)
        sources, problems = read_catalogue(data_dir / "sources")
        assert not problems
        wh.replace_sources(con, sources, wh_now())
        store = RawStore(data_dir / "raw")
        logs = []
        fetched = run_fetch_batch(con, store, pol, selection, log=logs.append, **kw)
        parsed = run_parse_batch(con, store, PARSER_VERSION, parse_document, selection, log=logs.append)
        return fetched, parsed
    finally:
        con.close()


def wh_now():
    from orchestration.defs.shared import utc_now
    return utc_now()


def query(data_dir: Path, sql: str, params=()):
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def parsed_figures(data_dir: Path) -> dict[str, tuple]:
    """source_id → (year, applications received) of each source's current parsed document."""
    rows = query(data_dir, """
        with current as (
            select source_id, sha256, row_number() over (partition by source_id order by last_seen_at desc) rn
            from raw.fetch_manifest where outcome = 'fetched' and document_role <> 'listing')
        select c.source_id, r.year, m.value from current c join raw.reports r on r.sha256 = c.sha256
        left join raw.metric_values m on m.sha256 = c.sha256 and m.metric_key = 'apps.new_received.total'
        where c.rn = 1""")
    return {s: (y, v) for s, y, v in rows}


def assert_polite(site: Site, interval: float = INTERVAL, slack: float = 0.99) -> None:
    """No two requests reached the server closer than the interval (float slack only: with one
    request at a time per site the gate counts the interval from the previous answer)."""
    times = sorted(t for t, _, _ in site.log)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= interval * slack, f"two requests {min(gaps):.3f} s apart (limit {interval} s)"


# ---- the whole batch ------------------------------------------------------------------------

def test_batch_against_a_faulty_site(tmp_path, site):
    expected, agency_a = build_site(site)
    write_catalogue(tmp_path, site)
    started = time.monotonic()
    fetched, parsed = run_batch(tmp_path, policy())
    first_run = time.monotonic() - started

    # Every reachable report is stored and parsed, with its figures.
    figures = parsed_figures(tmp_path)
    for source_id, key in expected.items():
        r = report(key)
        assert figures[source_id] == (r.year, r.metrics["apps.new_received.total"]), source_id
    discovered = dict(query(tmp_path, "select location, source_id from raw.sources where kind = 'discovered'"))
    attachments = dict(query(tmp_path, "select location, source_id from raw.sources where kind = 'attachment'"))
    for path, key in (("/reports/2022.html", agency_a[3]), ("/reports/2019-gbk.html", agency_a[0])):
        r = report(key)
        assert figures[discovered[site.base + path]] == (r.year, r.metrics["apps.new_received.total"]), path
    docx = attachments[site.base + "/files/2021%E5%B9%B4%E6%8A%A5.docx"]
    assert figures[docx] == (2021, report(agency_a[2]).metrics["apps.new_received.total"])
    # The stub page is kept as a document of the same report too; the sidebar's other year is not followed.
    assert discovered[site.base + "/reports/2021.html"] in figures
    assert site.base + "/files/2020.pdf" not in attachments
    assert not site.requests("/files/2020.pdf")
    # Discovery: report links by title and text, the year from the text (二〇一九 too), not the news item.
    years = dict(query(tmp_path, "select url, year from raw.discoveries where role = 'report'"))
    assert years == {site.base + "/reports/2022.html": 2022, site.base + "/reports/2021.html": 2021,
                     site.base + "/private/2020.html": 2020, site.base + "/reports/2019-gbk.html": 2019}
    assert not site.requests("/news/1.html")
    # Pagination is bounded: two listing pages, the third never requested.
    assert len(site.requests("/list/index.html")) == 1 and len(site.requests("/list/index_1.html")) == 1
    assert not site.requests("/list/index_2.html") and not site.requests("/reports/2018.html")

    # Every failure is recorded with its reason, in the manifest and in quarantine.
    failures = dict(query(tmp_path, "select source_id, error from raw.fetch_manifest where outcome = 'failed'"))
    private = discovered[site.base + "/private/2020.html"]
    assert set(failures) == {"broken", "loop", "missing", "huge", private}
    assert "truncated" in failures["broken"] and "after 4 tries" in failures["broken"]
    assert "redirect loop" in failures["loop"]
    assert failures["missing"] == "HTTP 404 Not Found"
    assert "larger than 200000 bytes" in failures["huge"]
    assert "robots.txt" in failures[private]
    quarantined = {s for s, in query(tmp_path, "select source_id from raw.quarantine where resolved_at is null")}
    assert quarantined == set(failures)

    # Retries: only where they help, and never on a 404.
    assert [len(site.requests(p)) for p in ("/flaky.html", "/busy.html", "/slow.html", "/reset.html",
                                            "/truncated.html", "/broken.html", "/missing.html")] == [3, 2, 2, 2, 2, 4, 1]
    busy = [t for t, _, _ in site.requests("/busy.html")]
    assert busy[1] - busy[0] >= 1.0                      # Retry-After: 1 honoured
    assert not site.requests("/private/2020.html")      # robots.txt obeyed
    assert len(site.requests("/robots.txt")) == 1       # read once per host and batch
    assert len(site.requests("/huge.pdf")) == 1          # refused on Content-Length, not retried
    assert_polite(site)
    agents = {h.get("User-Agent") for _, _, h in site.log}
    assert len(agents) == 1 and agents.pop().startswith("disclosure-pipeline/")

    # The redirect is followed and the final URL kept; the encoding rule that decided is recorded.
    assert query(tmp_path, "select final_url from raw.fetch_manifest where source_id = 'moved'") == [
        (site.base + "/moved/report.html",)]
    gbk = query(tmp_path, "select encoding, encoding_rule from raw.fetch_manifest where location = ?",
                [site.base + "/reports/2019-gbk.html"])
    assert gbk[0][0] == "gb18030" and gbk[0][1].startswith("detected gb18030 (http-header utf-8 gave")
    assert query(tmp_path, "select encoding_rule from raw.fetch_manifest where source_id = 'flaky'") == [
        ("http-header utf-8",)]
    assert fetched.failed == 4 and fetched.disallowed == 1 and fetched.not_modified == 0
    assert parsed.quarantined == 0 and parsed.parsed == len(figures)

    # A second run: nothing is fetched twice when unchanged, nothing is parsed again, nothing is added.
    tables = ("sources", "fetch_manifest", "discoveries", "quarantine", "reports", "metric_values", "parse_issues")
    before = {t: query(tmp_path, f"select count(*) from raw.{t}")[0][0] for t in tables}
    attempts_before = query(tmp_path, "select count(*) from raw.fetch_attempts")[0][0]
    site.log.clear()
    fetched2, parsed2 = run_batch(tmp_path, policy())
    assert {t: query(tmp_path, f"select count(*) from raw.{t}")[0][0] for t in tables} == before
    assert query(tmp_path, "select count(*) from raw.fetch_attempts")[0][0] == attempts_before + fetched2.requests
    conditional = site.requests("/reports/2022.html")
    assert len(conditional) == 1 and conditional[0][2].get("If-None-Match") == '"r2022-v1"'
    outcomes = dict(query(tmp_path, "select url, outcome from raw.fetch_attempts where batch_id = ?",
                          [query(tmp_path, "select batch_id from raw.fetch_attempts order by finished_at desc limit 1")[0][0]]))
    assert outcomes[site.base + "/reports/2022.html"] == "not_modified"
    assert outcomes[site.base + "/list/index.html"] == "not_modified"   # its links read from the stored copy
    assert outcomes[site.base + "/flaky.html"] == "unchanged"           # no validators: same hash
    assert parsed2.parsed == 0
    assert fetched2.fetched == 0 and fetched2.not_modified == fetched.fetched
    assert_polite(site)
    assert first_run < 30


def test_a_failure_is_retried_by_a_later_run_and_leaves_quarantine(tmp_path, site):
    page = samples.render_html(dataclasses.replace(next(iter(REPORTS.values())), form="html"))
    site.route("/r.html", Reply(404), Reply(200, page.encode(), {"Content-Type": "text/html"}))
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "one.csv").write_text(f"source_id,agency,year,location\nr,,,{site.base}/r.html\n")
    run_batch(tmp_path, policy())
    assert query(tmp_path, "select stage, reason, resolved_at from raw.quarantine") == [("fetch", "HTTP 404 Not Found", None)]
    run_batch(tmp_path, policy())
    (stage, reason, resolved), = query(tmp_path, "select stage, reason, resolved_at from raw.quarantine")
    assert resolved is not None   # kept, marked resolved: nothing disappears
    assert len(parsed_figures(tmp_path)) == 1


def test_unparseable_document_is_quarantined_and_retried(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "garbage-2021.bin").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "docs" / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    r = next(iter(REPORTS.values()))
    (tmp_path / "docs" / "sub").mkdir()
    (tmp_path / "docs" / "sub" / f"report-{r.year}.html").write_text(samples.render_html(r), encoding="utf-8")
    (tmp_path / "sources").mkdir()
    # A folder source: no kind column needed, an existing folder defaults to kind folder.
    (tmp_path / "sources" / "local.csv").write_text("source_id,agency,year,location\nmine,某局,,../docs\n")
    _, parsed = run_batch(tmp_path, policy())
    assert parsed.parsed == 3 and parsed.quarantined == 2
    reasons = dict(query(tmp_path, "select source_id, reason from raw.quarantine where stage = 'parse'"))
    assert reasons["mine/garbage-2021.bin"].startswith("unreadable")
    # A DOC is converted by LibreOffice: these bytes are no document, so LibreOffice's failure is
    # the reason (or, where it is not installed, what to install).
    assert reasons["mine/old.doc"].startswith(("unreadable", "unsupported_form"))
    assert "LibreOffice" in reasons["mine/old.doc"] and "old.doc" in reasons["mine/old.doc"]
    assert query(tmp_path, "select year from raw.sources where source_id = 'mine/garbage-2021.bin'") == [(2021,)]
    assert parsed_figures(tmp_path)[f"mine/sub/report-{r.year}.html"] == (r.year, r.metrics["apps.new_received.total"])
    fetched, again = run_batch(tmp_path, policy())
    assert fetched.not_modified == 3 and fetched.fetched == 0   # local files: unchanged by hash
    assert again.parsed == 2 and again.quarantined == 2      # the quarantine is retried, the good one is not
    assert query(tmp_path, "select max(attempts) from raw.quarantine") == [(2,)]


def test_a_page_saved_complete_is_one_report_not_its_companion_files(tmp_path):
    """A browser's "complete" save: 「报告.html」 and 「报告_files/」 with its styles, scripts and
    pictures. Every file was a report of its own (a stylesheet 「not an annual report」, a logo
    OCR'd); the page is the report, its folder's pictures are read as its attachments when it
    shows them, and styles and scripts are no documents anywhere."""
    r = next(iter(REPORTS.values()))
    docs = tmp_path / "docs"
    (docs / f"{r.year}年报告_files").mkdir(parents=True)
    (docs / f"{r.year}年报告.html").write_text(samples.render_html(r), encoding="utf-8")
    (docs / f"{r.year}年报告_files" / "style.css").write_text("body { color: #333 }")
    (docs / f"{r.year}年报告_files" / "jquery.js").write_text("var $ = 1;")
    (docs / f"{r.year}年报告_files" / "notes.txt").write_text("某县人民政府2020年政府信息公开工作年度报告", encoding="utf-8")
    (docs / "site.css").write_text("p { margin: 0 }")
    (docs / "others_files").mkdir()   # no page 「others.html」 beside it: its files are read
    other = list(REPORTS.values())[1]
    (docs / "others_files" / f"report-{other.year}.html").write_text(samples.render_html(other), encoding="utf-8")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "local.csv").write_text("source_id,agency,year,location\nmine,某局,,../docs\n")
    _, parsed = run_batch(tmp_path, policy())
    sources = sorted(s for s, in query(tmp_path, "select source_id from raw.sources where kind = 'discovered'"))
    assert sources == sorted([f"mine/others_files/report-{other.year}.html", f"mine/{r.year}年报告.html"])
    assert parsed.parsed == 2 and parsed.quarantined == 0


def test_a_saved_page_s_pictures_beside_it_are_its_attachments(tmp_path):
    """A page saved complete whose tables are pictures in its companion folder (「报告_files/
    table1.png」, named as the page names them, percent-encoded or not): the page's pictures are
    its attachments, read by OCR, as a live page's are; nothing of the web is fetched for it (its
    other pictures' addresses are the web's)."""
    report = next(r for r in samples.generate_panel(seed=11, agencies=1) if r.layout == "2021")
    docs = tmp_path / "docs"
    for path, data in forms.saved_page_with_table_pictures(report).items():
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_bytes(data)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "local.csv").write_text("source_id,agency,year,location\nmine,某局,,../docs\n")
    fetched, parsed = run_batch(tmp_path, policy())
    attachments = query(tmp_path, "select location from raw.sources where kind = 'attachment' order by location")
    assert len(attachments) == 3 and all("/报告_files/table" in location for location, in attachments)
    assert fetched.failed == 0 and parsed.quarantined == 0
    values = query(tmp_path, "select count(*) from raw.metric_values")[0][0]
    assert values >= 150   # the three tables' cells, by OCR


def test_selection_refreshes_one_year_or_one_site(tmp_path, site):
    keys = sorted(REPORTS)[:3]
    links = "".join(f'<a href="/r/{k}.html">{REPORTS[k].year}年政府信息公开工作年度报告</a>' for k in keys)
    site.page("/list.html", f"<html><body>{links}</body></html>")
    for k in keys:
        site.page(f"/r/{k}.html", html_of(k))
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "s.csv").write_text(
        f"source_id,agency,year,location,kind\nlist,某局,,{site.base}/list.html,listing\n")
    year = REPORTS[keys[1]].year
    run_batch(tmp_path, policy(), Selection(years=(year,)))
    assert [p for _, p, _ in site.log if p.startswith("/r/")] == [f"/r/{keys[1]}.html"]
    assert {y for y, _ in parsed_figures(tmp_path).values()} == {year}
    # All three were discovered and recorded, whatever the selection.
    assert query(tmp_path, "select count(*) from raw.discoveries where role = 'report'") == [(3,)]
    site.log.clear()
    run_batch(tmp_path, policy(), Selection(hosts=("other.example.gov.cn",)))
    assert site.log == []


def test_revalidation_window_skips_recently_verified_reports(tmp_path, site):
    """With ``revalidate_after_days`` a report verified inside the window is not requested
    again; one the catalogue dates on or after its last verification is, and so is a listing
    (how new reports are found). Without the window everything is revalidated (304s)."""
    keys = sorted(REPORTS)[:3]
    for k in keys:
        site.page(f"/r/{k}.html", html_of(k), etag=f'"{k}"')
    site.page("/list.html", f'<html><body><a href="/r/{keys[0]}.html">{REPORTS[keys[0]].year}年政府信息公开工作年度报告</a></body></html>')
    (tmp_path / "sources").mkdir()

    def catalogue(updated: dict[str, str]) -> None:
        rows = "".join(f"{k},,,{site.base}/r/{k}.html,report,{updated.get(k, '')}\n" for k in keys)
        (tmp_path / "sources" / "s.csv").write_text(
            f"source_id,agency,year,location,kind,updated\n{rows}list,,,{site.base}/list.html,listing,\n")

    def paths_requested() -> list[str]:
        return sorted(p for _, p, _ in site.log if p != "/robots.txt")

    catalogue({})
    windowed = dataclasses.replace(policy(), revalidate_after_days=7)
    first, _ = run_batch(tmp_path, windowed)
    assert first.fetched == 4 and first.fresh == 0          # nothing verified yet: all requested
    site.log.clear()

    again, _ = run_batch(tmp_path, windowed)
    assert paths_requested() == ["/list.html"]               # the reports were verified just now
    assert again.fresh == 4 and again.requests == 1     # 3 listed, 1 discovered on the listing
    site.log.clear()

    # The site says keys[1] was corrected today: it is requested, the others are not.
    catalogue({keys[1]: wh_now().date().isoformat()})
    dated, _ = run_batch(tmp_path, windowed)
    assert paths_requested() == ["/list.html", f"/r/{keys[1]}.html"]
    assert dated.fresh == 3 and dated.not_modified == 2
    site.log.clear()

    # A catalogue date before the last verification changes nothing; no window: everything.
    catalogue({k: "2020-01-01" for k in keys})
    run_batch(tmp_path, windowed)
    assert paths_requested() == ["/list.html"]
    site.log.clear()
    always, _ = run_batch(tmp_path, policy())
    assert set(paths_requested()) == {"/list.html"} | {f"/r/{k}.html" for k in keys}
    assert always.fresh == 0 and always.not_modified == always.requests


def test_a_bad_updated_date_names_the_row(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "s.csv").write_text(
        "source_id,agency,year,location,kind,updated\na,,,http://x.example/a.html,report,2024-03-05\n"
        "b,,,http://x.example/b.html,report,last spring\n")
    sources, problems = read_catalogue(tmp_path / "sources")
    assert [s.source_id for s in sources] == ["a"] and sources[0].updated.isoformat() == "2024-03-05T00:00:00"
    assert [str(p) for p in problems] == ["s.csv, line 3: updated 'last spring' is not a date "
                                          "(2024-03-05 or an ISO date-time); this row was skipped"]


def test_the_catalogue_years_are_the_years_its_rows_name(tmp_path):
    """The run's partitions come from the year column alone (catalogue_years), read before the
    run: the same years read_catalogue keeps, from GB18030 files too, and no year that is none."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.csv").write_text("source_id,agency,year,location\na,甲,2019,http://x.example/a.html\n"
                                   "b,乙, 2021 ,http://x.example/b.html\nc,丙,,http://x.example/c.html\n"
                                   "d,丁,1999,http://x.example/d.html\ne,戊,twenty,http://x.example/e.html\n"
                                   "f,己,2999,http://x.example/f.html\n", encoding="utf-8")
    (sources / "b.csv").write_bytes("source_id,agency,year,location\ng,某县,2016,http://x.example/g.html\n"
                                    .encode("gb18030"))
    (sources / "c.csv").write_text("id,name,year\nz,x,2010\n")   # not a catalogue: skipped as read_catalogue does
    from orchestration.fetching.catalogue import catalogue_years
    years = catalogue_years(sources)
    assert years == {2016, 2019, 2021}
    assert years == {s.year for s in read_catalogue(sources)[0] if s.year is not None}


# ---- interrupted runs -----------------------------------------------------------------------

def _many_reports(site: Site, n: int) -> list[str]:
    keys = sorted(REPORTS)[:n]
    for k in keys:
        site.page(f"/r/{k}.html", html_of(k), etag=f'"{k}"')
    return keys


def _catalogue_of(tmp_path: Path, site: Site, keys: list[str]) -> None:
    (tmp_path / "sources").mkdir(exist_ok=True)
    (tmp_path / "sources" / "many.csv").write_text(
        "source_id,agency,year,location\n" + "".join(f"{k},,,{site.base}/r/{k}.html\n" for k in keys))


def _complete_and_unique(tmp_path: Path, keys: list[str]) -> None:
    figures = parsed_figures(tmp_path)
    assert {k: figures[k] for k in keys} == {
        k: (REPORTS[k].year, REPORTS[k].metrics["apps.new_received.total"]) for k in keys}
    dupes = query(tmp_path, "select source_id, count(*) from raw.fetch_manifest group by source_id having count(*) > 1")
    assert dupes == []
    assert query(tmp_path, "select count(*) from raw.reports")[0][0] == len(keys)


class Killed(Exception):
    pass


def test_a_batch_interrupted_midway_completes_on_the_next_run(tmp_path, site):
    keys = _many_reports(site, 8)
    _catalogue_of(tmp_path, site, keys)
    seen = []

    def crash_after_three(task, result):
        seen.append(task.source_id)
        if len(seen) == 3:
            raise Killed("killed after three sources")

    with pytest.raises(Killed):
        run_batch(tmp_path, policy(max_workers=1, per_host_concurrency=1), recorder_hook=crash_after_three)
    assert query(tmp_path, "select count(*) from raw.fetch_manifest")[0][0] == 3
    site.log.clear()
    fetched, parsed = run_batch(tmp_path, policy())
    _complete_and_unique(tmp_path, keys)
    # What the first run got comes back as 304s; only the rest is downloaded.
    assert fetched.not_modified == 3 and fetched.fetched == 5
    assert sum(1 for _, p, h in site.log if p.startswith("/r/") and "If-None-Match" in h) == 3


def test_a_killed_process_loses_nothing(tmp_path, site):
    keys = _many_reports(site, 8)
    _catalogue_of(tmp_path, site, keys)
    site.slow = 0.15
    script = textwrap.dedent(f"""
        import duckdb, sys
        sys.path.insert(0, {str(PROJECT_ROOT)!r})
        from orchestration import warehouse as wh
        from orchestration.fetching.batch import run_fetch_batch
        from orchestration.fetching.catalogue import read_catalogue
        from orchestration.fetching.http import FetchPolicy
        from orchestration.fetching.raw_store import RawStore
        from datetime import datetime
        con = duckdb.connect({str(tmp_path / 'warehouse.duckdb')!r})
        wh.ensure_schema(con)
        wh.replace_sources(con, read_catalogue(__import__('pathlib').Path({str(tmp_path / 'sources')!r}))[0], datetime.now())
        run_fetch_batch(con, RawStore(__import__('pathlib').Path({str(tmp_path / 'raw')!r})),
                        FetchPolicy(min_interval_seconds=0.01, max_workers=1, respect_robots=False), log=lambda m: None)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 30
        while len([1 for _, p, _ in site.log if p.startswith("/r/")]) < 4 and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch ended before it could be killed"
        proc.kill()
    finally:
        proc.wait(timeout=30)
    site.slow = 0.0
    run_batch(tmp_path, policy())
    _complete_and_unique(tmp_path, keys)


# ---- politeness, checked alone ----------------------------------------------------------------

def test_rate_limit_holds_with_many_workers(tmp_path, site):
    keys = _many_reports(site, 10)
    _catalogue_of(tmp_path, site, keys)
    interval = 0.1
    run_batch(tmp_path, policy(min_interval_seconds=interval, max_workers=8))
    assert len(site.log) == 11   # robots.txt and ten reports
    assert_polite(site, interval)
    assert site.max_active == 1


def test_concurrency_cap_per_site(tmp_path, site):
    keys = _many_reports(site, 8)
    _catalogue_of(tmp_path, site, keys)
    site.slow = 0.2   # every answer takes 0.2 s, so requests overlap
    run_batch(tmp_path, policy(min_interval_seconds=0.02, max_workers=8, per_host_concurrency=3))
    assert site.max_active == 3
    # Starts are still spaced (connection jitter aside), and the overlap did speed the batch up.
    assert_polite(site, 0.02, slack=0.5)
    arrivals = [t for t, p, _ in site.log if p.startswith("/r/")]
    assert max(arrivals) - min(arrivals) < 7 * 0.2   # one at a time would take at least 7 × 0.2 s


def test_robots_crawl_delay_slows_the_site_down(tmp_path, site):
    site.route("/robots.txt", Reply(200, b"User-agent: disclosure-pipeline\nCrawl-delay: 0.2\nDisallow:\n"))
    keys = _many_reports(site, 3)
    _catalogue_of(tmp_path, site, keys)
    run_batch(tmp_path, policy(min_interval_seconds=0.01))
    assert_polite(site, 0.2)


def test_retry_after_longer_than_allowed_fails_at_once(tmp_path, site):
    site.route("/r.html", Reply(429, headers={"Retry-After": "3600"}))
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "one.csv").write_text(f"source_id,agency,year,location\nr,,,{site.base}/r.html\n")
    run_batch(tmp_path, policy())
    (error,), = query(tmp_path, "select error from raw.fetch_manifest")
    assert "Retry-After 3600 s" in error
    assert len(site.requests("/r.html")) == 1


def test_a_report_page_showing_its_pdf_in_a_viewer_gets_the_pdf_read(tmp_path, site):
    """The page shows the report in pdf.js's viewer (an iframe whose URL names the PDF) and links
    nothing: only the page was fetched, and it read nothing. The PDF the viewer names is now
    fetched as the page's attachment and read; the viewer itself is never requested."""
    key = sorted(REPORTS)[0]
    site.page("/r/2021.html", '<html><body><h1>某区2021年政府信息公开工作年度报告</h1><iframe '
              'src="/pdfjs/web/viewer.html?file=%2Fupload%2F2021%2Freport.pdf" width="100%"></iframe></body></html>')
    site.route("/upload/2021/report.pdf", Reply(200, samples.render_as(report(key), "pdf"),
                                                {"Content-Type": "application/pdf"}))
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "c.csv").write_text(f"source_id,agency,year,location\np,某区,2021,{site.base}/r/2021.html\n")
    run_batch(tmp_path, policy(respect_robots=False))
    attachments = dict(query(tmp_path, "select location, source_id from raw.sources where kind = 'attachment'"))
    pdf = attachments[site.base + "/upload/2021/report.pdf"]
    assert parsed_figures(tmp_path)[pdf] == (report(key).year, report(key).metrics["apps.new_received.total"])
    assert not site.requests("/pdfjs/web/viewer.html")


def test_attachments_past_the_cap_are_recorded_and_said(tmp_path, site):
    links = "".join(f'<a href="/files/annex-{i}.pdf">附件{i}</a>' for i in range(3))
    site.page("/r/page.html", f"<html><body>某县2021年政府信息公开工作年度报告 {links}</body></html>")
    for i in range(3):
        site.route(f"/files/annex-{i}.pdf", Reply(200, b"%PDF-1.4 annex", {"Content-Type": "application/pdf"}))
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "c.csv").write_text(f"source_id,agency,year,location\np,某县,2021,{site.base}/r/page.html\n")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        wh.ensure_schema(con)
        wh.replace_sources(con, read_catalogue(tmp_path / "sources")[0], wh_now())
        logs = []
        run_fetch_batch(con, RawStore(tmp_path / "raw"), policy(max_attachments=2, respect_robots=False),
                        log=logs.append)
        roles = con.execute("select role, count(*) from raw.discoveries group by role order by role").fetchall()
        attachments = con.execute("select count(*) from raw.sources where kind = 'attachment'").fetchone()[0]
    finally:
        con.close()
    assert roles == [("attachment", 2), ("attachment_skipped", 1)] and attachments == 2
    assert any("3 attachments, 2 followed" in line for line in logs)
    assert not site.requests("/files/annex-2.pdf")


def test_pages_that_only_send_the_browser_on_are_followed(tmp_path, site):
    """A catalogue's report URL that answers with a page saying 「正在跳转」 and a refresh (a moved
    report, a CMS's stub), which sends on to a page whose script sets the location, which sends
    on to the report: only the first page was fetched, and it read nothing. Each page's target is
    now fetched as the report page (a derived source of the page before it), up to three in a
    row; a pair that send to each other stops there. A listing's address that refreshes to the
    listing reads the listing."""
    keys = sorted(REPORTS)
    site.page("/old/2021.html", '<html><head><meta http-equiv="refresh" content="0; url=/stub/2021.html">'
              "</head><body>页面正在跳转……</body></html>")
    site.page("/stub/2021.html", '<html><body><script>window.location.href="/art/2021/report.html";</script></body></html>')
    site.page("/art/2021/report.html", html_of(keys[0]))
    site.page("/loop/a.html", '<html><head><meta http-equiv="refresh" content="0;url=b.html"></head></html>')
    site.page("/loop/b.html", '<html><head><meta http-equiv="refresh" content="0;url=a.html"></head></html>')
    site.page("/ndbg/", '<html><head><meta http-equiv="refresh" content="0; url=/ndbg/index.html"></head></html>')
    site.page("/ndbg/index.html", f'<html><body><a href="/art/2022/report.html">{report(keys[1]).title}</a></body></html>')
    site.page("/art/2022/report.html", html_of(keys[1]))
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "c.csv").write_text(
        "source_id,agency,year,location,kind\n"
        f"moved,某区,2021,{site.base}/old/2021.html,report\n"
        f"loop,某区,2021,{site.base}/loop/a.html,report\n"
        f"list,某区,,{site.base}/ndbg/,listing\n")
    run_batch(tmp_path, policy(respect_robots=False))
    figures = parsed_figures(tmp_path)
    moved = [s for s in figures if s.startswith("moved/") and s.count("/to-") == 2]
    assert len(moved) == 1 and figures[moved[0]] == (report(keys[0]).year,
                                                      report(keys[0]).metrics["apps.new_received.total"])
    listed = [s for s in figures if s.startswith("list/")]
    assert [figures[s] for s in listed] == [(report(keys[1]).year, report(keys[1]).metrics["apps.new_received.total"])]
    roles = dict(query(tmp_path, "select derived_source_id, role from raw.discoveries where role = 'redirect'"))
    assert len([s for s in roles if s.startswith("moved/")]) == 2
    loop = [s for s in roles if s.startswith("loop/")]
    assert len(loop) == 3 and max(s.count("/to-") for s in loop) == 3   # three hops, then no more
    assert len(site.requests("/loop/a.html")) == 2 and len(site.requests("/loop/b.html")) == 2
