"""The DuckDB warehouse: the ``raw`` schema the Python stages write and dbt reads.

Every write is keyed on a natural key (an upsert, or a replace of one document's rows), so
materialising twice adds nothing.
DuckDB allows one writing process; the Dagster assets that call this share one pool.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

RAW_DDL = """
create schema if not exists raw;

-- The catalogue as the user wrote it (data/sources/*.csv), one row per source.
create table if not exists raw.sources (
    source_id   varchar primary key,
    agency      varchar,          -- as the user names it; may be null
    year        integer,          -- statistical year the user expects; may be null
    location    varchar not null, -- local path or http(s) URL
    catalogue   varchar not null, -- which csv file listed it
    loaded_at   timestamp not null
);

-- One row per distinct fetch outcome of a source: a new row when the content (sha256) or the
-- failure reason changes; a repeated identical fetch only bumps last_seen_at and attempts.
create table if not exists raw.fetch_manifest (
    source_id     varchar not null,
    location      varchar not null,
    outcome       varchar not null,  -- 'fetched' | 'failed'
    fetch_key     varchar not null,  -- what makes the outcome distinct: sha256, or the error
    sha256        varchar,           -- null when failed
    size_bytes    bigint,
    media_type    varchar,
    http_status   integer,
    error         varchar,           -- why it failed, null when fetched
    first_seen_at timestamp not null,
    last_seen_at  timestamp not null,
    attempts      integer not null,
    primary key (source_id, outcome, fetch_key)
);

-- One row per document (by content hash): what the parser version named here read from it.
-- Re-parsing (a new parser version) replaces the document's rows here and in the two tables below.
create table if not exists raw.reports (
    sha256          varchar primary key,
    parser_version  varchar not null,
    media_type      varchar,
    agency          varchar,   -- issuing body as printed in the document
    year            integer,   -- statistical year read from the document
    template        varchar,   -- '2019' | '2021' | 'freeform' | null when unreadable
    published       date,
    parsed_at       timestamp not null
);

-- Added after the first release: existing warehouses get the column here.
alter table raw.reports add column if not exists scope varchar;  -- agency | jurisdiction | null

-- One row per report and metric key (keys of shared/domain/metrics.md) with provenance.
create table if not exists raw.metric_values (
    sha256        varchar not null,
    metric_key    varchar not null,
    value         double,        -- null: the cell is blank / '/' / '-' in the document
    method        varchar not null, -- html_table | text_cells | ...
    table_name    varchar,       -- '二' | '三' | '四'
    row_label     varchar,       -- as printed
    column_label  varchar,       -- as printed
    raw_text      varchar,       -- the cell text as printed
    location      varchar,       -- line or table/row/column in the document
    note          varchar,       -- annotation kept from the cell, e.g. 其中修订16件
    primary key (sha256, metric_key)
);

-- Everything the parser could not read cleanly, with the place in the document.
create table if not exists raw.parse_issues (
    sha256    varchar not null,
    seq       integer not null,
    code      varchar not null,
    message   varchar not null,
    location  varchar,
    primary key (sha256, seq)
);
"""


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            con.execute(RAW_DDL)
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = ("sources", "fetch_manifest", "reports", "metric_values", "parse_issues")
    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}


def replace_sources(con: duckdb.DuckDBPyConnection, sources, now) -> None:
    """The catalogue as it is now: upsert every listed source, drop the ones no longer listed
    (their fetched documents and parsed reports stay in the warehouse)."""
    con.execute("begin")
    try:
        con.execute("create temp table if not exists listed (source_id varchar)")
        con.execute("delete from listed")
        if sources:
            con.executemany("insert into listed values (?)", [[s.source_id] for s in sources])
            con.executemany(
                """insert into raw.sources values (?, ?, ?, ?, ?, ?)
                   on conflict (source_id) do update set agency = excluded.agency, year = excluded.year,
                       location = excluded.location, catalogue = excluded.catalogue,
                       loaded_at = excluded.loaded_at""",
                [[s.source_id, s.agency, s.year, s.location, s.catalogue, now] for s in sources])
        con.execute("delete from raw.sources where source_id not in (select source_id from listed)")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def record_fetch(con: duckdb.DuckDBPyConnection, result, now) -> bool:
    """One manifest row per distinct outcome of a source; True when the row is new."""
    fetch_key = result.sha256 if result.outcome == "fetched" else (result.error or "unknown error")
    existing = con.execute(
        "select 1 from raw.fetch_manifest where source_id = ? and outcome = ? and fetch_key = ?",
        [result.source_id, result.outcome, fetch_key]).fetchone()
    if existing:
        con.execute(
            """update raw.fetch_manifest set last_seen_at = ?, attempts = attempts + 1, location = ?,
                   http_status = ? where source_id = ? and outcome = ? and fetch_key = ?""",
            [now, result.location, result.http_status, result.source_id, result.outcome, fetch_key])
        return False
    con.execute(
        "insert into raw.fetch_manifest values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        [result.source_id, result.location, result.outcome, fetch_key, result.sha256, result.size_bytes,
         result.media_type, result.http_status, result.error, now, now])
    return True


def documents_to_parse(con: duckdb.DuckDBPyConnection, parser_version: str) -> list[tuple[str, str, str]]:
    """(sha256, media type, location) of each current document not yet parsed by this parser
    version: a source's current document is the content its latest successful fetch returned."""
    return con.execute(
        """with current_documents as (
               select source_id, sha256, media_type, location,
                      row_number() over (partition by source_id
                                         order by last_seen_at desc, first_seen_at desc, fetch_key) as rn
               from raw.fetch_manifest where outcome = 'fetched')
           select distinct on (d.sha256) d.sha256, d.media_type, d.location
           from current_documents d
           left join raw.reports r on r.sha256 = d.sha256 and r.parser_version = ?
           where d.rn = 1 and r.sha256 is null
           order by d.sha256""", [parser_version]).fetchall()


def store_report(con: duckdb.DuckDBPyConnection, sha256: str, media_type: str | None, report,
                 parser_version: str, now) -> None:
    """Replace everything stored for this document with what the parser read now."""
    con.execute("begin")
    try:
        for table in ("metric_values", "parse_issues", "reports"):
            con.execute(f"delete from raw.{table} where sha256 = ?", [sha256])
        con.execute("insert into raw.reports (sha256, parser_version, media_type, agency, year, template, "
                    "published, parsed_at, scope) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [sha256, parser_version, media_type, report.agency, report.year, report.template,
                     report.published, now, report.scope])
        if report.values:
            con.executemany(
                "insert into raw.metric_values values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[sha256, m.key, m.value, m.method, m.table, m.row_label, m.column_label, m.raw_text,
                  m.location, m.note] for m in report.values.values()])
        if report.issues:
            con.executemany("insert into raw.parse_issues values (?, ?, ?, ?, ?)",
                            [[sha256, seq, i.code, i.message, i.location]
                             for seq, i in enumerate(report.issues, start=1)])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
