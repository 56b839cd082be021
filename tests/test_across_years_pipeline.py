"""The rules across years in the pipeline (docs/degraded-text.md, "Across years in the pipeline").

Generated agency series in a crawler's page text (orchestration.synthetic.degraded): table 二
has no rule within a report, so some of its rows are left open and only the agency's
neighbouring years (R6) settle them. First the step after the parse loop on a warehouse of its
own (parsing/agency_series.py, no Dagster), then one pair of refreshes through the assets and
dbt: the mart holds the settled values with their provenance, a neighbour arriving in the
second refresh settles a row the first left open, and a changed neighbour changes the
report_version of the report it settles."""
from __future__ import annotations

import csv
import datetime
import hashlib
from types import SimpleNamespace

import duckdb
import pytest

from orchestration import warehouse as wh
from orchestration.parsing import PARSER_VERSION, parse_document
from orchestration.parsing.across_years import resolve
from orchestration.parsing.agency_series import settle_across_years
from orchestration.synthetic import samples
from orchestration.synthetic.degraded import render_degraded

NOW = datetime.datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def panel():
    """Three agencies, 2021–2023, 2021 layout: each year's 行政规范性文件 row of table 二 runs
    its three numbers together (「9367」), which no rule within a report can cut."""
    return {(r.slug, r.year): r for r in samples.generate_panel(agencies=3, years=range(2021, 2024))}


def _text(report) -> bytes:
    return render_degraded(report, "crawler").encode("utf-8")


def _store(con, source_id: str, agency: str, year: int, data: bytes) -> str:
    """One catalogue row fetched and parsed, as the fetch and parse stages leave it."""
    sha = hashlib.sha256(data).hexdigest()
    con.execute("""insert into raw.sources (source_id, agency, year, location, catalogue, loaded_at)
                   values (?, ?, ?, ?, 'test.csv', ?) on conflict (source_id) do nothing""",
                [source_id, agency, year, f"{source_id}.txt", NOW])
    con.execute("""insert into raw.fetch_manifest (source_id, location, outcome, fetch_key, sha256, first_seen_at,
                       last_seen_at, attempts) values (?, ?, 'fetched', ?, ?, ?, ?, 1)""",
                [source_id, f"{source_id}.txt", sha, sha, NOW, NOW + datetime.timedelta(seconds=len(data))])
    wh.store_reports(con, [(sha, "text/plain", parse_document(data, f"{source_id}.txt"))], PARSER_VERSION, NOW)
    return sha


def _settled(con) -> dict[tuple[str, str], float]:
    return {(sha, key): value for sha, key, value in
            con.execute("select sha256, metric_key, value from raw.across_years_values").fetchall()}


