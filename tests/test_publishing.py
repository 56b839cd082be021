"""The published copy BI tools read: swapped in atomically while a reader holds the old one,
and readable by a DuckDB 1.1 client (BI drivers bundle old DuckDBs)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb

from orchestration.publishing.mart_copy import PUBLISHED_FILE, publish_marts
from tests.conftest import OLD_DUCKDB


def _warehouse(path: Path, rows: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.mart_agency_year as "
                f"select 'agency ' || i as agency, 2000 + i as year, i * 10 as applications_received "
                f"from range({rows}) t(i)")
    con.close()


def test_a_reader_keeps_its_snapshot_while_a_refresh_swaps_the_file(tmp_path):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"
    _warehouse(warehouse, 3)
    publish_marts(warehouse, published)

    reader = duckdb.connect(str(published / PUBLISHED_FILE), read_only=True)
    try:
        before = reader.execute("select count(*), sum(applications_received) from mart_agency_year").fetchone()
        _warehouse(warehouse, 5)
        manifest = publish_marts(warehouse, published)   # the refresh, while the reader is open
        assert manifest["tables"] == {"mart_agency_year": 5}
        # The open reader still sees the whole old snapshot, never a half-written file.
        assert reader.execute("select count(*), sum(applications_received) from mart_agency_year").fetchone() == before
    finally:
        reader.close()
    fresh = duckdb.connect(str(published / PUBLISHED_FILE), read_only=True)
    try:
        assert fresh.execute("select count(*), sum(applications_received) from mart_agency_year").fetchone() == (5, 100)
    finally:
        fresh.close()
    assert not list(published.glob(".*.tmp"))   # nothing half-written left behind
    parquet = duckdb.sql(f"select count(*) from '{published / 'parquet' / 'mart_agency_year.parquet'}'").fetchall()
    assert parquet == [(5,)]


def test_a_duckdb_1x_client_opens_the_published_file(tmp_path, old_duckdb_python):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"
    _warehouse(warehouse, 4)
    publish_marts(warehouse, published)
    script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
              "print(duckdb.__version__, con.execute('select count(*) from mart_agency_year').fetchone()[0])")
    out = subprocess.run([old_duckdb_python, "-c", script, str(published / PUBLISHED_FILE)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    version, count = out.stdout.split()
    assert version == OLD_DUCKDB and count == "4"


def _keyed_warehouse(path: Path, reports: dict[str, tuple[str, list[int]]]) -> None:
    """A warehouse whose marts are a report-keyed table (rows of a report built as a whole
    and tagged with its version, as dbt's report-keyed models are) and a small plain table."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.fct_disclosure_metrics "
                    "(report_id varchar, metric_key varchar, value bigint, report_version varchar)")
        for report_id, (version, values) in reports.items():
            con.executemany("insert into marts.fct_disclosure_metrics values (?, ?, ?, ?)",
                            [[report_id, f"m{i}", v, version] for i, v in enumerate(values)])
        con.execute("create or replace table marts.mart_agency_year as select report_id as agency, "
                    "sum(value) as applications_received from marts.fct_disclosure_metrics group by all")
    finally:
        con.close()


