"""The dashboard renders from a published mart, carries everything inline, and draws in a
real headless Chromium without script errors (a screenshot is saved)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.dashboard import DASHBOARD_FILE, write_dashboard

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture
def published(tmp_path) -> Path:
    """A small published mart with the three tables the dashboard reads."""
    path = tmp_path / "mart.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""create table mart_agency_year as select * from (values
        ('甲县人民政府', 2021, 40.0, 20.0, 5.0, 38.0, 2.0, 1.0, 'pass'),
        ('甲县人民政府', 2022, 55.0, 30.0, 6.0, 50.0, 1.0, 0.0, 'fail'),
        ('乙市教育局', 2022, 12.0, 8.0, 1.0, 12.0, 0.0, 0.0, 'pass'))
        t(agency, year, applications_received, granted, partially_granted, processed_total, reviews, lawsuits, r1_status)""")
    con.execute("""create table fct_disclosure_metrics as select * from (values
        ('甲县人民政府', 2022, 'apps.granted.total', 30.0, 'html_table'),
        ('甲县人民政府', 2022, 'apps.withheld.state_secret.total', 2.0, 'html_table'),
        ('甲县人民政府', 2022, 'apps.other.misc.total', 4.0, 'html_table'),
        ('甲县人民政府', 2022, 'legacy.apps.total', 55.0, 'prose'))
        t(agency, year, metric_key, value, method)""")
    con.execute("""create table mart_reconciliation as select * from (values
        ('甲县人民政府', 2022, 'R1', 'error', 'total', 57.0, 58.0, 'fail'),
        ('甲县人民政府', 2021, 'R1', 'error', 'total', 40.0, 40.0, 'pass'))
        t(agency, year, rule_id, severity, column_key, lhs, rhs, status)""")
    con.close()
    return path


def test_dashboard_is_self_contained_and_carries_the_data(published, tmp_path):
    counts = write_dashboard(published, tmp_path / "out")
    assert counts == {"agency_years": 3, "findings": 1, "agencies": 2}
    page = (tmp_path / "out" / DASHBOARD_FILE).read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)   # nothing to fetch
    assert "Plotly" in page and "乙市教育局" in page
    assert '"outcome": "withheld"' in page and '"outcome": "other"' in page
    assert "legacy.apps.total" not in page   # prose figures are not outcomes


@pytest.mark.skipif(not CHROMIUM and not IN_CI, reason="Chromium is not installed (.ci/run installs it)")
def test_dashboard_draws_in_headless_chromium(published, tmp_path):
    assert CHROMIUM, "CI must have Chromium: .ci/run installs the Debian package"
    write_dashboard(published, tmp_path)
    url = (tmp_path / DASHBOARD_FILE).as_uri()
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=8000", "--window-size=1400,1700"]
    dom = subprocess.run(flags + ["--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    status = re.search(r'id="status"[^>]*data-drawn="(\d+)" data-errors="(\d+)"', dom)
    assert status, "the page's script did not run"
    assert status.groups() == ("5", "0")    # five charts, no script error
    assert "乙市教育局" in dom and "total" in dom   # the findings table lists the failing report
    shot = tmp_path / "dashboard.png"
    subprocess.run(flags + [f"--user-data-dir={tmp_path / 'profile2'}", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000
