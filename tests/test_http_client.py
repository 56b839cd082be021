"""The HTTP client against a loopback server that keeps its connections open (HTTP/1.1), as most
sites do: what ``requests`` did for the client before it called urllib3 directly, kept. A
connection serves the next request only when nothing of its response is left unread, a URL's
non-ASCII path goes out quoted as a browser sends it, and compressed bodies come back decoded."""
from __future__ import annotations

import gzip
import http.server
import threading

import pytest

from orchestration.fetching.http import FetchPolicy, HttpClient


class _KeepAliveSite:
    """path → (status, headers, body); counts the TCP connections it accepted."""

    def __init__(self, routes: dict[str, tuple[int, dict, bytes]]):
        self.routes = routes
        self.connections = 0
        self.paths: list[str] = []
        self.accept_encoding: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"   # keep-alive unless a side closes

            def setup(self):
                super().setup()
                site.connections += 1

            def log_message(self, *args):
                pass

            def do_GET(self):
                site.paths.append(self.path)
                site.accept_encoding.append(self.headers.get("Accept-Encoding", ""))
                status, headers, body = site.routes.get(self.path, (404, {}, b"no such page"))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def client():
    return HttpClient(FetchPolicy(min_interval_seconds=0, retries=0, timeout_seconds=5, max_bytes=10_000))


def _page(text: str) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, text.encode("utf-8")


def test_several_fetches_from_one_site_share_one_connection(client):
    site = _KeepAliveSite({f"/{n}.html": _page(f"<p>报告 {n}</p>") for n in range(3)})
    try:
        for n in range(3):
            result = client.get(f"{site.base}/{n}.html", check_robots=False)
            assert result.outcome == "fetched" and result.data == f"<p>报告 {n}</p>".encode("utf-8")
        assert site.connections == 1
    finally:
        site.close()


def test_a_response_left_unread_closes_its_connection(client):
    """A redirect's body, an error page's, a body refused as too large: none is read, so their
    connections are closed; the next response is read whole and right from a new connection."""
    site = _KeepAliveSite({
        "/old.html": (302, {"Location": "/new.html"}, b"moved: " + b"x" * 500),
        "/new.html": _page("<p>新的报告</p>"),
        "/huge.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF" + b"0" * 20_000),
        "/gone.html": (410, {}, b"<p>gone</p>" * 50),
        "/after.html": _page("<p>之后</p>"),
    })
    try:
        moved = client.get(f"{site.base}/old.html", check_robots=False)
        assert (moved.outcome, moved.redirects, moved.data) == ("fetched", 1, "<p>新的报告</p>".encode("utf-8"))
        huge = client.get(f"{site.base}/huge.pdf", check_robots=False)
        assert huge.outcome == "failed" and "larger than 10000 bytes" in huge.error
        gone = client.get(f"{site.base}/gone.html", check_robots=False)
        assert gone.outcome == "failed" and gone.http_status == 410
        after = client.get(f"{site.base}/after.html", check_robots=False)
        assert after.outcome == "fetched" and after.data == "<p>之后</p>".encode("utf-8")
        assert site.connections > 1   # not every request on the first connection
    finally:
        site.close()


def test_a_non_ascii_path_is_sent_quoted(client):
    path = "/%E6%8A%A5%E5%91%8A%202023.html"   # 「报告 2023.html」 as a browser sends it
    site = _KeepAliveSite({path: _page("<p>报告</p>")})
    try:
        result = client.get(f"{site.base}/报告 2023.html", check_robots=False)
        assert result.outcome == "fetched" and site.paths == [path]
        already = client.get(f"{site.base}{path}", check_robots=False)   # quoted once, not twice
        assert already.outcome == "fetched" and site.paths == [path, path]
    finally:
        site.close()


def test_a_compressed_body_comes_back_decoded(client):
    html = "<p>政府信息公开工作年度报告</p>" * 20
    site = _KeepAliveSite({"/report.html": (200, {"Content-Type": "text/html; charset=utf-8",
                                                  "Content-Encoding": "gzip"}, gzip.compress(html.encode("utf-8")))})
    try:
        result = client.get(f"{site.base}/report.html", check_robots=False)
        assert result.outcome == "fetched" and result.data == html.encode("utf-8")
        assert "gzip" in site.accept_encoding[0]
    finally:
        site.close()
