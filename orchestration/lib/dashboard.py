"""A self-contained HTML dashboard of the published mart: one file, no server, no network.

The page carries its data (a few JSON tables read from the published DuckDB file) and
plotly.js inline, and draws five views in the browser so the filters (agency, years) redraw
them all: applications and outcomes by year, the outcome mix, reviews and lawsuits, agencies
compared, and which reports break which rules.
"""
from __future__ import annotations

import html
import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

DASHBOARD_FILE = "dashboard.html"

# Table 三's result groups, in the order of the national table.
OUTCOMES = ["granted", "partially_granted", "withheld", "unavailable", "not_processed", "other"]
OUTCOME_LABELS = {"granted": "予以公开", "partially_granted": "部分公开", "withheld": "不予公开",
                  "unavailable": "无法提供", "not_processed": "不予处理", "other": "其他处理"}


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def dashboard_data(published_file: Path) -> dict:
    """What the page shows, read from the published mart (never the live warehouse)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{published_file}' as mart (read_only)")
        agency_year = _rows(con, """
            select agency, year, applications_received, granted, partially_granted, processed_total,
                   reviews, lawsuits, r1_status
            from mart.mart_agency_year where agency is not null and year is not null
            order by agency, year""")
        outcomes = _rows(con, f"""
            select agency, year, split_part(metric_key, '.', 2) as outcome, sum(value) as value
            from mart.fct_disclosure_metrics
            where metric_key like 'apps.%' and metric_key like '%.total' and method != 'prose'
              and split_part(metric_key, '.', 2) in ({", ".join(f"'{o}'" for o in OUTCOMES)})
              and agency is not null and year is not null
            group by all order by all""")
        findings = _rows(con, """
            select agency, year, rule_id, severity, column_key, lhs, rhs
            from mart.mart_reconciliation where status = 'fail'
            order by rule_id, agency, year, column_key""")
    finally:
        con.close()
    return {"agency_year": agency_year, "outcomes": outcomes, "findings": findings,
            "outcome_labels": OUTCOME_LABELS,
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def render_dashboard(data: dict) -> str:
    from plotly.offline import get_plotlyjs   # the library ships plotly.js: inlined, no CDN

    payload = json.dumps(data, ensure_ascii=False, default=float).replace("</", "<\\/")
    return _PAGE.replace("{{PLOTLY}}", get_plotlyjs()).replace("{{DATA}}", payload).replace(
        "{{GENERATED}}", html.escape(data["generated_at"]))


def write_dashboard(published_file: Path, out_dir: Path) -> dict:
    """Render the dashboard next to the published mart, swapped in atomically."""
    data = dashboard_data(published_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{DASHBOARD_FILE}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(render_dashboard(data), encoding="utf-8")
    os.replace(tmp, out_dir / DASHBOARD_FILE)
    return {"agency_years": len(data["agency_year"]), "findings": len(data["findings"]),
            "agencies": len({r["agency"] for r in data["agency_year"]})}


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
  .filters { padding: 12px 24px; background: #fff; border-bottom: 1px solid #ddd; display: flex; gap: 24px; align-items: center; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; padding: 16px 24px; }
  .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; min-height: 360px; }
  .wide { grid-column: 1 / span 2; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; }
  th { background: #fafafa; }
  .empty { color: #888; padding: 24px; }
</style>
<script>{{PLOTLY}}</script>
</head>
<body>
<header><h1>政府信息公开工作年度报告 · 依申请公开与复议诉讼</h1>
<small>generated {{GENERATED}} from the published mart</small></header>
<div class="filters">
  <label>机关 agency <select id="agency"></select></label>
  <label>年度 from <select id="from"></select></label>
  <label>to <select id="to"></select></label>
</div>
<div class="grid">
  <div class="card wide" id="applications"></div>
  <div class="card" id="mix"></div>
  <div class="card" id="reviews"></div>
  <div class="card" id="agencies"></div>
  <div class="card" id="rules"></div>
  <div class="card wide"><h3>不符合勾稽关系的报告 · reports that break a rule</h3><div id="findings"></div></div>
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
function options(select, values, all) {
  select.innerHTML = (all ? `<option value="">${all}</option>` : "") +
    values.map(v => `<option value="${v}">${v}</option>`).join("");
}
const agencies = [...new Set(DATA.agency_year.map(r => r.agency))].sort();
const years = [...new Set(DATA.agency_year.map(r => r.year))].sort((a, b) => a - b);
options(document.getElementById("agency"), agencies, "全部 all");
options(document.getElementById("from"), years);
options(document.getElementById("to"), years);
document.getElementById("to").value = years[years.length - 1];

function selected(rows) {
  const agency = document.getElementById("agency").value;
  const from = +document.getElementById("from").value, to = +document.getElementById("to").value;
  return rows.filter(r => (!agency || r.agency === agency) && r.year >= from && r.year <= to);
}
function sumBy(rows, key, field) {
  const out = new Map();
  for (const r of rows) out.set(r[key], (out.get(r[key]) || 0) + (r[field] || 0));
  return out;
}
function draw(id, traces, layout) {
  layout.title = {text: layout.title};   // plotly.js 3 takes the title as an object
  Plotly.react(id, traces, Object.assign({margin: {t: 40, r: 10, l: 50, b: 40}, legend: {orientation: "h"}}, layout),
               {displaylogo: false, responsive: true, displayModeBar: false});
  STATUS.drawn += 1;
}
function render() {
  STATUS.drawn = 0;
  const ay = selected(DATA.agency_year), oc = selected(DATA.outcomes), fi = selected(DATA.findings);
  const ys = [...new Set(ay.map(r => r.year))].sort((a, b) => a - b);
  const series = f => { const m = sumBy(ay, "year", f); return ys.map(y => m.get(y) || 0); };
  draw("applications", [
    {type: "bar", name: "本年新收 received", x: ys, y: series("applications_received")},
    {type: "bar", name: "予以公开 granted", x: ys, y: series("granted")},
    {type: "bar", name: "部分公开 partially granted", x: ys, y: series("partially_granted")},
  ], {title: "申请与办理结果 · applications and outcomes by year", barmode: "group", xaxis: {dtick: 1}});
  const mix = sumBy(oc, "outcome", "value");
  const outs = Object.keys(DATA.outcome_labels).filter(o => mix.get(o));
  draw("mix", [{type: "pie", hole: .45, labels: outs.map(o => DATA.outcome_labels[o]), values: outs.map(o => mix.get(o))}],
       {title: "办理结果构成 · outcome mix"});
  draw("reviews", [
    {type: "bar", name: "行政复议 reviews", x: ys, y: series("reviews")},
    {type: "bar", name: "行政诉讼 lawsuits", x: ys, y: series("lawsuits")},
  ], {title: "复议与诉讼 · reviews and lawsuits", barmode: "group", xaxis: {dtick: 1}});
  const per = sumBy(ay, "agency", "applications_received");
  const ags = [...per.keys()].sort((a, b) => per.get(a) - per.get(b));
  draw("agencies", [{type: "bar", orientation: "h", x: ags.map(a => per.get(a)), y: ags}],
       {title: "机关比较 · applications received by agency", margin: {l: 220, t: 40, r: 10, b: 40}});
  const byRule = new Map();
  for (const f of fi) { const k = f.rule_id; byRule.set(k, (byRule.get(k) || new Set()).add(f.agency + " " + f.year)); }
  const rules = [...byRule.keys()].sort();
  draw("rules", [{type: "bar", x: rules, y: rules.map(r => byRule.get(r).size), marker: {color: "#c0392b"}}],
       {title: "违反规则的报告数 · reports failing each rule", yaxis: {dtick: 1, rangemode: "tozero"},
        annotations: rules.length ? [] : [{text: "no report in the selection breaks a rule", showarrow: false,
                                           xref: "paper", yref: "paper", x: .5, y: .5}],
        xaxis: {visible: rules.length > 0}});
  document.getElementById("findings").innerHTML = fi.length ?
    "<table><tr><th>rule</th><th>severity</th><th>agency</th><th>year</th><th>column</th><th>left side</th><th>right side</th></tr>" +
    fi.map(f => `<tr><td>${f.rule_id}</td><td>${f.severity}</td><td>${f.agency}</td><td>${f.year}</td>` +
                `<td>${f.column_key}</td><td>${f.lhs ?? ""}</td><td>${f.rhs ?? ""}</td></tr>`).join("") + "</table>"
    : '<div class="empty">No report in the selection breaks a rule.</div>';
  report();
}
for (const id of ["agency", "from", "to"]) document.getElementById(id).addEventListener("change", render);
render();
</script>
</body>
</html>
"""
