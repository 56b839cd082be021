"""The whole pipeline, materialised for real into a temporary folder: fetch (local and HTTP),
parse, load, dbt build, the R1 Great Expectations check, publish."""
from __future__ import annotations

import csv
import functools
import http.server
import threading
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import materialise_all
from orchestration.synthetic import samples

# Every raw table but raw.fetch_attempts, which is append-only by design (one row per fetch of
# a URL, so a second run adds its attempts there; the "adds nothing" check below excludes it).
RAW_TABLES = ("sources", "fetch_manifest", "discoveries", "quarantine", "reports", "metric_values", "parse_issues")


@pytest.fixture
def http_server(tmp_path):
    """A real HTTP server on loopback serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _catalogue(data_dir: Path, reports, extra_rows=()):
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv", reports)
    if extra_rows:
        with (data_dir / "sources" / "extra.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source_id", "agency", "year", "location"])
            writer.writerows(extra_rows)


def _counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in RAW_TABLES}
    finally:
        con.close()


def _check(result, name):
    evaluations = [e.event_specific_data for e in result.all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == name]
    assert len(evaluations) == 1
    return evaluations[0]


def test_full_pipeline_end_to_end(pipeline_env, http_server):
    data_dir = pipeline_env
    www, base_url = http_server
    reports = samples.generate_panel(agencies=2, years=range(2020, 2023))
    _catalogue(data_dir, reports[1:])
    # The first report is served over HTTP; a 404, a missing file and garbage bytes join it.
    (www / reports[0].filename).write_text(samples.render(reports[0]), encoding="utf-8")
    (data_dir / "garbage.bin").write_bytes(bytes(range(256)) * 20)
    _catalogue(data_dir, reports[1:], extra_rows=[
        ["http-report", reports[0].agency, reports[0].year, f"{base_url}/{reports[0].filename}"],
        ["http-missing", "某局", 2021, f"{base_url}/no-such-report.html"],
        ["local-missing", "某局", 2021, "../no-such-file.html"],
        ["local-garbage", "某局", 2021, "../garbage.bin"],
    ])

    result = materialise_all(log_level="WARNING")
    assert result.success

    warehouse = data_dir / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        failures = dict(con.execute("select source_id, error from raw.fetch_manifest where outcome = 'failed'").fetchall())
        assert set(failures) == {"http-missing", "local-missing"}
        assert "404" in failures["http-missing"] and "no such file" in failures["local-missing"]
        garbage_issues = con.execute(
            "select i.code from raw.parse_issues i join raw.fetch_manifest f on f.sha256 = i.sha256 "
            "where f.source_id = 'local-garbage'").fetchall()
        assert ("unreadable",) in garbage_issues
        # Every good report reached the mart with its figures, the HTTP one included.
        rows = con.execute("select agency, year, applications_received, granted, r1_status "
                           "from marts.mart_agency_year where agency != '某局' order by agency, year").fetchall()
        expected = sorted((r.agency, r.year, r.metrics["apps.new_received.total"],
                           r.metrics["apps.granted.total"], "pass") for r in reports)
        assert rows == expected
        # The unreadable document stays visible: its row says what could not be read.
        assert con.execute("select applications_received, r1_status, parse_issue_count > 0 "
                           "from marts.mart_agency_year where agency = '某局'").fetchall() == [(None, "not_assessable", True)]
        value = con.execute("select value, method, row_label, column_label from marts.fct_disclosure_metrics "
                            "where source_id = 'http-report' and metric_key = 'apps.new_received.total'").fetchone()
        assert value[0] == reports[0].metrics["apps.new_received.total"] and value[3] == "总计"
    finally:
        con.close()

    check = _check(result, "rule_r1_table_three_balance")
    assert check.passed
    assert check.metadata["reports_failed"].value == 0
    assert check.metadata["reports_passed"].value == len(reports)

    published = data_dir / "published"
    assert (published / "parquet" / "mart_agency_year.parquet").exists()
    pub = duckdb.connect()
    try:
        pub.execute(f"attach '{published / 'mart.duckdb'}' as mart (read_only)")
        assert pub.execute("select count(*) from mart.mart_agency_year").fetchone()[0] == len(reports) + 1
        # Written in the v1.0.0 storage format, so every DuckDB from 1.0 on (BI drivers) opens it.
        tags = pub.execute("select tags from duckdb_databases() where database_name = 'mart'").fetchone()[0]
        assert tags["storage_version"].startswith("v1.0.0")
    finally:
        pub.close()

    # A second materialisation adds nothing.
    before = _counts(warehouse)
    again = materialise_all(log_level="WARNING")
    assert again.success
    assert _counts(warehouse) == before


def test_planted_r1_violation_fails_the_check_and_names_the_report(pipeline_env):
    data_dir = pipeline_env
    reports = samples.generate_panel(agencies=2, years=range(2020, 2022))
    broken = samples.plant_r1_violation(reports[1], column="natural_person")
    _catalogue(data_dir, [reports[0], broken] + reports[2:])

    result = materialise_all(log_level="WARNING")
    assert result.success   # a finding about a report does not stop the mart

    check = _check(result, "rule_r1_table_three_balance")
    assert not check.passed
    assert check.metadata["reports_failed"].value == 1
    assert check.metadata["reports_passed"].value == len(reports) - 1
    failing = [record.data for record in check.metadata["failing_reports"].records]
    assert {(f["agency"], f["year"]) for f in failing} == {(broken.agency, broken.year)}
    assert {f["column"] for f in failing} == {"natural_person"}   # only the planted column breaks
    assert check.metadata["data_docs"].value.startswith("file://")

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        statuses = dict(con.execute("select agency || ' ' || year, r1_status from marts.mart_agency_year").fetchall())
    finally:
        con.close()
    assert statuses.pop(f"{broken.agency} {broken.year}") == "fail"
    assert set(statuses.values()) == {"pass"}
