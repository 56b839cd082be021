"""A self-contained HTML dashboard of the published mart: one file, no server, no network.

The page carries plotly.js and its data inline and draws its views in the browser, redrawn by
the filters (agency, years): applications and outcomes by year, per-agency trends, the outcome
mix, reviews and lawsuits, agencies compared, which reports break which rules, and the
scorecard (mart_report_quality: late, undated, off-format, incomplete and repetitive reports).

Its size does not grow with the number of agencies. What it embeds is computed in SQL:

- national totals by year (applications, outcomes, reviews, lawsuits) and the outcome mix by
  year: aggregates over every agency, shown when the filter is "all";
- the rows (by year) of a bounded set of agencies, the ``AGENCY_LIMIT`` with the most
  applications received over all years: the agency filter's choices and the agencies chart;
- failing rule checks as counts by rule and year (for all agencies, and for each embedded
  agency), plus a bounded list of examples: ``FINDING_LIMIT`` spread over the rules and up to
  ``AGENCY_FINDING_LIMIT`` more for each embedded agency.

When a list is cut the page says so and how much is not shown; the full data is in the
published mart (and its Parquet copy) for BI tools. A small mart fits whole: nothing is cut
and no such note appears.

One module on purpose: the queries, the data they hand the page and the page's script that
reads that data are one contract; split, a column renamed in one would break the other silently.
"""
from __future__ import annotations

import html
import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.config import duckdb_memory_limit

DASHBOARD_FILE = "dashboard.html"

# Table 三's result groups, in the order of the national table.
OUTCOMES = ["granted", "partially_granted", "withheld", "unavailable", "not_processed", "other"]
OUTCOME_LABELS = {"granted": "予以公开", "partially_granted": "部分公开", "withheld": "不予公开",
                  "unavailable": "无法提供", "not_processed": "不予处理", "other": "其他处理"}
# The figures of mart_agency_year the charts use.
MEASURES = ["applications_received", "granted", "partially_granted", "reviews", "lawsuits"]

AGENCY_LIMIT = 200          # agencies embedded with their own rows: the filter's choices
FINDING_LIMIT = 500         # example failing checks, spread over the rules
AGENCY_FINDING_LIMIT = 10   # more failing checks for each embedded agency
CHART_AGENCIES = 20         # bars of the agencies chart (what fits its height)


def _num(value):
    """Integral floats as ints: 40 rather than 40.0 in the page (a figure is a count)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if value is not None and not isinstance(value, (int, float, str, bool)):
        return float(value)   # Decimal
    return value


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    """A small table as a list of records."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [{n: _num(v) for n, v in zip(names, row)} for row in cursor.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, list]:
    """A bounded but longer table column by column (the names written once, not per row)."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    out: dict[str, list] = {n: [] for n in names}
    for row in cursor.fetchall():
        for n, v in zip(names, row):
            out[n].append(_num(v))
    return out


# Columns of mart_agency_year shown in the page's table when the published mart has them (an
# older mart lacks some: the page leaves that part out).
TABLE_EXTRAS = ["report_scope", "approximate_indicators", "source_url", "source_title", "rule_status"]

# The scorecard (mart_report_quality, docs/scorecard.md): the columns the page's panel needs,
# and the format verdicts that count as "not the national format of its year".
QUALITY_COLUMNS = ["timeliness", "days_after_deadline", "published_date", "format_conformance",
                   "sections_present", "missing_sections", "repetition", "is_repetitive", "compared_with_year",
                   "rule_errors", "rule_warnings", "rule_infos"]
OFF_FORMAT = ["older_layout", "newer_layout", "no_tables"]

# What each rule says (docs/metrics.md), shown beside the failing reports; for a rule not
# listed here, one of its checks' lhs/rhs descriptions from the mart.
RULE_TEXT = {
    "R1": "table 三: new received + carried over = processed total + carried forward, each column",
    "R2": "table 三: processed total = the sum of the result rows, each column",
    "R3": "table 三: total = natural persons + the legal-person columns, each row",
    "R4": "table 四: upheld + corrected + other + pending = total, each block",
    "R5": "carried over (Y) = carried forward (Y−1), same agency",
    "R6": "normative documents in force (Y) = in force (Y−1) + issued − repealed (2021 table 二)",
    "R7": "table 二 item counts (Y+1) = (Y) + change (2019 layout)",
    "R8": "figures stated in the prose equal the tables' (information)",
    "R9": "counts whole and non-negative; money non-negative",
    "R10": "free-form annex totals = the sum of their parts",
    "R11": "free-form annex cumulative (Y) = cumulative (Y−1) + year (Y)",
}


# Each rule's severity (docs/metrics.md, expectations/reconciliation.py), for a rule the mart has
# no row of yet (R10 and R11 need free-form reports): the page never shows a rule without it.
RULE_SEVERITY = {"R1": "error", "R2": "error", "R3": "error", "R4": "error", "R5": "warning", "R6": "warning",
                 "R7": "warning", "R8": "info", "R9": "error", "R10": "warning", "R11": "warning"}


def _published_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Each published table's columns (information_schema), so the page adapts to the mart."""
    out: dict[str, set[str]] = {}
    for table, column in con.execute("""select table_name, column_name from information_schema.columns
                                        where table_catalog = 'mart'""").fetchall():
        out.setdefault(table, set()).add(column)
    return out