def test_the_step_settles_what_the_cli_settles_and_only_once(tmp_path, panel):
    """The step gives the values ``disclosure parse`` gives the same documents together (one
    function, across_years.resolve), with the neighbours in raw.across_years; a second run with
    nothing changed re-solves nothing; a neighbour arriving re-solves its agency; a duplicate
    document of a year (the agency's page and its attachment) does not take part."""
    reports = [panel[("yunxi", y)] for y in (2021, 2022, 2023)]
    with wh.connect(tmp_path / "w.duckdb") as con:
        shas = {r.year: _store(con, f"yunxi-{r.year}", r.agency, r.year, _text(r)) for r in reports[:2]}
        assert con.execute("select count(*) from raw.open_rows").fetchone()[0] >= 2   # stored with the report
        counts = settle_across_years(con, NOW, log=lambda line: None)
        assert counts.agencies_resolved == 1 and counts.rows_settled >= 1

        together = [parse_document(_text(r), f"yunxi-{r.year}.txt") for r in reports[:2]]
        alone = [set(p.metrics) for p in together]
        resolve(together)
        expected = {(shas[p.year], k): v for p, before in zip(together, alone) for k, v in p.metrics.items()
                    if k not in before}
        assert expected and _settled(con) == pytest.approx(expected)
        for sha, key in expected:   # and the generator's own numbers
            year = next(y for y, s in shas.items() if s == sha)
            assert _settled(con)[(sha, key)] == panel[("yunxi", year)].metrics[key]
        notes = [n for (n,) in con.execute("select note from raw.across_years_values").fetchall()]
        assert all("fixed across years by R6" in n and "used_rules=R6" in n for n in notes)
        neighbours = dict(con.execute("select year, neighbours from raw.across_years").fetchall())
        assert neighbours[2022] == f"2021:{shas[2021]}@{PARSER_VERSION}"

        assert settle_across_years(con, NOW, log=lambda line: None).agencies_resolved == 0

        # A copy of the 2022 report under another source with fewer values (a page that links
        # its attachment) does not replace the 2022 report in the series.
        _store(con, "yunxi-2022-page", reports[1].agency, 2022, "澜川市云溪区人民政府2022年政府信息公开工作年度报告".encode())
        assert settle_across_years(con, NOW, log=lambda line: None).agencies_resolved == 0

        shas[2023] = _store(con, "yunxi-2023", reports[2].agency, 2023, _text(reports[2]))
        again = settle_across_years(con, NOW, log=lambda line: None)
        assert again.agencies_resolved == 1
        neighbours = dict(con.execute("select year, neighbours from raw.across_years").fetchall())
        assert neighbours[2022] == f"2021:{shas[2021]}@{PARSER_VERSION},2023:{shas[2023]}@{PARSER_VERSION}"
        assert any(sha == shas[2023] for sha, _ in _settled(con))

        # The catalogue drops 2021 and 2023: 2022 has no neighbour left, what it settled goes.
        con.execute("delete from raw.sources where source_id in ('yunxi-2021', 'yunxi-2023')")
        settle_across_years(con, NOW, log=lambda line: None)
        assert not con.execute("select count(*) from raw.across_years").fetchone()[0]
        assert not _settled(con)


def test_the_agency_is_the_catalogue_agency_exactly(tmp_path, panel):
    """Two years filed under names that differ by one character are two agencies: nothing is
    settled across them (dbt's agency identity, which would merge them, is not used here)."""
    a, b = panel[("yunxi", 2021)], panel[("yunxi", 2022)]
    with wh.connect(tmp_path / "w.duckdb") as con:
        _store(con, "a", a.agency, 2021, _text(a))
        _store(con, "b", b.agency.replace("人民政府", "政府"), 2022, _text(b))
        assert settle_across_years(con, NOW, log=lambda line: None).rows_settled == 0
        assert not _settled(con)


# ---- one pair of refreshes through the assets and dbt --------------------------------------------

