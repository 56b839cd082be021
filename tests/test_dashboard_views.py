"""The dashboard's analyst views over a mart with the published columns of scope, sources and
approximation: totals that never add a jurisdiction to its own departments, agencies reporting
per year, per-agency trends, the table and its CSV, rule descriptions, one colour per outcome."""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.publishing.dashboard import DASHBOARD_FILE, dashboard_data, write_dashboard

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI") == "true"
CITY, DEPT, OTHER = "甲市人民政府", "甲市教育局", "乙县人民政府"


@pytest.fixture
def scoped_mart(tmp_path) -> Path:
    """甲市's 2022 report covers its whole jurisdiction, 教育局 included; in 2021 it covers only
    itself. 乙县 is on its own; its 2021 figure is approximate (a free-form report)."""
    path = tmp_path / "mart.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"""create table dim_agency as select * from (values
        ('ag_city', '{CITY}', null), ('ag_dept', '{DEPT}', 'ag_city'), ('ag_other', '{OTHER}', null))
        t(agency_key, agency, parent_agency_key)""")
    con.execute(f"""create table mart_agency_year as select * from (values
        ('ag_city', '{CITY}', 2021, 100, 60, 10, 3, 1, 'agency', null, 'https://www.jia.gov.cn/2021.html', '甲市2021年报', 'pass'),
        ('ag_city', '{CITY}', 2022, 500, 300, 20, 5, 2, 'jurisdiction', null, 'https://www.jia.gov.cn/2022.html', '甲市2022年报', 'fail'),
        ('ag_dept', '{DEPT}', 2021, 40, 20, 5, 1, 0, 'agency', null, 'https://www.jia.gov.cn/jyj-2021.html', null, 'pass'),
        ('ag_dept', '{DEPT}', 2022, 70, 30, 6, 0, 0, 'agency', null, 'https://www.jia.gov.cn/jyj-2022.html', null, 'pass'),
        ('ag_other', '{OTHER}', 2021, 9, 4, null, 0, 0, null, 'applications_received, granted', 'reports/yi-2021.txt', null, 'pass'),
        ('ag_other', '{OTHER}', 2022, 11, 5, 1, 0, 0, 'agency', null, 'https://yi.gov.cn/2022.pdf', null, 'pass'))
        t(agency_key, agency, year, applications_received, granted, partially_granted, reviews, lawsuits,
          report_scope, approximate_indicators, source_url, source_title, rule_status)""")
    con.execute(f"""create table fct_disclosure_metrics as select * from (values
        ('{CITY}', 2022, 'apps.granted.total', 300.0, 'html_table'),
        ('{CITY}', 2022, 'apps.withheld.state_secret.total', 20.0, 'html_table'))
        t(agency, year, metric_key, value, method)""")
    con.execute(f"""create table mart_reconciliation as select * from (values
        ('{CITY}', 2022, 'R1', 'error', 'total', 520.0, 521.0, 'fail', '本年新收 + 上年结转', '办理总计 + 结转下年'),
        ('{CITY}', 2022, 'R12', 'warning', 'total', 1.0, 1.0, 'pass', '新规则左', '新规则右'))
        t(agency, year, rule_id, severity, column_key, lhs, rhs, status, lhs_description, rhs_description)""")
    # The scorecard: 2021 has a late, an undated and an on-time report, two off the format of
    # their year and one missing sections; 2022 two repetitive reports and one with an error rule.
    con.execute(f"""create table mart_report_quality as select * from (values
        ('{CITY}', 2021, 'late', 12, date '2022-04-12', 'national_format', 6, null, 0.2, false, null, 0, 0, 0),
        ('{CITY}', 2022, 'on_time', -30, date '2023-03-01', 'national_format', 5, '问题及改进', 0.81, true, 2021, 1, 0, 0),
        ('{DEPT}', 2021, 'unknown', null, null, 'older_layout', 6, null, null, null, null, 0, 1, 0),
        ('{DEPT}', 2022, 'on_time', -10, date '2023-01-21', 'national_format', 6, null, 0.1, false, 2021, 0, 0, 0),
        ('{OTHER}', 2021, 'on_time', -5, date '2022-03-26', 'no_tables', 4, '主动公开, 依申请', null, null, null, 0, 0, 0),
        ('{OTHER}', 2022, 'late', 3, date '2023-04-03', 'national_format', 6, null, 0.55, true, 2021, 0, 0, 1))
        t(agency, year, timeliness, days_after_deadline, published_date, format_conformance, sections_present,
          missing_sections, repetition, is_repetitive, compared_with_year, rule_errors, rule_warnings, rule_infos)""")
    con.close()
    return path


def _page_data(page: str) -> dict:
    return json.loads(re.search(r"const DATA = (\{.*?\});\n", page, re.S).group(1).replace("<\\/", "</"))


def test_totals_never_add_a_jurisdiction_to_its_departments(scoped_mart, tmp_path):
    write_dashboard(scoped_mart, tmp_path)
    data = _page_data((tmp_path / DASHBOARD_FILE).read_text(encoding="utf-8"))
    assert data["scope_respected"] is True
    national = {r["year"]: r for r in data["national"]}
    # 2021: three agency reports, none covering another: all added.
    assert national[2021]["applications_received"] == 100 + 40 + 9
    # 2022: 甲市's report covers 教育局, so 教育局's 70 is not added again.
    assert national[2022]["applications_received"] == 500 + 11
    assert data["totals"]["agency_years_in_a_jurisdiction"] == 1
    # How many agencies reported each year, whatever the scope.
    assert {y: r["agencies_reporting"] for y, r in national.items()} == {2021: 3, 2022: 3}


def test_an_older_mart_without_scope_columns_adds_everything(scoped_mart):
    con = duckdb.connect(str(scoped_mart))
    con.execute("alter table mart_agency_year drop column report_scope")
    con.execute("alter table mart_agency_year drop column source_url")
    con.close()
    data = dashboard_data(scoped_mart)
    assert data["scope_respected"] is False and "source_url" not in data["table_columns"]
    assert {r["year"]: r["applications_received"] for r in data["national"]} == {2021: 149, 2022: 581}


def test_page_carries_rule_text_sources_and_approximations(scoped_mart, tmp_path):
    write_dashboard(scoped_mart, tmp_path)
    data = _page_data((tmp_path / DASHBOARD_FILE).read_text(encoding="utf-8"))
    # Every rule is described: the built-in text of docs/metrics.md's rules, else the mart's own
    # description of a rule's two sides; with its severity, failing or not.
    assert data["rule_text"]["R1"].startswith("table 三: new received + carried over")
    assert data["rule_text"]["R12"] == "新规则左 = 新规则右" and data["rule_severity"]["R12"] == "warning"
    assert set(data["table_columns"]) >= {"source_url", "approximate_indicators", "report_scope"}
    rows = data["agency_year"]
    other = data["agencies"].index(OTHER)
    approx = {rows["year"][i]: rows["approximate_indicators"][i] for i in range(len(rows["year"]))
              if rows["agency"][i] == other}
    assert approx == {2021: "applications_received, granted", 2022: None}


QUALITY_FLAGS = ["reports", "on_time", "late", "unknown_date", "off_format", "incomplete", "repetitive",
                 "with_rule_errors"]


def test_scorecard_panel_counts_every_report_and_carries_each_row(scoped_mart, tmp_path):
    write_dashboard(scoped_mart, tmp_path)
    quality = _page_data((tmp_path / DASHBOARD_FILE).read_text(encoding="utf-8"))["quality"]
    by_year = {r["year"]: [r[k] for k in QUALITY_FLAGS] for r in quality["by_year"]}
    # an undated report is "date unknown", never late; older_layout and no_tables are off the format
    assert by_year == {2021: [3, 1, 1, 1, 2, 1, 0, 0], 2022: [3, 2, 1, 0, 0, 1, 2, 1]}
    assert [quality["totals"][k] for k in QUALITY_FLAGS] == [6, 3, 2, 1, 2, 2, 2, 1]
    rows = quality["reports"]
    names = _page_data((tmp_path / DASHBOARD_FILE).read_text(encoding="utf-8"))["agencies"]
    seen = {(names[a], y): (t, f, m, rep) for a, y, t, f, m, rep in zip(
        rows["agency"], rows["year"], rows["timeliness"], rows["format_conformance"], rows["missing_sections"],
        rows["repetition"])}
    assert len(seen) == 6
    assert seen[CITY, 2022] == ("on_time", "national_format", "问题及改进", 0.81)
    assert seen[OTHER, 2021] == ("on_time", "no_tables", "主动公开, 依申请", None)


def test_a_mart_without_the_scorecard_has_no_panel(scoped_mart):
    con = duckdb.connect(str(scoped_mart))
    con.execute("drop table mart_report_quality")
    con.close()
    assert dashboard_data(scoped_mart)["quality"] is None


def _dom(page: Path, tmp_path: Path, extra_script: str = "") -> str:
    if extra_script:
        text = page.read_text(encoding="utf-8").replace("</body>", f"<script>{extra_script}</script></body>")
        page = page.with_name("probe.html")
        page.write_text(text, encoding="utf-8")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / ('profile' + str(len(extra_script)))}", "--virtual-time-budget=8000",
             "--window-size=1400,1700", "--dump-dom", page.as_uri()]
    return subprocess.run(flags, capture_output=True, text=True, timeout=120).stdout


@pytest.mark.skipif(not CHROMIUM and not IN_CI, reason="Chromium is not installed (.ci/run installs it)")
def test_drawn_page_table_csv_trends_and_colours(scoped_mart, tmp_path):
    assert CHROMIUM, "CI must have Chromium: .ci/run installs the Debian package"
    write_dashboard(scoped_mart, tmp_path)
    # Select two agencies, then read what the page drew: its table, its CSV, its traces' colours.
    probe = f"""
      const sel = document.getElementById("agency");
      for (const o of sel.options) o.selected = ["{CITY}", "{OTHER}"].includes(o.value);
      render();
      const traces = id => document.getElementById(id).data.map(t => ({{name: t.name, color: (t.marker || {{}}).color,
                                                                      colors: (t.marker || {{}}).colors, n: (t.x || []).length}}));
      const bars = id => Object.fromEntries(document.getElementById(id).data.map(t => [t.name, t.y]));
      document.body.dataset.probe = JSON.stringify({{csv: tableCsv(), trends: traces("trends"),
        applications: traces("applications"), mix: traces("mix"), reviews: traces("reviews"),
        quality: bars("quality"), qualityRows: document.querySelectorAll("#quality-table tr").length - 1,
        qualityNote: document.getElementById("quality-note").textContent,
        table: document.getElementById("table").innerHTML}});
    """
    dom = _dom(tmp_path / DASHBOARD_FILE, tmp_path, probe)
    # six charts and the scorecard's
    assert re.search(r'data-drawn="7" data-errors="0"', dom), "the page did not draw without errors"
    probe_json = html.unescape(re.search(r'data-probe="([^"]*)"', dom).group(1))
    seen = json.loads(probe_json)
    rows = list(csv.DictReader(io.StringIO(seen["csv"])))
    assert [(r["agency"], r["year"]) for r in rows] == sorted([(CITY, "2021"), (CITY, "2022"), (OTHER, "2021"),
                                                               (OTHER, "2022")])
    by_key = {(r["agency"], r["year"]): r for r in rows}
    assert by_key[CITY, "2022"]["source_url"] == "https://www.jia.gov.cn/2022.html"
    assert by_key[CITY, "2022"]["report_scope"] == "jurisdiction"
    assert by_key[OTHER, "2021"]["approximate_indicators"] == "applications_received, granted"
    # An http source is a link; a local file shows its path, with no link.
    assert 'href="https://www.jia.gov.cn/2022.html"' in seen["table"]
    assert "reports/yi-2021.txt" in seen["table"] and 'href="reports/yi-2021.txt"' not in seen["table"]
    # The scorecard of the two selected agencies: their four reports, counted per year.
    assert seen["qualityRows"] == 4
    assert seen["quality"]["逾期发布 late"] == [1, 1] and seen["quality"]["重复率>50% repeats last year"] == [0, 2]
    assert seen["quality"]["非当年格式 not the format of its year"] == [1, 0]
    assert seen["quality"]["报告数 reports"] == [2, 2]
    assert seen["qualityNote"].startswith("4 reports of the selected agencies in the selected years: 2 on time, 2 late")
    # One trend line per selected agency, each with its years.
    assert {t["name"]: t["n"] for t in seen["trends"]} == {CITY: 2, OTHER: 2}
    # The same outcome has the same colour in every chart.
    granted = {t["color"] for t in seen["applications"] if "granted" in t["name"] and "partially" not in t["name"]}
    assert len(granted) == 1
    mix = seen["mix"][0]["colors"]
    assert mix[0] == granted.pop()   # 予以公开 first in the mix, as in the national table
    # The table marks approximate figures and links http sources; a local path is not a link.
    sel = _dom(tmp_path / DASHBOARD_FILE, tmp_path, probe + "document.body.dataset.done = 1;")
    table = re.search(r'<div class="scroll" id="table">(.*?)</div>', sel, re.S).group(1)
    assert '≈9' in table and '≈4' in table and '≈11' not in table
    assert '<a href="https://www.jia.gov.cn/2022.html"' in table and "reports/yi-2021.txt" in table
    assert '<a href="reports/yi-2021.txt"' not in table
    assert "<b>R12</b> (warning): 新规则左 = 新规则右" in sel   # the rules' text beside the findings