def _rule_order(column: str) -> str:
    """R1, R2 … R10, R11 rather than R1, R10, R11, R2."""
    return f"length({column}), {column}"


def dashboard_data(published_file: Path, agency_limit: int = AGENCY_LIMIT,
                   finding_limit: int = FINDING_LIMIT,
                   agency_finding_limit: int = AGENCY_FINDING_LIMIT) -> dict:
    """What the page shows, read from the published mart (never the live warehouse).

    Aggregates over every agency, plus bounded lists: the size does not depend on how many
    agencies the mart holds."""
    con = duckdb.connect(config={"memory_limit": duckdb_memory_limit()})
    outcome_list = ", ".join(f"'{o}'" for o in OUTCOMES)
    try:
        con.execute(f"attach '{published_file}' as mart (read_only)")
        have = _published_columns(con)
        ay_cols = have.get("mart_agency_year", set())
        # Scope: a jurisdiction's report (report_scope) already counts its own departments
        # (dim_agency.parent_agency_key). An older mart without them: no scope handling, and
        # the page says so.
        scoped = {"agency_key", "report_scope"} <= ay_cols and "parent_agency_key" in have.get("dim_agency", set())
        extra = [c for c in TABLE_EXTRAS if c in ay_cols]
        con.execute(f"""create temp table ay as
            select m.agency, m.year, {", ".join(f"m.{c}" for c in MEASURES)}
                   {"".join(f", m.{c}" for c in extra)},
                   {"d.parent_agency_key, m.agency_key" if scoped else "null as parent_agency_key, null as agency_key"}
            from mart.mart_agency_year m
            {"left join mart.dim_agency d using (agency_key)" if scoped else ""}
            where m.agency is not null and m.year is not null""")
        # The rows the "all" totals add up: never a department whose jurisdiction's report of
        # the same year already counts it.
        con.execute(f"""create temp table counted as
            select * from ay a where not exists (
                select 1 from ay p where p.agency_key = a.parent_agency_key and p.year = a.year
                {"and p.report_scope = 'jurisdiction'" if scoped else "and false"})""")
        # The agencies with the most applications received over all years (ties by name);
        # idx is the agency's position in the page's list of names.
        con.execute(f"""create temp table top_agencies as
            select agency, (row_number() over (order by applications desc, agency) - 1)::integer as idx
            from (select agency, coalesce(sum(applications_received), 0) as applications
                  from ay group by agency)
            order by idx limit {int(agency_limit)}""")
        con.execute(f"""create temp table oc as
            select agency, year, split_part(metric_key, '.', 2) as outcome, sum(value) as value
            from mart.fct_disclosure_metrics
            where metric_key like 'apps.%' and metric_key like '%.total' and method != 'prose'
              and split_part(metric_key, '.', 2) in ({outcome_list})
              and agency is not null and year is not null
            group by all""")
        con.execute("""create temp table fails as
            select rowid as rid, agency, year, rule_id, severity, column_key, lhs, rhs
            from mart.mart_reconciliation where status = 'fail'""")

        totals = _rows(con, """select
            (select count(distinct agency) from ay) as agencies,
            (select count(*) from ay) as agency_years,
            (select count(*) from ay) - (select count(*) from counted) as agency_years_in_a_jurisdiction,
            (select count(*) from fails) as findings,
            (select count(*) from fails where year is null) as findings_without_year""")[0]
        national = _rows(con, f"""
            select year, {", ".join(f"sum({m}) as {m}" for m in MEASURES)}
            from counted group by year order by year""")
        # How many agencies reported each year: a new agency is not a surge of applications.
        reporting = dict(con.execute("select year, count(distinct agency) from ay group by year").fetchall())
        for row in national:
            row["agencies_reporting"] = reporting.get(row["year"], 0)
        outcomes = _rows(con, f"""
            select year, outcome, sum(value) as value from oc group by year, outcome
            order by year, list_position([{outcome_list}], outcome)""")
        rule_counts = _rows(con, f"""
            select rule_id, year, count(distinct row(agency, year)) as reports, count(*) as rows
            from fails where year is not null group by rule_id, year order by {_rule_order("rule_id")}, year""")
        severity = {r["rule_id"]: r["severity"] for r in _rows(con, f"""
            select rule_id, min(severity) as severity from fails group by rule_id
            order by {_rule_order("rule_id")}""")}

        agencies = [r[0] for r in con.execute("select agency from top_agencies order by idx").fetchall()]
        agency_year = _columns(con, f"""
            select t.idx as agency, ay.year, {", ".join(f"ay.{m}" for m in MEASURES)}
                   {"".join(f", ay.{c}" for c in extra)}
            from ay join top_agencies t using (agency) order by t.idx, ay.year""")
        rule_text = {}
        rule_severity = {r["rule_id"]: r["severity"] for r in _rows(con, """
            select rule_id, min(severity) as severity from mart.mart_reconciliation group by rule_id""")}
        if {"lhs_description", "rhs_description"} <= have.get("mart_reconciliation", set()):
            rule_text = {r["rule_id"]: r["text"] for r in _rows(con, """
                select rule_id, any_value(lhs_description || ' = ' || rhs_description) as text
                from mart.mart_reconciliation where lhs_description is not null group by rule_id""")}
        agency_outcomes = _columns(con, f"""
            select t.idx as agency, oc.year,
                   {", ".join(f"sum(value) filter (where outcome = '{o}') as {o}" for o in OUTCOMES)}
            from oc join top_agencies t using (agency) group by t.idx, oc.year order by t.idx, oc.year""")
        agency_rule_counts = _columns(con, f"""
            select t.idx as agency, f.rule_id, f.year, count(*) as rows
            from fails f join top_agencies t using (agency) where f.year is not null
            group by t.idx, f.rule_id, f.year order by t.idx, {_rule_order("f.rule_id")}, f.year""")
        # Examples: the first checks of each rule (by agency, year, column) taken in turn, so
        # every rule is shown; and the first checks of each embedded agency.
        findings = _columns(con, f"""
            with ranked as (
                select *, row_number() over (partition by rule_id order by agency, year, column_key, rid) as n
                from fails where year is not null),
            examples as (select rid from ranked order by n, {_rule_order("rule_id")} limit {int(finding_limit)}),
            per_agency as (
                select rid from (
                    select f.rid, row_number() over (partition by f.agency
                                                     order by {_rule_order("f.rule_id")}, f.year, f.column_key, f.rid) as n
                    from fails f join top_agencies t using (agency) where f.year is not null)
                where n <= {int(agency_finding_limit)})
            select rule_id, agency, year, column_key, lhs, rhs from fails
            where rid in (select rid from examples union select rid from per_agency)
            order by {_rule_order("rule_id")}, agency, year, column_key, rid""")
        quality = _quality(con, have.get("mart_report_quality", set()))
    finally:
        con.close()
    # A listed agency's checks name it by its position in the list, as the other tables do.
    position = {agency: i for i, agency in enumerate(agencies)}
    findings["agency"] = [position.get(a, a) for a in findings["agency"]]
    return {"totals": totals, "years": [r["year"] for r in national],
            "national": national, "outcomes": outcomes, "rule_counts": rule_counts,
            "rule_severity": {**RULE_SEVERITY, **rule_severity, **severity}, "rule_text": {**rule_text, **RULE_TEXT},
            "scope_respected": scoped, "table_columns": extra,
            "agencies": agencies, "agency_year": agency_year, "agency_outcomes": agency_outcomes,
            "agency_rule_counts": agency_rule_counts, "findings": findings,
            "limits": {"agencies": agency_limit, "findings": finding_limit,
                       "agency_findings": agency_finding_limit, "chart_agencies": CHART_AGENCIES},
            "outcome_labels": OUTCOME_LABELS, "quality": quality,
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _quality(con: duckdb.DuckDBPyConnection, columns: set[str]) -> dict | None:
    """The scorecard panel's data: per year, how many reports were late, undated, off the
    national format, incomplete, repetitive or failing an error rule, over every report (what
    the page shows with no agency selected); and the scorecard row of each report of the
    embedded agencies (top_agencies), by the agency's position in the list. None when the
    published mart has no scorecard (an older mart): the page leaves the panel out."""
    if not {"agency", "year", *QUALITY_COLUMNS} <= columns:
        return None
    off_format = ", ".join(f"'{f}'" for f in OFF_FORMAT)
    flags = f"""count(*) as reports,
        count(*) filter (where timeliness = 'on_time') as on_time,
        count(*) filter (where timeliness = 'late') as late,
        count(*) filter (where timeliness is null or timeliness not in ('on_time', 'late')) as unknown_date,
        count(*) filter (where format_conformance in ({off_format})) as off_format,
        count(*) filter (where sections_present < 6) as incomplete,
        count(*) filter (where is_repetitive) as repetitive,
        count(*) filter (where rule_errors > 0) as with_rule_errors"""
    return {
        "by_year": _rows(con, f"""select year, {flags} from mart.mart_report_quality
                                 where year is not null group by year order by year"""),
        "totals": _rows(con, f"select {flags} from mart.mart_report_quality")[0],
        "reports": _columns(con, f"""
            select t.idx as agency, q.year, q.timeliness, q.days_after_deadline,
                   cast(q.published_date as varchar) as published_date, q.format_conformance,
                   q.sections_present, q.missing_sections, round(q.repetition, 3) as repetition, q.is_repetitive,
                   q.compared_with_year, q.rule_errors, q.rule_warnings, q.rule_infos
            from mart.mart_report_quality q join top_agencies t using (agency)
            where q.year is not null order by t.idx, q.year"""),
        "off_format": OFF_FORMAT,
    }


def render_dashboard(data: dict) -> str:
    from plotly.offline import (
        get_plotlyjs,  # the library ships plotly.js: inlined, no CDN
    )

    payload = json.dumps(data, ensure_ascii=False, default=float).replace("</", "<\\/")
    return _PAGE.replace("{{PLOTLY}}", get_plotlyjs()).replace("{{DATA}}", payload).replace(
        "{{GENERATED}}", html.escape(data["generated_at"]))


def write_dashboard(published_file: Path, out_dir: Path) -> dict:
    """Render the dashboard next to the published mart, swapped in atomically. Returns what the
    mart holds (the page shows all of it in its totals, a bounded part of it row by row)."""
    data = dashboard_data(published_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{DASHBOARD_FILE}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(render_dashboard(data), encoding="utf-8")
    os.replace(tmp, out_dir / DASHBOARD_FILE)
    totals = data["totals"]
    return {"agency_years": totals["agency_years"], "findings": totals["findings"],
            "agencies": totals["agencies"]}


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>政府信息公开年度报告 · disclosure dashboard</title>
<style>
  body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; background: #f6f7f9; color: #222; }
  header { background: #1f3a5f; color: #fff; padding: 14px 24px; }
  header h1 { font-size: 20px; margin: 0; }
  header small { opacity: .8; }
  .filters { padding: 12px 24px; background: #fff; border-bottom: 1px solid #ddd; display: flex; gap: 24px; align-items: center; flex-wrap: wrap; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; padding: 16px 24px; }
  .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; min-height: 360px; }
  .wide { grid-column: 1 / span 2; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; }
  th { background: #fafafa; }
  .empty { color: #888; padding: 24px; }
  .note { color: #7a5b00; background: #fff8e1; border: 1px solid #f0e0a8; border-radius: 4px; padding: 6px 10px; font-size: 13px; margin: 6px 0; }
  .note:empty { display: none; }
  .filters .note { flex-basis: 100%; margin: 0; }
  .filters select[multiple] { min-width: 260px; vertical-align: top; }
  .approx { color: #8a5a00; }
  .scroll { max-height: 480px; overflow: auto; }
  button { font-size: 13px; }
</style>
<script>{{PLOTLY}}</script>
</head>
<body>
<header><h1>政府信息公开工作年度报告 · 依申请公开与复议诉讼</h1>
<small>generated {{GENERATED}} from the published mart · <span id="summary"></span></small></header>
<div class="filters">
  <label>机关 agencies (none selected: all; Ctrl/⌘-click for several) <select id="agency" multiple size="5"></select></label>
  <label>年度 from <select id="from"></select></label>
  <label>to <select id="to"></select></label>
  <div class="note" id="agency-note"></div>
</div>
<div class="grid">
  <div class="card wide"><div id="applications"></div><div class="note" id="scope-note"></div></div>
  <div class="card wide"><div id="trends"></div><div class="note" id="trends-note"></div></div>
  <div class="card" id="mix"></div>
  <div class="card" id="reviews"></div>
  <div class="card"><div id="agencies"></div><div class="note" id="agencies-note"></div></div>
  <div class="card" id="rules"></div>
  <div class="card wide"><h3>不符合勾稽关系的报告 · reports that break a rule</h3>
    <div class="note" id="findings-note"></div><div id="findings"></div>
    <h4>What each rule says</h4><ul id="rule-text"></ul></div>
  <div class="card wide" id="quality-card" hidden><div id="quality"></div>
    <div class="note" id="quality-note"></div><div class="scroll" id="quality-table"></div></div>
  <div class="card wide"><h3>机关年度数据 · agency-years <button id="csv">CSV</button></h3>
    <div class="note" id="table-note"></div><div class="scroll" id="table"></div></div>
</div>
<div id="status" hidden></div>
<script>
const DATA = {{DATA}};
const STATUS = {drawn: 0, errors: []};
window.addEventListener("error", e => { STATUS.errors.push(String(e.message)); report(); });

function report() {
  const el = document.getElementById("status");
  el.dataset.drawn = STATUS.drawn; el.dataset.errors = STATUS.errors.length;
  el.textContent = JSON.stringify(STATUS);
}
const esc = v => String(v ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
const fmt = n => Number(n).toLocaleString("en-US");
function options(select, values, all) {
  select.innerHTML = (all ? `<option value="">${all}</option>` : "") +
    values.map(v => `<option value="${esc(v)}">${esc(v)}</option>`).join("");
}
// The longer tables come column by column; the agencies of the embedded ones by position.
function records(columns) {
  const names = Object.keys(columns), n = names.length ? columns[names[0]].length : 0, out = new Array(n);
  for (let i = 0; i < n; i++) { const r = {}; for (const c of names) r[c] = columns[c][i]; out[i] = r; }
  return out;
}
const NAMES = DATA.agencies, OUTCOME_KEYS = Object.keys(DATA.outcome_labels), TOTALS = DATA.totals, LIMITS = DATA.limits;
const AGENCY_YEAR = records(DATA.agency_year).map(r => Object.assign(r, {agency: NAMES[r.agency]}));
const AGENCY_OUTCOMES = records(DATA.agency_outcomes).flatMap(r =>
  OUTCOME_KEYS.filter(o => r[o] != null).map(o => ({agency: NAMES[r.agency], year: r.year, outcome: o, value: r[o]})));
const AGENCY_RULES = records(DATA.agency_rule_counts).map(r => Object.assign(r, {agency: NAMES[r.agency], reports: 1}));
const FINDINGS = records(DATA.findings).map(r =>
  Object.assign(r, {agency: typeof r.agency === "number" ? NAMES[r.agency] : r.agency}));
const CUT = NAMES.length < TOTALS.agencies;
// One colour per outcome (and per measure) in every chart, whatever the filter.
const COLORS = {applications_received: "#1f77b4", granted: "#2ca02c", partially_granted: "#98df8a",
  withheld: "#d62728", unavailable: "#9467bd", not_processed: "#8c564b", other: "#7f7f7f",
  reviews: "#ff7f0e", lawsuits: "#17becf", agencies_reporting: "#555555"};
const approxOf = r => String(r.approximate_indicators || "").split(",").map(s => s.trim()).filter(Boolean);
const byRule = (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

document.getElementById("summary").textContent =
  `${fmt(TOTALS.agencies)} agencies, ${fmt(TOTALS.agency_years)} agency-years`;
options(document.getElementById("agency"), [...NAMES].sort());
options(document.getElementById("from"), DATA.years);
options(document.getElementById("to"), DATA.years);
document.getElementById("to").value = DATA.years[DATA.years.length - 1];
if (CUT) document.getElementById("agency-note").textContent =
  `${fmt(TOTALS.agencies)} agencies are in the mart; the list offers the ${fmt(NAMES.length)} with the most ` +
  `applications received over all years (${fmt(TOTALS.agencies - NAMES.length)} not listed). With none selected, ` +
  `the totals count every agency. Every agency's rows are in the published mart (mart.duckdb, table mart_agency_year; ` +
  `parquet/mart_agency_year.parquet) for BI tools.`;

function sumBy(rows, key, field) {
  const out = new Map();
  for (const r of rows) out.set(r[key], (out.get(r[key]) || 0) + (r[field] || 0));
  return out;
}
function draw(id, traces, layout) {
  layout.title = {text: layout.title};   // plotly.js 3 takes the title as an object
  Plotly.react(id, traces, Object.assign({height: 450, margin: {t: 40, r: 10, l: 50, b: 40}, legend: {orientation: "h"}}, layout),
               {displaylogo: false, responsive: true, displayModeBar: false});
  STATUS.drawn += 1;
}
function render() {
  STATUS.drawn = 0;
  const chosen = new Set([...document.getElementById("agency").selectedOptions].map(o => o.value));
  const agency = chosen.size > 0;
  const from = +document.getElementById("from").value, to = +document.getElementById("to").value;
  const inYears = r => r.year >= from && r.year <= to;
  const mine = r => (!agency || chosen.has(r.agency)) && inYears(r);
  // All agencies: the national aggregates; one agency: its own rows.
  const ay = agency ? AGENCY_YEAR.filter(mine) : DATA.national.filter(inYears);
  const oc = agency ? AGENCY_OUTCOMES.filter(mine) : DATA.outcomes.filter(inYears);
  const rc = agency ? AGENCY_RULES.filter(mine) : DATA.rule_counts.filter(inYears);
  const fi = FINDINGS.filter(mine);

  const ys = [...new Set(ay.map(r => r.year))].sort((a, b) => a - b);
  const series = f => { const m = sumBy(ay, "year", f); return ys.map(y => m.get(y) || 0); };
  const reportingTrace = agency ? [] : [{type: "scatter", mode: "lines+markers", name: "报送机关数 agencies reporting",
    x: ys, y: ys.map(y => (DATA.national.find(r => r.year === y) || {}).agencies_reporting || 0), yaxis: "y2",
    line: {color: COLORS.agencies_reporting, dash: "dot"}}];
  draw("applications", [
    {type: "bar", name: "本年新收 received", x: ys, y: series("applications_received"), marker: {color: COLORS.applications_received}},
    {type: "bar", name: "予以公开 granted", x: ys, y: series("granted"), marker: {color: COLORS.granted}},
    {type: "bar", name: "部分公开 partially granted", x: ys, y: series("partially_granted"), marker: {color: COLORS.partially_granted}},
    ...reportingTrace,
  ], {title: "申请与办理结果 · applications and outcomes by year", barmode: "group", xaxis: {dtick: 1},
      yaxis2: {overlaying: "y", side: "right", rangemode: "tozero", tickformat: "d", title: {text: "agencies reporting"}, showgrid: false},
      margin: {t: 40, r: 60, l: 50, b: 40}});
  document.getElementById("scope-note").textContent = agency
    ? `Sums of the ${chosen.size} selected agencies' own reports.`
    : (DATA.scope_respected
       ? `Totals never add a jurisdiction's report to its own departments: ${fmt(TOTALS.agency_years_in_a_jurisdiction)} ` +
         `agency-years of departments whose jurisdiction's report of the same year already counts them are left out of the totals.`
       : `This mart does not say which reports cover a whole jurisdiction (no report_scope / parent_agency_key): ` +
         `the totals add every agency's report.`);

  // Per-agency trends: the selected agencies, else the first five of the list.
  const trendAgencies = agency ? [...chosen] : NAMES.slice(0, 5);
  draw("trends", trendAgencies.map(a => {
    const rows = AGENCY_YEAR.filter(r => r.agency === a && inYears(r)).sort((p, q) => p.year - q.year);
    const approx = rows.map(r => approxOf(r).includes("applications_received"));
    return {type: "scatter", mode: "lines+markers", name: a, x: rows.map(r => r.year), y: rows.map(r => r.applications_received),
            marker: {symbol: approx.map(x => x ? "circle-open" : "circle"), size: approx.map(x => x ? 11 : 7)},
            text: approx.map(x => x ? "≈ approximate (free-form report)" : ""), hovertemplate: "%{x}: %{y} %{text}<extra>%{fullData.name}</extra>"};
  }), {title: "机关趋势 · applications received, per agency (open circles: approximate)", xaxis: {dtick: 1}});
  document.getElementById("trends-note").textContent = (agency ? "" :
    "No agency selected: the five with the most applications; select agencies above to compare them. ") +
    `Trends and the table cover the ${fmt(NAMES.length)} agencies the page carries` +
    (CUT ? ` (of ${fmt(TOTALS.agencies)}); every agency is in the Parquet files (parquet/mart_agency_year.parquet).` : ".");
  const mix = sumBy(oc, "outcome", "value");
  const outs = OUTCOME_KEYS.filter(o => mix.get(o));
  draw("mix", [{type: "pie", hole: .45, sort: false, labels: outs.map(o => DATA.outcome_labels[o]), values: outs.map(o => mix.get(o)),
                marker: {colors: outs.map(o => COLORS[o])}}],
       {title: "办理结果构成 · outcome mix"});
  draw("reviews", [
    {type: "bar", name: "行政复议 reviews", x: ys, y: series("reviews"), marker: {color: COLORS.reviews}},
    {type: "bar", name: "行政诉讼 lawsuits", x: ys, y: series("lawsuits"), marker: {color: COLORS.lawsuits}},
  ], {title: "复议与诉讼 · reviews and lawsuits", barmode: "group", xaxis: {dtick: 1}});

  const per = sumBy(AGENCY_YEAR.filter(mine), "agency", "applications_received");
  const ranked = [...per.keys()].sort((a, b) => per.get(b) - per.get(a) || (a < b ? -1 : 1));
  const ags = ranked.slice(0, LIMITS.chart_agencies).reverse();
  draw("agencies", [{type: "bar", orientation: "h", x: ags.map(a => per.get(a)), y: ags, marker: {color: COLORS.applications_received}}],
       {title: "机关比较 · applications received by agency", margin: {l: 220, t: 40, r: 10, b: 40}});
  const agencyNotes = [];
  if (ranked.length > ags.length)
    agencyNotes.push(`The ${fmt(ags.length)} agencies with the most applications received in the selected years ` +
                     `(${fmt(ranked.length - ags.length)} more not shown).`);
  if (CUT && !agency)
    agencyNotes.push(`Ranked among the ${fmt(NAMES.length)} agencies with the most applications over all years, ` +
                     `of ${fmt(TOTALS.agencies)} in the mart.`);
  document.getElementById("agencies-note").textContent = agencyNotes.join(" ");

  const failing = sumBy(rc, "rule_id", "reports");
  const rules = [...failing.keys()].filter(r => failing.get(r) > 0).sort(byRule);
  const most = Math.max(0, ...rules.map(r => failing.get(r)));
  draw("rules", [{type: "bar", x: rules, y: rules.map(r => failing.get(r)), marker: {color: "#c0392b"},
                  text: rules.map(r => DATA.rule_text[r] || ""), hovertemplate: "%{x}: %{y} reports<br>%{text}<extra></extra>"}],
       {title: "违反规则的报告数 · reports failing each rule",
        yaxis: Object.assign({rangemode: "tozero"}, most <= 10 ? {dtick: 1} : {}),
        annotations: rules.length ? [] : [{text: "no report in the selection breaks a rule", showarrow: false,
                                           xref: "paper", yref: "paper", x: .5, y: .5}],
        xaxis: {visible: rules.length > 0, type: "category"}});

  const total = rc.reduce((s, r) => s + r.rows, 0);
  const sev = DATA.rule_severity;
  document.getElementById("findings").innerHTML = fi.length ?
    "<table><tr><th>rule</th><th>severity</th><th>agency</th><th>year</th><th>column</th><th>left side</th><th>right side</th></tr>" +
    fi.map(f => `<tr><td>${esc(f.rule_id)}</td><td>${esc(sev[f.rule_id])}</td><td>${esc(f.agency)}</td><td>${esc(f.year)}</td>` +
                `<td>${esc(f.column_key)}</td><td>${esc(f.lhs)}</td><td>${esc(f.rhs)}</td></tr>`).join("") + "</table>"
    : (total ? "" : '<div class="empty">No report in the selection breaks a rule.</div>');
  const findingNotes = [];
  if (total > fi.length)
    findingNotes.push(`${fmt(total)} failing checks in the selection, ${fmt(fi.length)} listed below ` +
      `(${fmt(total - fi.length)} not shown): the page carries up to ${fmt(LIMITS.findings)} examples spread ` +
      `over the rules and up to ${fmt(LIMITS.agency_findings)} for each agency of the list. All of them are in the ` +
      `published mart (mart.duckdb, table mart_reconciliation, status 'fail'; parquet/mart_reconciliation.parquet).`);
  if (TOTALS.findings_without_year && !agency)
    findingNotes.push(`${fmt(TOTALS.findings_without_year)} failing checks of reports without a year are not shown.`);
  document.getElementById("findings-note").textContent = findingNotes.join(" ");
  document.getElementById("rule-text").innerHTML = Object.keys(DATA.rule_text).sort(byRule)
    .map(r => `<li><b>${esc(r)}</b> (${esc(sev[r] || "")}): ${esc(DATA.rule_text[r])}</li>`).join("");
  drawTable(AGENCY_YEAR.filter(mine));
  if (QUALITY) drawQuality(agency ? QUALITY_ROWS.filter(mine) : null, inYears, agency);
  report();
}
// The scorecard panel (mart_report_quality): per year, how many reports had each problem; and
// each report's row. No agency selected: the counts are over every report of the mart.
const QUALITY = DATA.quality;
const QUALITY_ROWS = QUALITY ? records(QUALITY.reports).map(r => Object.assign(r, {agency: NAMES[r.agency]})) : [];
const QUALITY_FLAGS = [["late", "逾期发布 late", "#d62728"], ["unknown_date", "发布日期不详 date unknown", "#bbbbbb"],
  ["off_format", "非当年格式 not the format of its year", "#9467bd"], ["incomplete", "缺少章节 missing sections", "#ff7f0e"],
  ["repetitive", "重复率>50% repeats last year", "#8c564b"], ["with_rule_errors", "勾稽错误 error-rule failures", "#bcbd22"]];
function qualityByYear(rows) {
  const out = new Map();
  for (const r of rows) {
    const y = out.get(r.year) || {year: r.year, reports: 0, on_time: 0, late: 0, unknown_date: 0, off_format: 0,
                                  incomplete: 0, repetitive: 0, with_rule_errors: 0};
    y.reports += 1;
    if (r.timeliness === "on_time") y.on_time += 1; else if (r.timeliness === "late") y.late += 1; else y.unknown_date += 1;
    if (QUALITY.off_format.includes(r.format_conformance)) y.off_format += 1;
    if (r.sections_present < 6) y.incomplete += 1;
    if (r.is_repetitive) y.repetitive += 1;
    if (r.rule_errors > 0) y.with_rule_errors += 1;
    out.set(r.year, y);
  }
  return [...out.values()].sort((a, b) => a.year - b.year);
}
function drawQuality(selected, inYears, agency) {
  document.getElementById("quality-card").hidden = false;
  const byYear = (selected ? qualityByYear(selected) : QUALITY.by_year).filter(inYears);
  const ys = byYear.map(r => r.year);
  draw("quality", [
    ...QUALITY_FLAGS.map(([key, name, color]) => ({type: "bar", name, x: ys, y: byYear.map(r => r[key]), marker: {color}})),
    {type: "scatter", mode: "lines+markers", name: "报告数 reports", x: ys, y: byYear.map(r => r.reports),
     line: {color: "#555555", dash: "dot"}},
  ], {title: "报告质量 · scorecard: reports per year with each finding", barmode: "group", xaxis: {dtick: 1},
      yaxis: Object.assign({rangemode: "tozero", tickformat: "d"},
                           Math.max(0, ...byYear.map(r => r.reports)) <= 10 ? {dtick: 1} : {})});
  const sum = k => byYear.reduce((s, r) => s + r[k], 0);
  document.getElementById("quality-note").textContent =
    `${fmt(sum("reports"))} reports${agency ? " of the selected agencies" : ""} in the selected years: ` +
    `${fmt(sum("on_time"))} on time, ${fmt(sum("late"))} late, ${fmt(sum("unknown_date"))} with no publication date ` +
    `(never counted late); ${fmt(sum("off_format"))} not in the national format of their year; ${fmt(sum("incomplete"))} ` +
    `missing a section; ${fmt(sum("repetitive"))} repeating over 50 % of the agency's previous report; ` +
    `${fmt(sum("with_rule_errors"))} failing an error rule. Informational: a finding is about the report, which stays ` +
    `in every mart (docs/scorecard.md).` + (agency ? "" : ` The rows below are the reports of the ${fmt(NAMES.length)} ` +
    `agencies the page carries; every report is in parquet/mart_report_quality.parquet.`);
  const rows = (selected || QUALITY_ROWS.filter(inYears)).slice()
    .sort((a, b) => (a.agency < b.agency ? -1 : a.agency > b.agency ? 1 : a.year - b.year));
  const pct = v => v == null ? "" : `${(100 * v).toFixed(1)} %`;
  document.getElementById("quality-table").innerHTML = "<table><tr><th>agency</th><th>year</th><th>published</th>" +
    "<th>timeliness</th><th>days after deadline</th><th>format</th><th>sections</th><th>repetition</th>" +
    "<th>errors / warnings / info</th></tr>" +
    rows.map(r => `<tr><td>${esc(r.agency)}</td><td>${esc(r.year)}</td><td>${esc(r.published_date)}</td>` +
      `<td>${esc(r.timeliness)}</td><td>${esc(r.days_after_deadline)}</td><td>${esc(r.format_conformance)}</td>` +
      `<td>${esc(r.sections_present)}/6${r.missing_sections ? " (missing " + esc(r.missing_sections) + ")" : ""}</td>` +
      `<td>${pct(r.repetition)}${r.is_repetitive ? " ⚑" : ""}${r.compared_with_year ? " vs " + esc(r.compared_with_year) : ""}</td>` +
      `<td>${esc(r.rule_errors)} / ${esc(r.rule_warnings)} / ${esc(r.rule_infos)}</td></tr>`).join("") + "</table>";
}
// The agency-year table, its CSV the same rows. Approximate figures (free-form reports) carry ≈.
const TABLE_MEASURES = ["applications_received", "granted", "partially_granted", "reviews", "lawsuits"];
const TABLE_EXTRA = DATA.table_columns.filter(c => !["source_url", "source_title", "approximate_indicators"].includes(c));
let TABLE_ROWS = [];
function drawTable(rows) {
  TABLE_ROWS = [...rows].sort((a, b) => (a.agency < b.agency ? -1 : a.agency > b.agency ? 1 : a.year - b.year));
  const hasSource = DATA.table_columns.includes("source_url");
  const cell = (r, m) => { const v = r[m]; if (v == null) return ""; return approxOf(r).includes(m)
    ? `<span class="approx" title="approximate: read from a free-form report">≈${esc(fmt(v))}</span>` : esc(fmt(v)); };
  const link = r => { const u = r.source_url; if (!u) return ""; const label = esc(r.source_title || u);
    // a local file has no link: its path (relative to its catalogue's folder) is shown beside the title
    return /^https?:\\/\\//.test(u) ? `<a href="${esc(u)}" target="_blank" rel="noopener">${label}</a>`
      : (r.source_title ? `${label} <small>(${esc(u)})</small>` : label); };
  document.getElementById("table").innerHTML = "<table><tr><th>agency</th><th>year</th>" +
    TABLE_MEASURES.map(m => `<th>${esc(m)}</th>`).join("") + TABLE_EXTRA.map(c => `<th>${esc(c)}</th>`).join("") +
    (hasSource ? "<th>source</th>" : "") + "</tr>" +
    TABLE_ROWS.map(r => `<tr><td>${esc(r.agency)}</td><td>${esc(r.year)}</td>` +
      TABLE_MEASURES.map(m => `<td>${cell(r, m)}</td>`).join("") + TABLE_EXTRA.map(c => `<td>${esc(r[c])}</td>`).join("") +
      (hasSource ? `<td>${link(r)}</td>` : "") + "</tr>").join("") + "</table>";
  document.getElementById("table-note").textContent = `${fmt(TABLE_ROWS.length)} agency-years of the agencies the page ` +
    `carries; ≈ marks an approximate figure (a free-form report read through an approximate mapping).` +
    (CUT ? ` The full table is parquet/mart_agency_year.parquet.` : "");
}
function tableCsv() {
  const cols = ["agency", "year", ...TABLE_MEASURES, ...DATA.table_columns];
  const q = v => v == null ? "" : /[",\\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);
  return [cols.join(","), ...TABLE_ROWS.map(r => cols.map(c => q(r[c])).join(","))].join("\\n") + "\\n";
}
document.getElementById("csv").addEventListener("click", () => {
  const blob = new Blob(["\\ufeff" + tableCsv()], {type: "text/csv;charset=utf-8"});
  const a = Object.assign(document.createElement("a"), {href: URL.createObjectURL(blob), download: "agency_years.csv"});
  document.body.appendChild(a); a.click(); a.remove();
});
for (const id of ["agency", "from", "to"]) document.getElementById(id).addEventListener("change", render);
render();
</script>
</body>
</html>
"""
