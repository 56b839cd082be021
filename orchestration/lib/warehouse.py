"""The DuckDB warehouse: the ``raw`` schema the Python stages write and dbt reads.

Every write is an upsert on a natural key, so materialising twice adds nothing.
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

-- One row per parsed document (by content hash) and parser version.
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