def _catalogue(data_dir, docs: dict[str, tuple]) -> None:
    folder = data_dir / "docs"
    folder.mkdir(exist_ok=True)
    rows = []
    for source_id, (report, data) in docs.items():
        (folder / f"{source_id}.txt").write_bytes(data)
        rows.append([source_id, report.agency, report.year, f"../docs/{source_id}.txt"])
    with (data_dir / "sources" / "series.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "agency", "year", "location"])
        writer.writerows(rows)


def _mart(data_dir) -> tuple[dict, dict, list]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        values = {(s, k): (float(v), m, n) for s, k, v, m, n in con.execute(
            "select source_id, metric_key, value, method, note from marts.fct_disclosure_metrics "
            "where metric_key like 'active.%'").fetchall()}
        versions = dict(con.execute("select source_id, report_version from intermediate.int_reports_identified").fetchall())
        issues = con.execute(
            "select r.source_id, i.code, i.location from staging.stg_raw__parse_issues i "
            "join intermediate.int_reports_identified r on r.report_id = i.report_id "
            "where i.code in ('ambiguous_split', 'rules_used_to_read')").fetchall()
    finally:
        con.close()
    return values, versions, issues


def _parse_metadata(result) -> dict:
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            if materialization.asset_key.path == ["reports_settled_across_years"]:
                return {k: v.value for k, v in materialization.metadata.items()}
    raise AssertionError("no materialization of reports_settled_across_years")


def test_refreshes_settle_rows_across_years_and_rebuild_on_a_neighbour(pipeline_env, panel):
    from orchestration.cli import materialise_all

    data_dir = pipeline_env
    key = "active.normative_docs.in_force"
    docs = {
        # the middle year of a series: its open row is settled by its neighbours
        **{f"yunxi-{y}": (panel[("yunxi", y)], _text(panel[("yunxi", y)])) for y in (2021, 2022, 2023)},
        # a gap: 2021 and 2023 alone leave their rows open; 2022 arrives in the second refresh
        **{f"zrzy-{y}": (panel[("lanchuan-zrzy", y)], _text(panel[("lanchuan-zrzy", y)])) for y in (2021, 2023)},
        # an HTML report, read whole: its version depends on no neighbour
        "lanchuan-2022": (panel[("lanchuan", 2022)], samples.render_html(panel[("lanchuan", 2022)]).encode("utf-8")),
    }
    _catalogue(data_dir, docs)
    first = materialise_all(log_level="WARNING")
    assert first.success
    values, versions, issues = _mart(data_dir)
    truth = panel[("yunxi", 2022)].metrics
    value, method, note = values[("yunxi-2022", key)]
    assert value == truth[key] and method == "inferred_split"
    assert "fixed across years by R6 with yunxi-2021 (2021), yunxi-2023 (2023)" in note and "used_rules=R6" in note
    assert ("yunxi-2022", "rules_used_to_read") in {(s, c) for s, c, _ in issues}
    assert ("zrzy-2021", key) not in values and ("zrzy-2023", key) not in values
    assert {s for s, c, _ in issues if c == "ambiguous_split"} >= {"zrzy-2021", "zrzy-2023"}
    assert not {s for s, c, _ in issues if c == "ambiguous_split"} & {"yunxi-2021", "yunxi-2022", "yunxi-2023"}
    # the parse asset says how many rows it settled across years: one note per row settled
    settled_rows = {(s, n) for (s, _), (_, _, n) in values.items() if n and "across years" in n}
    assert _parse_metadata(first)["rows_settled_now"] == len(settled_rows) >= 3

    # Second refresh: zrzy's 2022 arrives; yunxi's 2023 is published again with one more
    # sentence (new bytes, the same numbers).
    docs["zrzy-2022"] = (panel[("lanchuan-zrzy", 2022)], _text(panel[("lanchuan-zrzy", 2022)]))
    docs["yunxi-2023"] = (docs["yunxi-2023"][0], docs["yunxi-2023"][1] + " 特此报告。".encode("utf-8"))
    _catalogue(data_dir, docs)
    second = materialise_all(log_level="WARNING")
    assert second.success
    values2, versions2, issues2 = _mart(data_dir)
    for year in (2021, 2023):   # settled by the neighbour that arrived, through its R6 on each side
        value, method, note = values2[(f"zrzy-{year}", key)]
        assert value == panel[("lanchuan-zrzy", year)].metrics[key] and "zrzy-2022 (2022)" in note
    assert not {s for s, c, _ in issues2 if c == "ambiguous_split"} & {"zrzy-2021", "zrzy-2023"}
    assert versions2["zrzy-2021"] != versions["zrzy-2021"]
    # yunxi-2022's own document did not change, its neighbour did: another version, same values
    assert versions2["yunxi-2022"] != versions["yunxi-2022"]
    assert values2[("yunxi-2022", key)][0] == values[("yunxi-2022", key)][0]
    assert versions2["lanchuan-2022"] == versions["lanchuan-2022"]
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:   # nothing was parsed again but the two new documents
        parsed = con.execute("select count(*) from raw.reports where parsed_at > (select min(parsed_at) "
                             "from raw.reports)").fetchone()[0]
    finally:
        con.close()
    assert parsed == 2
