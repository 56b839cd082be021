"""The published copy of the mart that BI tools read.

BI tools never open the live warehouse: a reader holding it open would block the pipeline's
writer, and BI drivers bundle older DuckDBs (1.0 to 1.3 cannot read the v1.4 format). So each
refresh writes a new file in the v1.0.0 storage format, which every DuckDB from 1.0 on opens,
plus a Parquet file per table, each written aside and swapped in with ``os.replace``: a client
that had the old file open keeps reading the old file, and nobody ever sees half a file.

The copy explains itself: given the dictionary (``dictionary.py``, from the dbt descriptions)
every table and column gets its ``COMMENT``, every Parquet file the same text as key-value
metadata, and ``dictionary.md`` and ``dictionary.csv`` are written beside the files.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.config import duckdb_memory_limit
from orchestration.publishing.dictionary import (
    DICTIONARY_CSV,
    DICTIONARY_MD,
    TableEntry,
    dictionary_csv,
    dictionary_markdown,
    parquet_metadata,
)

PUBLISHED_FILE = "mart.duckdb"
STORAGE_VERSION = "v1.0.0"     # readable by every DuckDB from 1.0 on


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish_marts(warehouse: Path, out_dir: Path, schema: str = "marts",
                  dictionary: dict[str, TableEntry] | None = None) -> dict:
    """Copy every table of ``schema`` to ``out_dir``: ``mart.duckdb`` and ``parquet/<table>.parquet``,
    with the dictionary's comments and metadata (and its files) when one is given."""
    dictionary = dictionary or {}
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = out_dir / "parquet"
    parquet_dir.mkdir(exist_ok=True)
    token = uuid.uuid4().hex[:8]
    tmp_db = out_dir / f".{PUBLISHED_FILE}.{token}.tmp"
    # An in-memory session attaching the warehouse read-only and the new file read-write
    # (a read-only connection could not create the new file). Capped like every DuckDB of the
    # pipeline, spilling beside the published files: copying ten million rows uncapped took GBs.
    spill = out_dir / f".spill.{token}"
    # A copy's row order means nothing (the marts have none): not preserving it lets DuckDB
    # write the Parquet files with both cores (19 → 12 s for the fact table at 100,000 reports).
    con = duckdb.connect(config={"memory_limit": duckdb_memory_limit(), "temp_directory": str(spill),
                                 "preserve_insertion_order": False})
    written: list[Path] = [tmp_db]
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        tables = [row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'warehouse' "
            "and table_schema = ? and table_type = 'BASE TABLE' order by table_name", [schema]).fetchall()]
        if not tables:
            raise RuntimeError(f"no tables in schema {schema!r} of {warehouse}: build the dbt models first")
        con.execute(f"attach '{tmp_db}' as published (storage_version '{STORAGE_VERSION}')")
        counts = {}
        for table in tables:
            con.execute(f'create table published.main."{table}" as select * from warehouse.{schema}."{table}"')
            counts[table] = con.execute(f'select count(*) from warehouse.{schema}."{table}"').fetchone()[0]
            entry = dictionary.get(table)
            if entry is not None:
                _comment(con, entry)
            tmp_parquet = parquet_dir / f".{table}.{token}.tmp"
            written.append(tmp_parquet)
            options = "format parquet"
            if entry is not None:
                options += ", kv_metadata {" + ", ".join(
                    f"{_literal(k)}: {_literal(v)}" for k, v in parquet_metadata(entry).items()) + "}"
            con.execute(f"copy warehouse.{schema}.\"{table}\" to '{tmp_parquet}' ({options})")
        columns = con.execute("select count(*), count(comment) from duckdb_columns() "
                              "where database_name = 'published'").fetchone()
        summary = _warehouse_summary(con)
        con.execute("detach published")
    except Exception:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    os.replace(tmp_db, out_dir / PUBLISHED_FILE)
    for table in tables:
        os.replace(parquet_dir / f".{table}.{token}.tmp", parquet_dir / f"{table}.parquet")
    published = {name: entry for name, entry in dictionary.items() if name in tables}
    if published:
        _write_aside(out_dir / DICTIONARY_CSV, dictionary_csv(published), token)
        _write_aside(out_dir / DICTIONARY_MD, dictionary_markdown(published), token)
    manifest = {"published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "duckdb_file": PUBLISHED_FILE, "storage_version": STORAGE_VERSION,
                "tables": counts, "columns": columns[0], "commented_columns": columns[1],
                "dictionary": [DICTIONARY_MD, DICTIONARY_CSV] if published else [],
                "warehouse": summary}
    _write_aside(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2), token)
    return manifest


def _write_aside(path: Path, text: str, token: str) -> None:
    tmp = path.with_name(f".{path.name}.{token}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _comment(con: duckdb.DuckDBPyConnection, entry: TableEntry) -> int:
    """COMMENT ON the published table and each of its columns the dictionary describes;
    returns the number of columns commented."""
    con.execute(f'comment on table published.main."{entry.name}" is {_literal(entry.comment())}')
    present = {c for (c,) in con.execute(
        "select column_name from duckdb_columns() where database_name = 'published' and table_name = ?",
        [entry.name]).fetchall()}
    done = 0
    for column in entry.columns:
        if column.name in present and column.description:
            con.execute(f'comment on column published.main."{entry.name}"."{column.name}" '
                        f"is {_literal(column.comment())}")
            done += 1
    return done


def _warehouse_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """What the warehouse held when this copy was published (for `disclosure status`, which
    must not open the live warehouse: a reader there would block the pipeline's writer)."""
    summary: dict = {}
    for table in ("sources", "fetch_manifest", "reports", "metric_values", "parse_issues"):
        try:
            summary[f"raw.{table}"] = con.execute(f"select count(*) from warehouse.raw.{table}").fetchone()[0]
        except duckdb.Error:
            continue
    try:
        summary["fetch_outcomes"] = dict(con.execute(
            "select outcome, count(*) from warehouse.raw.fetch_manifest group by outcome order by outcome").fetchall())
    except duckdb.Error:
        pass
    try:
        rules: dict = {}
        for rule, status, n in con.execute(
                "select rule_id, status, count(*) from warehouse.marts.mart_reconciliation "
                "group by all order by all").fetchall():
            rules.setdefault(rule, {})[status] = n
        summary["rules"] = rules
    except duckdb.Error:
        pass
    return summary