def _rows(path: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").fetchall()
    finally:
        con.close()


def test_a_refresh_that_changed_a_few_reports_syncs_the_previous_copy(tmp_path, old_duckdb_python):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"
    reports = {f"r{i}": (f"v{i}", [i, i + 1, i + 2]) for i in range(50)}
    _keyed_warehouse(warehouse, reports)
    first = publish_marts(warehouse, published, built_with="project-1")
    assert first["publication"]["mode"] == "copied whole"
    assert first["publication"]["why_whole"] == "no previous copy"
    fct_parquet = published / "parquet" / "fct_disclosure_metrics.parquet"

    # nothing changed: nothing removed or added, and the fact table's Parquet file is kept as is
    stamp = fct_parquet.stat().st_mtime_ns
    same = publish_marts(warehouse, published, built_with="project-1")
    assert same["publication"]["mode"] == "synced with the previous copy"
    assert same["publication"]["changes"]["fct_disclosure_metrics"] == {"removed": 0, "added": 0}
    assert fct_parquet.stat().st_mtime_ns == stamp

    # one report corrected (new version, other figures), one withdrawn, two new
    reports["r3"] = ("v3b", [30, 31])
    del reports["r7"]
    reports["r50"], reports["r51"] = ("v50", [5]), ("v51", [6, 7])
    _keyed_warehouse(warehouse, reports)
    synced = publish_marts(warehouse, published, built_with="project-1")
    assert synced["publication"]["mode"] == "synced with the previous copy"
    assert synced["publication"]["changes"]["fct_disclosure_metrics"] == {"removed": 6, "added": 5}
    assert synced["publication"]["changes"]["mart_agency_year"] == {"copied": True}
    for table in ("fct_disclosure_metrics", "mart_agency_year"):
        expected = _rows(warehouse, f"marts.{table}")
        assert _rows(published / PUBLISHED_FILE, table) == expected
        assert duckdb.sql(f"select * from '{published / 'parquet' / (table + '.parquet')}' "
                          "order by all").fetchall() == expected
    assert synced["tables"]["fct_disclosure_metrics"] == 3 * 50 - 3 - 3 + 2 + 1 + 2
    assert not list(published.glob(".*.tmp")) and not list((published / "parquet").glob(".*.tmp"))

    # the synced file is still one every DuckDB from 1.0 on opens
    script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
              "print(con.execute('select count(*), sum(value) from fct_disclosure_metrics').fetchone())")
    out = subprocess.run([old_duckdb_python, "-c", script, str(published / PUBLISHED_FILE)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(_rows(warehouse, "(select count(*), sum(value) from marts.fct_disclosure_metrics)")[0])


def test_the_copy_is_made_whole_when_the_previous_one_cannot_be_the_base(tmp_path):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"
    _keyed_warehouse(warehouse, {"r1": ("v1", [1, 2])})
    publish_marts(warehouse, published, built_with="project-1")

    # another dbt project rebuilt the marts: same versions, maybe other rows
    again = publish_marts(warehouse, published, built_with="project-2")
    assert again["publication"]["why_whole"] == "the marts were built by another version of the dbt project"
    assert publish_marts(warehouse, published)["publication"]["why_whole"] == "no record of what built the marts"
    publish_marts(warehouse, published, built_with="project-2")

    # the file is not the one the manifest describes (a publication cut short, a hand edit)
    con = duckdb.connect(str(published / PUBLISHED_FILE))
    con.execute("insert into fct_disclosure_metrics values ('r9', 'm0', 9, 'v1')")
    con.close()
    parquet = published / "parquet" / "fct_disclosure_metrics.parquet"
    kept = parquet.stat().st_mtime_ns
    whole = publish_marts(warehouse, published, built_with="project-2")
    assert whole["publication"]["why_whole"] == "the previous copy is not the file its manifest describes"
    assert _rows(published / PUBLISHED_FILE, "fct_disclosure_metrics") == _rows(warehouse, "marts.fct_disclosure_metrics")
    # … while the Parquet file, whose rows the table still holds (same versions, same project), is kept
    assert parquet.stat().st_mtime_ns == kept

    # a Parquet file that is not the one published is rewritten even when its table did not change
    duckdb.sql(f"copy (select 1 as x) to '{parquet}' (format parquet)")
    synced = publish_marts(warehouse, published, built_with="project-2")
    assert synced["publication"]["changes"]["fct_disclosure_metrics"] == {"removed": 0, "added": 0}
    assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall() == [(2,)]


def test_a_publication_that_fails_leaves_the_previous_copy_and_no_partial_file(tmp_path, monkeypatch):
    """The DuckDB file and the Parquet files are written in two threads: when one fails, the
    other stops, nothing half-written stays, and the previous copy is still the one published."""
    from orchestration.publishing import mart_copy

    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"
    _keyed_warehouse(warehouse, {f"r{i}": (f"v{i}", [i, i + 1]) for i in range(20)})
    publish_marts(warehouse, published, built_with="project-1")
    before = {p.name: p.read_bytes() for p in published.rglob("*") if p.is_file()}

    _keyed_warehouse(warehouse, {f"r{i}": (f"w{i}", [i, i + 2]) for i in range(25)})

    def broken(con, schema, table, whole):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(mart_copy, "_bring_level", broken)
    try:
        publish_marts(warehouse, published, built_with="project-1")
    except OSError as exc:
        assert "No space left" in str(exc)
    else:
        raise AssertionError("the publication should have failed")
    after = {p.name: p.read_bytes() for p in published.rglob("*") if p.is_file()}
    assert after == before   # the previous copy, manifest and Parquet files, as they were
    assert not list(published.rglob(".*.tmp")) and not list(published.glob(".spill.*"))
