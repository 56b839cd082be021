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
