"""The dashboard renders from a published mart, carries everything inline, and draws in a
real headless Chromium without script errors (a screenshot is saved). At national scale
(3,000 agencies written by the tests) its size stays bounded, its aggregates equal the sums of
the mart's rows, and it says what it does not list."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from orchestration.publishing.dashboard import (
    AGENCY_FINDING_LIMIT,
    AGENCY_LIMIT,
    DASHBOARD_FILE,
    FINDING_LIMIT,
    MEASURES,
    OUTCOMES,
    dashboard_data,
    write_dashboard,
)

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
    assert status.groups() == ("6", "0")    # six charts, no script error
    assert "乙市教育局" in dom and "total" in dom   # the findings table lists the failing report
    shot = tmp_path / "dashboard.png"
    subprocess.run(flags + [f"--user-data-dir={tmp_path / 'profile2'}", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000


# --- national scale: the page's size does not grow with the number of agencies -------------

MANY_AGENCIES, MANY_YEARS = 3_000, (2021, 2022, 2023)
# What the page may carry beyond plotly.js and its own markup: bounded whatever the mart holds.
DATA_BUDGET = 400_000
PAGE_BUDGET = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    """A published mart of 3,000 agencies × 3 years in the shapes the dashboard reads, written
    with plain SQL: figures that vary by agency and year (some null), outcome metrics with
    sub-rows, prose and non-total rows (not outcomes), and failing checks for most agencies."""
    path = tmp_path_factory.mktemp("national") / "mart.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"""create table agencies as
        select i, '测试省第' || lpad(i::varchar, 4, '0') || '号人民政府办公室' as agency
        from range({MANY_AGENCIES}) t(i)""")
    con.execute(f"""create table mart_agency_year as
        select agency, year::integer as year,
               case when (i + year) % 17 = 0 then null else ((i * 7919 + year * 31) % 997)::double end as applications_received,
               ((i * 31 + year) % 301)::double as granted,
               case when i % 11 = 0 then null else ((i + year) % 41)::double end as partially_granted,
               ((i * 13 + year) % 900)::double as processed_total,
               ((i + 3 * year) % 7)::double as reviews,
               ((i * 5 + year) % 4)::double as lawsuits,
               case when i % 9 = 0 then 'fail' else 'pass' end as r1_status
        from agencies, (select unnest({list(MANY_YEARS)}) as year)""")
    con.execute(f"""create table fct_disclosure_metrics as
        with m(metric_key, factor) as (values
            ('apps.granted.total', 5), ('apps.partially_granted.total', 3),
            ('apps.withheld.state_secret.total', 1), ('apps.withheld.process_info.total', 2),
            ('apps.unavailable.not_held.total', 4), ('apps.not_processed.duplicate.total', 1),
            ('apps.other.total', 2), ('apps.granted.natural_person', 9), ('legacy.apps.total', 50),
            ('review.total', 7))
        select agency, year::integer as year, metric_key, ((i + year) % 13 * factor)::double as value,
               case when metric_key = 'legacy.apps.total' or (i % 10 = 0 and metric_key = 'apps.granted.total')
                    then 'prose' else 'html_table' end as method
        from agencies, (select unnest({list(MANY_YEARS)}) as year), m
        union all select null, 2022, 'apps.granted.total', 1000.0, 'html_table'""")
    con.execute(f"""create table mart_reconciliation as
        with checks(rule_id, severity, column_key, every) as (values
            ('R1', 'error', 'total', 2), ('R1', 'error', 'natural_person', 3), ('R2', 'error', 'total', 5),
            ('R5', 'warning', 'total', 4), ('R8', 'info', 'apps', 7), ('R10', 'warning', 'active', 13))
        select agency, year::integer as year, rule_id, severity, column_key,
               (i % 50)::double as lhs, (i % 50 + case when (i + year) % every = 0 then 1 else 0 end)::double as rhs,
               case when (i + year) % every = 0 then 'fail' else 'pass' end as status
        from agencies, (select unnest({list(MANY_YEARS)}) as year), checks
        union all select '测试省第0001号人民政府办公室', null, 'R1', 'error', 'total', 1.0, 2.0, 'fail'""")
    con.execute("drop table agencies")
    con.close()
    return path


def _source(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_national_page_stays_small(national, tmp_path):
    from plotly.offline import get_plotlyjs

    counts = write_dashboard(national, tmp_path)
    failing = _source(national, "select count(*) from mart_reconciliation where status = 'fail'")[0][0]
    assert counts == {"agency_years": MANY_AGENCIES * len(MANY_YEARS), "findings": failing,
                      "agencies": MANY_AGENCIES}
    page = (tmp_path / DASHBOARD_FILE).read_bytes()
    data = len(page) - len(get_plotlyjs().encode("utf-8"))
    assert data < DATA_BUDGET, f"{data:,} bytes beside plotly.js"
    assert len(page) < PAGE_BUDGET, f"{len(page):,} bytes"
    assert not re.search(rb"<script[^>]+src=|<link[^>]+href=", page)


def test_national_aggregates_equal_the_sums_of_the_rows(national):
    data = dashboard_data(national)
    rows = _source(national, f"select agency, year, {', '.join(MEASURES)} from mart_agency_year")

    # national totals by year, every agency counted
    expected = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for agency, year, *values in rows:
        for m, v in zip(MEASURES, values):
            expected[year][m] += v or 0
    assert data["years"] == list(MANY_YEARS)
    assert {r["year"]: {m: r[m] for m in MEASURES} for r in data["national"]} == expected
    assert data["totals"]["agencies"] == MANY_AGENCIES
    assert data["totals"]["agency_years"] == len(rows)

    # outcome mix by year: table figures of the six groups only (no prose, no sub-columns, no unknown agency)
    mix = Counter()
    for agency, year, key, value, method in _source(
            national, "select agency, year, metric_key, value, method from fct_disclosure_metrics"):
        parts = key.split(".")
        if (agency and year and parts[0] == "apps" and parts[-1] == "total" and method != "prose"
                and parts[1] in OUTCOMES):
            mix[year, parts[1]] += value
    assert {(r["year"], r["outcome"]): r["value"] for r in data["outcomes"]} == mix

    # failing checks by rule and year: rows, and distinct reports
    fails = _source(national, "select agency, year, rule_id from mart_reconciliation where status = 'fail'")
    by_rule = Counter((rule, year) for agency, year, rule in fails if year is not None)
    reports = Counter((rule, year) for agency, year, rule in set(fails) if year is not None)
    assert {(r["rule_id"], r["year"]): r["rows"] for r in data["rule_counts"]} == by_rule
    assert {(r["rule_id"], r["year"]): r["reports"] for r in data["rule_counts"]} == reports
    assert data["totals"]["findings"] == len(fails)
    assert data["totals"]["findings_without_year"] == 1
    # the mart's rules with their severity, and every rule of docs/metrics.md has one even with no row
    assert {r: data["rule_severity"][r] for r in ("R1", "R2", "R5", "R8", "R10")} == {
        "R1": "error", "R2": "error", "R5": "warning", "R8": "info", "R10": "warning"}
    assert set(data["rule_text"]) <= set(data["rule_severity"])


def test_national_page_embeds_a_bounded_agency_list(national):
    data = dashboard_data(national)
    rows = _source(national, "select agency, year, applications_received, granted from mart_agency_year")
    received = Counter()
    for agency, _, value, _ in rows:
        received[agency] += value or 0
    top = sorted(received, key=lambda a: (-received[a], a))[:AGENCY_LIMIT]
    assert data["agencies"] == top   # the most applications received over all years, in that order

    # the embedded agencies' rows, whole; nobody else's
    ay = data["agency_year"]
    assert len(ay["year"]) == AGENCY_LIMIT * len(MANY_YEARS)
    embedded = {(data["agencies"][i], y): g for i, y, g in zip(ay["agency"], ay["year"], ay["granted"])}
    assert embedded == {(a, y): g for a, y, _, g in rows if a in set(top)}
    assert set(data["agency_outcomes"]["agency"]) == set(range(AGENCY_LIMIT))

    # failing checks of an embedded agency: counted whole, listed up to the limit
    fails = _source(national, "select agency, year, rule_id, column_key from mart_reconciliation "
                              "where status = 'fail' and year is not null")
    per_agency = Counter(a for a, *_ in fails)
    arc = data["agency_rule_counts"]
    counted = Counter()
    for i, n in zip(arc["agency"], arc["rows"]):
        counted[data["agencies"][i]] += n
    assert counted == Counter({a: per_agency[a] for a in top if per_agency[a]})
    listed = Counter(_agency_names(data))
    for agency in top:
        assert listed[agency] >= min(per_agency[agency], AGENCY_FINDING_LIMIT)


def _agency_names(data: dict) -> list:
    """The agencies of the listed checks: a listed agency by its position in data["agencies"]."""
    return [data["agencies"][a] if isinstance(a, int) else a for a in data["findings"]["agency"]]


def test_national_page_lists_a_bounded_sample_of_failing_checks(national):
    data = dashboard_data(national)
    fi = data["findings"]
    fails = _source(national, "select rule_id, agency, year, column_key, lhs, rhs from mart_reconciliation "
                              "where status = 'fail'")
    assert len(fails) > FINDING_LIMIT + AGENCY_FINDING_LIMIT * AGENCY_LIMIT   # the list must be cut
    listed = list(zip(fi["rule_id"], _agency_names(data), fi["year"], fi["column_key"], fi["lhs"], fi["rhs"]))
    assert FINDING_LIMIT <= len(listed) <= FINDING_LIMIT + AGENCY_FINDING_LIMIT * AGENCY_LIMIT
    assert len(set(listed)) == len(listed) and set(listed) <= set(fails)   # real rows, each once
    assert {r for r, *_ in listed} == {r for r, *_ in fails}   # every failing rule has examples
    # the examples are taken in turn from each rule: the rarest rule is listed whole or gets its share
    rare = Counter(r for r, *_ in fails)
    for rule, n in rare.items():
        assert Counter(r for r, *_ in listed)[rule] >= min(n, FINDING_LIMIT // len(rare))


def _dump_dom(page: Path, tmp_path: Path, name: str) -> str:
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / name}", "--virtual-time-budget=8000", "--window-size=1400,1700"]
    return subprocess.run(flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout


def _notes(dom: str) -> dict[str, str]:
    return dict(re.findall(r'class="note" id="([a-z-]+)">([^<]*)</div>', dom))


@pytest.mark.skipif(not CHROMIUM and not IN_CI, reason="Chromium is not installed (.ci/run installs it)")
def test_small_page_says_nothing_is_cut(published, tmp_path):
    assert CHROMIUM, "CI must have Chromium: .ci/run installs the Debian package"
    write_dashboard(published, tmp_path)
    dom = _dump_dom(tmp_path / DASHBOARD_FILE, tmp_path, "profile")
    assert re.search(r'data-drawn="6" data-errors="0"', dom)
    notes = _notes(dom)
    assert {k: notes[k] for k in ("agency-note", "agencies-note", "findings-note")} == \
        {"agency-note": "", "agencies-note": "", "findings-note": ""}
    # An older mart without report_scope / parent_agency_key: the page says the totals add everything.
    assert "does not say which reports cover a whole jurisdiction" in notes["scope-note"]
    assert notes["trends-note"].endswith("the 2 agencies the page carries.")
    assert "2 agencies, 3 agency-years" in dom
    assert '<option value="甲县人民政府">' in dom and '<option value="乙市教育局">' in dom


@pytest.mark.skipif(not CHROMIUM and not IN_CI, reason="Chromium is not installed (.ci/run installs it)")
def test_national_page_draws_and_says_what_is_cut(national, tmp_path):
    assert CHROMIUM, "CI must have Chromium: .ci/run installs the Debian package"
    data = dashboard_data(national)
    write_dashboard(national, tmp_path)
    dom = _dump_dom(tmp_path / DASHBOARD_FILE, tmp_path, "profile")
    assert re.search(r'data-drawn="6" data-errors="0"', dom), "the page did not draw its six charts"
    listed = re.search(r'<select id="agency"[^>]*>(.*?)</select>', dom, re.S).group(1)
    assert listed.count("<option") == AGENCY_LIMIT   # the embedded agencies; none selected is "all"
    notes = _notes(dom)
    assert notes["agency-note"].startswith(
        f"3,000 agencies are in the mart; the list offers the {AGENCY_LIMIT} with the most applications "
        f"received over all years ({3000 - AGENCY_LIMIT:,} not listed).")
    assert "mart_agency_year" in notes["agency-note"]
    assert notes["agencies-note"].startswith(f"The 20 agencies with the most applications received in the "
                                             f"selected years ({AGENCY_LIMIT - 20} more not shown).")
    dated = data["totals"]["findings"] - data["totals"]["findings_without_year"]
    shown = len(data["findings"]["rule_id"])
    assert notes["findings-note"].startswith(
        f"{dated:,} failing checks in the selection, {shown:,} listed below ({dated - shown:,} not shown)")
    assert "1 failing checks of reports without a year are not shown." in notes["findings-note"]
    table = re.search(r'<div id="findings"><table>(.*?)</table>', dom, re.S).group(1)
    assert table.count("<tr>") == shown + 1   # the examples and the table's header
