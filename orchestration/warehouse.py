"""The DuckDB warehouse: the ``raw`` schema the Python stages write and dbt reads.

Every write is keyed on a natural key (an upsert, or a replace of one document's rows), so
materialising twice adds nothing.
DuckDB allows one writing process; the Dagster assets that call this share one pool.
It stays one module past 500 lines because it is the one place that knows the raw schema: its
DDL and every write to it side by side, so a column is added where it is written.
"""
from __future__ import annotations

import json
import os
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, NamedTuple

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
alter table raw.reports add column if not exists scope_basis varchar;  -- the words that decided scope
alter table raw.reports add column if not exists title varchar;        -- title line, else the page's title

-- One row per report and metric key (keys of docs/metrics.md) with provenance.
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

# Added for fetching real sites (issue #5). Additive only: columns are added with
# ``add column if not exists`` so a warehouse made by an earlier version upgrades in place, and
# nothing the dbt staging models select is renamed or dropped.
FETCH_DDL = """
-- a local source's path relative to its catalogue's folder (record_catalogue_paths)
alter table raw.sources add column if not exists path_in_catalogue varchar;
-- raw.sources also holds what the fetch stage derived from a catalogue row: report pages
-- discovered on a listing, files of a folder, attachments of a report page.
alter table raw.sources add column if not exists kind varchar;             -- report | listing | folder (catalogue rows); discovered | attachment (derived)
alter table raw.sources add column if not exists parent_source_id varchar; -- the source whose page or folder listed this one; null for catalogue rows
alter table raw.sources add column if not exists origin_source_id varchar; -- the catalogue row it derives from; null for catalogue rows
alter table raw.sources add column if not exists title varchar;            -- the link text it was discovered by
alter table raw.sources add column if not exists discovered_at timestamp;  -- first discovered; null for catalogue rows
alter table raw.sources add column if not exists updated timestamp;        -- catalogue: when the site says it last changed

alter table raw.fetch_manifest add column if not exists document_role varchar; -- listing | report | attachment
alter table raw.fetch_manifest add column if not exists final_url varchar;     -- after redirects
alter table raw.fetch_manifest add column if not exists etag varchar;
alter table raw.fetch_manifest add column if not exists last_modified varchar;
alter table raw.fetch_manifest add column if not exists encoding varchar;      -- how a textual document decodes
alter table raw.fetch_manifest add column if not exists encoding_rule varchar; -- bom | http-header … | meta … | detected … | default utf-8

-- Append-only: one row per fetch of one URL (its retries are in tries and try_log).
create table if not exists raw.fetch_attempts (
    attempt_id    varchar primary key,
    batch_id      varchar not null,  -- one fetch stage run (the Dagster run id under Dagster)
    source_id     varchar not null,
    document_role varchar not null,  -- listing | report | attachment
    url           varchar not null,  -- or local path
    final_url     varchar,
    outcome       varchar not null,  -- fetched | unchanged | not_modified | failed | disallowed
    http_status   integer,
    tries         integer not null,
    try_log       varchar,           -- one entry per try: '1: HTTP 503; 2: fetched 200'
    redirects     integer,
    sha256        varchar,           -- what the URL holds now (the previous hash on a 304)
    size_bytes    bigint,
    media_type    varchar,
    encoding      varchar,
    encoding_rule varchar,
    etag          varchar,
    last_modified varchar,
    headers       varchar,           -- JSON of the response headers that explain the outcome
    error         varchar,
    started_at    timestamp not null,
    finished_at   timestamp not null
);

-- What discovery found: one row per (finding source, link).
create table if not exists raw.discoveries (
    source_id         varchar not null, -- the listing, folder or report page that links it
    url               varchar not null, -- or local path
    role              varchar not null, -- report | listing_page | attachment | attachment_skipped (past max_attachments) | redirect (where a page that only sends the browser on sends it)
    found_on          varchar not null, -- the page (or folder) it was found on
    link_text         varchar,
    year              integer,          -- read from the link text, null when it names none
    depth             integer,          -- listing page number it was found on (0 = the catalogue's page)
    derived_source_id varchar,          -- the raw.sources row made for it (null for listing pages)
    first_seen_at     timestamp not null,
    last_seen_at      timestamp not null,
    primary key (source_id, url)
);

-- What could not be fetched or parsed, with the reason. A later run retries it; when it
-- succeeds the row stays, with resolved_at set. Nothing disappears.
create table if not exists raw.quarantine (
    stage         varchar not null,  -- fetch | parse
    source_id     varchar not null,
    item          varchar not null,  -- the URL or path (fetch), the document's sha256 (parse)
    reason        varchar not null,
    first_seen_at timestamp not null,
    last_seen_at  timestamp not null,
    attempts      integer not null,
    resolved_at   timestamp,         -- null while it still fails
    primary key (stage, source_id, item)
);
"""

# Added for real CMS listings (docs/listings.md). Additive, like FETCH_DDL.
LISTINGS_DDL = """
-- Seconds between a fetch being taken up and its first request being sent: robots.txt and the
-- site's turn (the politeness gate). started_at is when that first request was sent.
alter table raw.fetch_attempts add column if not exists waited_seconds double;

alter table raw.discoveries add column if not exists updated date;          -- the date printed beside the link
alter table raw.discoveries add column if not exists updated_from varchar;  -- listing (printed) | url (the CMS's URL date)

-- One row per catalogue listing, as its latest fetch batch read it: reports found against the
-- records its pages declare, and why it is incomplete when it is.
create table if not exists raw.listings (
    source_id        varchar primary key, -- the catalogue's listing row
    url              varchar not null,
    status           varchar not null,    -- complete | incomplete | undeclared (no count declared, nothing left unread)
    summary          varchar not null,    -- 'incomplete: 10 reports found of 20 records declared'
    reports_found    integer not null,
    records_declared integer,             -- recordCount, 共N条; null when nothing declares it
    records_seen     integer,             -- entries shown on the pages read
    pages_declared   integer,             -- createPageHTML's count, 共N页, recordCount / prepage
    pages_read       integer not null,
    reason           varchar,             -- what kept reports out of reach
    patterns         varchar,             -- the CMS pagination recognised
    batch_id         varchar not null,
    checked_at       timestamp not null
);
"""

# Added for the quality scorecard (docs/scorecard.md): the report's prose per section, and
# where its publication date was read. Additive, like FETCH_DDL.
SECTIONS_DDL = """
-- One row per document and section (parsing/sections.py): the prose of the section as the
-- parser version named here read it, the national format's headings and table labels left out.
create table if not exists raw.report_sections (
    sha256           varchar not null,
    parser_version   varchar not null,
    section_key      varchar not null,  -- overview | active | applications | review | problems | other | preamble | annex | body
    position         integer not null,  -- order in the document, from 1
    title_as_printed varchar,           -- the heading (normalised); null for preamble and body
    text             varchar not null,  -- the prose, one normalised line per line
    primary key (sha256, section_key)
);

alter table raw.reports add column if not exists published_basis varchar;  -- page_label | page_meta | written_date | signature
"""

# Added for the rules across years in the pipeline (docs/degraded-text.md, "Across years in the
# pipeline"). Additive, like FETCH_DDL. raw.open_rows is what the parser left open (written with
# the report, replaced when it is re-parsed); the two across_years tables are what the step
# after the parse loop (parsing/agency_series.py) settled with the agency's neighbouring years.
# The parser's own rows are never changed: the staging models lay the settled values over them.
ACROSS_YEARS_DDL = """
-- One row per row of a report whose digits ran together and that no rule within the report
-- settles, with every reading the row's own identity allows.
create table if not exists raw.open_rows (
    sha256        varchar not null,
    seq           integer not null,
    table_name    varchar not null,  -- '二' | '三' | '四' | '附表'
    row_label     varchar,           -- as printed
    location      varchar,           -- where in the document (the ambiguous_split issue's location)
    raw_text      varchar,           -- the digits as printed
    unit          varchar,           -- an annex row's unit as printed (条, 件, 万元 …)
    column_labels varchar not null,  -- JSON: metric key → column label as printed
    readings      varchar not null,  -- JSON: list of readings, each metric key → number (as text) or null
    primary key (sha256, seq)
);

-- One row per current report with open rows whose agency (the catalogue's agency, exactly) has
-- other years next to it: the neighbouring documents the rows were re-solved with.
create table if not exists raw.across_years (
    sha256         varchar primary key,
    agency         varchar not null,  -- the catalogue's agency (else the printed one), exactly
    year           integer not null,
    neighbours     varchar not null,  -- 'year:sha256@parser_version' of each other year of its run, comma-separated
    rows_open      integer not null,  -- open rows before the re-solve
    rows_settled   integer not null,  -- of them, settled across years
    rules_used     varchar,           -- the rules_used_to_read issue it adds (used_rules=R6 …); null when none settled
    settled_at     timestamp not null
);

-- The values the re-solve settled: same columns as raw.metric_values (method inferred_split, the
-- note naming the rule and the neighbouring documents).
create table if not exists raw.across_years_values (
    sha256        varchar not null,
    metric_key    varchar not null,
    value         double,
    method        varchar not null,
    table_name    varchar,
    row_label     varchar,
    column_label  varchar,
    raw_text      varchar,
    location      varchar,
    note          varchar,
    primary key (sha256, metric_key)
);
"""


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)
    con.execute(FETCH_DDL)
    con.execute(LISTINGS_DDL)
    con.execute(SECTIONS_DDL)
    con.execute(ACROSS_YEARS_DDL)


RAW_TABLES = ("sources", "fetch_manifest", "fetch_attempts", "discoveries", "listings", "quarantine",
              "reports", "metric_values", "parse_issues", "report_sections", "open_rows", "across_years",
              "across_years_values")


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = RAW_TABLES
    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}


def replace_sources(con: duckdb.DuckDBPyConnection, sources, now) -> None:
    """The catalogue as it is now: upsert every listed source, drop the ones no longer listed
    and what was derived from them (their fetched documents and parsed reports stay in the
    warehouse). Rows derived from a listed source (discovered reports, attachments) stay."""
    # One row per source_id, the last listed winning (as row-by-row upserts did), as one table:
    # a national catalogue is 100,000 rows, and DuckDB takes ~2 ms per row through executemany.
    latest = {s.source_id: s for s in sources}
    listed = _frame([[s.source_id, s.agency, s.year, s.location, s.catalogue, now, getattr(s, "kind", "report"),
                      getattr(s, "updated", None)] for s in latest.values()],
                    ["source_id", "agency", "year", "location", "catalogue", "loaded_at", "kind", "updated"],
                    integers=("year",))
    con.execute("begin")
    try:
        if len(listed):
            # Only the rows that are new or changed: a refresh lists the same national catalogue
            # again, and rewriting its 100,000 rows each time made the step's checkpoint rewrite
            # the table (about 1 s of an incremental refresh). A row listed again as it was keeps
            # its loaded_at: when the catalogue row was loaded as it is.
            con.execute(
                """insert into raw.sources (source_id, agency, year, location, catalogue, loaded_at, kind, updated)
                   select source_id, agency, year, location, catalogue, loaded_at, kind, updated::timestamp from listed
                   where not exists (
                       select 1 from raw.sources stored
                       where stored.source_id = listed.source_id
                         and stored.agency is not distinct from listed.agency
                         and stored.year is not distinct from listed.year
                         and stored.location = listed.location
                         and stored.catalogue is not distinct from listed.catalogue
                         and stored.kind is not distinct from listed.kind
                         and stored.updated is not distinct from listed.updated::timestamp
                         and stored.parent_source_id is null and stored.origin_source_id is null)
                   on conflict (source_id) do update set agency = excluded.agency, year = excluded.year,
                       location = excluded.location, catalogue = excluded.catalogue,
                       loaded_at = excluded.loaded_at, kind = excluded.kind, updated = excluded.updated,
                       parent_source_id = null, origin_source_id = null""")
        con.execute("""delete from raw.sources
                       where coalesce(origin_source_id, source_id) not in (select source_id from listed)""")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def catalogue_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(source_id, agency, year, location, catalogue, kind, updated) of the catalogue's own rows."""
    return con.execute(
        """select source_id, agency, year, location, catalogue, coalesce(kind, 'report'), updated
           from raw.sources where origin_source_id is null order by source_id""").fetchall()


def source_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(source_id, origin source_id, year, location of the origin) of every source, derived included."""
    return con.execute(
        """select s.source_id, coalesce(s.origin_source_id, s.source_id), s.year, coalesce(o.location, s.location)
           from raw.sources s left join raw.sources o on o.source_id = s.origin_source_id
           order by s.source_id""").fetchall()


def _fetch_key(result) -> tuple[str, str]:
    if result.outcome in ("fetched", "not_modified") and result.sha256:
        return "fetched", result.sha256
    return "failed", result.error or "unknown error"


MANIFEST_COLUMNS = ["source_id", "location", "outcome", "fetch_key", "sha256", "size_bytes", "media_type",
                    "http_status", "error", "first_seen_at", "last_seen_at", "attempts", "document_role",
                    "final_url", "etag", "last_modified", "encoding", "encoding_rule"]
ATTEMPT_COLUMNS = ["attempt_id", "batch_id", "source_id", "document_role", "url", "final_url", "outcome",
                   "http_status", "tries", "try_log", "redirects", "sha256", "size_bytes", "media_type", "encoding",
                   "encoding_rule", "etag", "last_modified", "headers", "error", "started_at", "finished_at",
                   "waited_seconds"]


def _manifest_row(result, role: str | None, now) -> list:
    outcome, fetch_key = _fetch_key(result)
    return [result.source_id, result.location, outcome, fetch_key, result.sha256 if outcome == "fetched" else None,
            result.size_bytes, result.media_type, result.http_status,
            None if outcome == "fetched" else (result.error or "unknown error"), now, now, 1, role,
            getattr(result, "final_url", None), getattr(result, "etag", None), getattr(result, "last_modified", None),
            getattr(result, "encoding", None), getattr(result, "encoding_rule", None)]


def _attempt_row(batch_id: str, result, role: str, now) -> list:
    return [uuid.uuid4().hex, batch_id, result.source_id, role, result.location, result.final_url,
            attempt_outcome(result), result.http_status, max(result.tries, 1), "; ".join(result.try_log) or None,
            result.redirects, result.sha256, result.size_bytes, result.media_type, result.encoding,
            result.encoding_rule, result.etag, result.last_modified, result.headers_json, result.error,
            _timestamp(result.started_at, now), _timestamp(result.finished_at, now),
            getattr(result, "waited_seconds", None)]


def record_fetches(con: duckdb.DuckDBPyConnection, batch_id: str, fetched: list[tuple], now) -> None:
    """Record many fetch results ((result, role, when) each) in one transaction, as whole tables
    (row by row, DuckDB spends a few milliseconds per statement: most of a 100,000-document
    crawl): one ``raw.fetch_attempts`` row per fetch, and one ``raw.fetch_manifest`` row per
    distinct outcome of a source. A 304 or identical bytes is the same outcome as the fetch that
    got those bytes: it only bumps ``last_seen_at`` and ``attempts``. A robots.txt refusal is a
    failed outcome. Fetches that succeeded leave the fetch quarantine."""
    if not fetched:
        return
    attempts = _frame([_attempt_row(batch_id, r, role, when) for r, role, when in fetched], ATTEMPT_COLUMNS,
                      integers=("http_status", "tries", "redirects", "size_bytes"), floats=("waited_seconds",))
    resolved = _frame([[r.source_id, r.location] for r, _, _ in fetched if r.ok], ["source_id", "item"])
    con.execute("begin")
    try:
        con.execute(f"insert into raw.fetch_attempts ({', '.join(ATTEMPT_COLUMNS)}) "
                    f"select {', '.join(ATTEMPT_COLUMNS)} from attempts")
        # ON CONFLICT may touch a row once per statement: a key seen twice goes in a later round.
        rounds: list[dict[tuple, list]] = [{}]
        for result, role, when in fetched:
            if result.outcome == "no_such_page":   # a listing's guessed page: an answer, not an outcome of a source
                continue
            row = _manifest_row(result, role, when)
            key = tuple(row[i] for i in (0, 2, 3))
            target = next((r for r in rounds if key not in r), None)
            if target is None:
                rounds.append(target := {})
            target[key] = row
        for round_rows in rounds:
            manifest = _frame(list(round_rows.values()), MANIFEST_COLUMNS,
                              integers=("size_bytes", "http_status", "attempts"))
            con.execute(f"""
                insert into raw.fetch_manifest ({', '.join(MANIFEST_COLUMNS)})
                select {', '.join(MANIFEST_COLUMNS)} from manifest
                on conflict (source_id, outcome, fetch_key) do update set
                    last_seen_at = excluded.last_seen_at, attempts = raw.fetch_manifest.attempts + 1,
                    location = excluded.location, http_status = excluded.http_status,
                    document_role = coalesce(excluded.document_role, raw.fetch_manifest.document_role),
                    final_url = coalesce(excluded.final_url, raw.fetch_manifest.final_url),
                    etag = coalesce(excluded.etag, raw.fetch_manifest.etag),
                    last_modified = coalesce(excluded.last_modified, raw.fetch_manifest.last_modified),
                    encoding = coalesce(excluded.encoding, raw.fetch_manifest.encoding),
                    encoding_rule = coalesce(excluded.encoding_rule, raw.fetch_manifest.encoding_rule)""")
        if len(resolved):
            con.execute("""update raw.quarantine q set resolved_at = ? from resolved
                           where q.stage = 'fetch' and q.resolved_at is null
                             and q.source_id = resolved.source_id and q.item = resolved.item""", [now])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _frame(rows: list[list], columns: list[str], integers=(), floats=()):
    """Rows as a data frame DuckDB reads with the right types: None stays NULL, integer columns
    stay integers (pandas would make them floats to hold the NULLs), number columns numbers."""
    import pandas as pd

    return _typed(pd.DataFrame(rows, columns=columns, dtype=object), integers, floats)


def _columns_frame(columns: dict[str, list], integers=(), floats=()):
    """Columns as such a data frame (:func:`_frame`): for rows kept as columns (a report's
    values), without making rows of them. ``dtype=object`` also keeps pandas from working out a
    type for every column, which costs more than the frame."""
    import numpy as np
    import pandas as pd

    # fromiter takes each item as it is (np.array would make a tuple or list a row of its own)
    return _typed(pd.DataFrame({name: np.fromiter(items, dtype=object, count=len(items))
                                for name, items in columns.items()}, dtype=object, copy=False),
                  integers, floats)


def _typed(frame, integers, floats):
    import pandas as pd

    for column in integers:
        frame[column] = pd.array(frame[column], dtype="Int64")
    for column in floats:
        frame[column] = pd.array(frame[column], dtype="Float64")
    return frame


def _timestamp(epoch: float | None, fallback):
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None) if epoch else fallback


def attempt_outcome(result) -> str:
    if result.outcome == "fetched" and getattr(result, "unchanged", False):
        return "unchanged"
    return result.outcome


def quarantine(con: duckdb.DuckDBPyConnection, stage: str, source_id: str, item: str, reason: str, now) -> None:
    """Put (or keep) an item in quarantine with the latest reason; reopen it if it had been resolved."""
    con.execute(
        """insert into raw.quarantine values (?, ?, ?, ?, ?, ?, 1, null)
           on conflict (stage, source_id, item) do update set reason = excluded.reason,
               last_seen_at = excluded.last_seen_at, attempts = raw.quarantine.attempts + 1,
               resolved_at = null""",
        [stage, source_id, item, reason, now, now])


def resolve_quarantine(con: duckdb.DuckDBPyConnection, stage: str, now, source_id: str | None = None,
                       item: str | None = None) -> None:
    con.execute(
        """update raw.quarantine set resolved_at = ?
           where stage = ? and resolved_at is null and (? is null or source_id = ?) and (? is null or item = ?)""",
        [now, stage, source_id, source_id, item, item])


def resolve_quarantine_items(con: duckdb.DuckDBPyConnection, stage: str, items: list[str], now) -> None:
    """Mark these items (of any source) resolved, in one statement."""
    if items:
        con.execute("update raw.quarantine set resolved_at = ? "
                    "where stage = ? and resolved_at is null and list_contains(?, item)", [now, stage, items])


def open_quarantine(con: duckdb.DuckDBPyConnection, stage: str | None = None) -> list[tuple]:
    """(stage, source_id, item, reason, attempts) of everything still failing."""
    return con.execute(
        """select stage, source_id, item, reason, attempts from raw.quarantine
           where resolved_at is null and (? is null or stage = ?) order by stage, source_id, item""",
        [stage, stage]).fetchall()


def latest_validators(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """URL → (sha256, etag, last_modified, media_type, encoding, encoding_rule, final_url) of its
    latest successful fetch: what a conditional request sends, and what a 304 stands for."""
    rows = con.execute(
        """select distinct on (url) url, sha256, etag, last_modified, media_type, encoding, encoding_rule, final_url
           from raw.fetch_attempts
           where outcome in ('fetched', 'unchanged', 'not_modified') and sha256 is not null
           order by url, finished_at desc, started_at desc""").fetchall()
    return {row[0]: row[1:] for row in rows}


def last_verified(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """URL → when its latest request ended, for the URLs whose latest request succeeded (new or
    unchanged bytes): what a revalidation window is counted from. A URL whose latest request
    failed is absent, so it is always tried again."""
    rows = con.execute(
        """select url, finished_at from (
               select distinct on (url) url, outcome, finished_at from raw.fetch_attempts
               order by url, finished_at desc, started_at desc)
           where outcome in ('fetched', 'unchanged', 'not_modified')""").fetchall()
    return dict(rows)


def record_discoveries(con: duckdb.DuckDBPyConnection, rows: list[dict], now) -> None:
    """Upsert what discovery found (keys: source_id, url, role, found_on, link_text, year, depth,
    derived_source_id)."""
    if not rows:
        return
    con.executemany(
        """insert into raw.discoveries (source_id, url, role, found_on, link_text, year, depth, derived_source_id,
               first_seen_at, last_seen_at, updated, updated_from) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (source_id, url) do update set role = excluded.role, found_on = excluded.found_on,
               link_text = excluded.link_text, year = excluded.year, depth = excluded.depth,
               derived_source_id = excluded.derived_source_id, last_seen_at = excluded.last_seen_at,
               updated = excluded.updated, updated_from = excluded.updated_from""",
        [[r["source_id"], r["url"], r["role"], r["found_on"], r.get("link_text"), r.get("year"),
          r.get("depth"), r.get("derived_source_id"), now, now, r.get("updated"), r.get("updated_from")]
         for r in rows])


def record_listings(con: duckdb.DuckDBPyConnection, verdicts: list[dict], batch_id: str, now) -> None:
    """Upsert each listing's latest verdict (keys of ``raw.listings``), one row per listing."""
    if not verdicts:
        return
    columns = ["source_id", "url", "status", "summary", "reports_found", "records_declared", "records_seen",
               "pages_declared", "pages_read", "reason", "patterns"]
    con.executemany(
        f"""insert into raw.listings ({', '.join(columns)}, batch_id, checked_at)
            values ({', '.join('?' for _ in columns)}, ?, ?)
            on conflict (source_id) do update set {', '.join(f'{c} = excluded.{c}' for c in columns[1:])},
                batch_id = excluded.batch_id, checked_at = excluded.checked_at""",
        [[v[c] for c in columns] + [batch_id, now] for v in verdicts])


def upsert_derived_sources(con: duckdb.DuckDBPyConnection, rows: list[dict], now) -> None:
    """Sources the fetch stage derived (keys: source_id, agency, year, location, catalogue, kind,
    parent_source_id, origin_source_id, title). They join the catalogue in ``raw.sources`` so
    every stage after fetching, dbt included, treats them like listed sources."""
    if not rows:
        return
    con.executemany(
        """insert into raw.sources (source_id, agency, year, location, catalogue, loaded_at, kind,
               parent_source_id, origin_source_id, title, discovered_at, updated)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (source_id) do update set agency = excluded.agency, year = excluded.year,
               location = excluded.location, catalogue = excluded.catalogue, kind = excluded.kind,
               parent_source_id = excluded.parent_source_id, origin_source_id = excluded.origin_source_id,
               title = excluded.title, updated = excluded.updated""",
        [[r["source_id"], r.get("agency"), r.get("year"), r["location"], r["catalogue"], now, r["kind"],
          r["parent_source_id"], r["origin_source_id"], r.get("title"), now, r.get("updated")] for r in rows])


def documents_to_parse(con: duckdb.DuckDBPyConnection, parser_version: str,
                       source_ids: list[str] | None = None) -> list[tuple[str, str, str, str, str | None]]:
    """(sha256, media type, location, source_id, encoding) of each current document that is not
    yet parsed by this parser version, or that is in quarantine (a later run retries it).
    A source's current document is the content its latest successful fetch returned; listing
    pages are not reports and are never parsed. ``source_ids`` limits it to those sources."""
    if source_ids is not None and not source_ids:
        return []
    only = "and list_contains(?, source_id)" if source_ids is not None else ""
    params = ([source_ids] if source_ids is not None else []) + [parser_version]
    return con.execute(
        f"""with current_documents as (
               select source_id, sha256, media_type, location, encoding,
                      row_number() over (partition by source_id
                                         order by last_seen_at desc, first_seen_at desc, fetch_key) as rn
               from raw.fetch_manifest
               where outcome = 'fetched' and coalesce(document_role, 'report') <> 'listing' {only}
                 -- only sources the catalogue still lists (raw.sources): a removed source's
                 -- documents stay stored, as history, but are never parsed again
                 and source_id in (select source_id from raw.sources))
           select distinct on (d.sha256) d.sha256, d.media_type, d.location, d.source_id, d.encoding
           from current_documents d
           left join raw.reports r on r.sha256 = d.sha256 and r.parser_version = ?
           where d.rn = 1 and (r.sha256 is null or d.sha256 in (
               -- quarantined documents are retried, except those that are not reports at all:
               -- only new bytes or a new parser version change that
               select item from raw.quarantine where stage = 'parse' and resolved_at is null
                                                 and reason not like 'not_a_report%'))
           order by d.sha256, d.source_id""", params).fetchall()


# DuckDB checkpoints (writes its log into the tables) each time the log holds 16 MB, about every
# other chunk of a parse; each checkpoint rewrites the tables' last, partly filled row groups. With
# 128 MB a parse of 10,000 reports took 19 s of the writing process's CPU, not 25, for 35 MB more
# memory; above 128 MB the memory grew with nothing more saved.
BATCH_CHECKPOINT_THRESHOLD = "128MB"


@contextmanager
def fewer_checkpoints(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """During a batch written a chunk at a time, checkpoint at BATCH_CHECKPOINT_THRESHOLD; the
    setting is restored afterwards, even when the batch fails."""
    before = con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]
    con.execute(f"set checkpoint_threshold = '{BATCH_CHECKPOINT_THRESHOLD}'")
    try:
        yield
    finally:
        con.execute(f"set checkpoint_threshold = '{before}'")


# A value is stored as a DOUBLE and published as DECIMAL(38,6) or BIGINT: beyond 10^15 a DOUBLE
# no longer holds every whole number exactly (2^53 ≈ 9.0 × 10^15), and no real report prints
# such a count. A larger number (a 400-digit cell) becomes null with an issue, never a crash.
MAX_STORED_VALUE = 10 ** 15


def _storable(value) -> float | None:
    """The value as the warehouse stores it, or None when it cannot be stored exactly."""
    if value is None:
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError, TypeError):
        return None
    return number if abs(number) <= MAX_STORED_VALUE else None


class ReportRows(NamedTuple):
    """What the warehouse stores of one parsed document, as plain tuples of strings and numbers.

    The parse workers build it (:func:`report_rows`) and send it to the writing process instead
    of the parser's records: pickling a report's ``MetricValue`` and ``ReportSection`` objects
    and unpickling them in the writer cost 0.7 ms a document, most of it in the writer, which is
    the parse batch's one serial process; these tuples cost a quarter of that, and building the
    rows is the workers' work, in parallel."""
    sha256: str
    report: tuple            # REPORT_FIELDS
    values: tuple            # VALUE_FIELDS as columns: a tuple of values each
    issues: list             # (code, message, location): the parser's, then values too large to store
    open_rows: list          # OPEN_ROW_FIELDS, the labels and readings as JSON
    sections: list           # SECTION_FIELDS
    parser_issues: int       # of ``issues``, how many the parser raised

    @property
    def template(self) -> str | None:
        return self.report[_TEMPLATE]

    @property
    def value_count(self) -> int:
        return len(self.values[0])


REPORT_FIELDS = ("media_type", "agency", "year", "template", "published", "scope", "scope_basis", "title",
                 "published_basis")
VALUE_FIELDS = ("metric_key", "value", "method", "table_name", "row_label", "column_label", "raw_text", "location",
                "note")
OPEN_ROW_FIELDS = ("seq", "table_name", "row_label", "location", "raw_text", "unit", "column_labels", "readings")
SECTION_FIELDS = ("section_key", "position", "title_as_printed", "text")
_TEMPLATE, _PUBLISHED_BASIS = REPORT_FIELDS.index("template"), REPORT_FIELDS.index("published_basis")


def report_rows(sha256: str, media_type: str | None, report) -> ReportRows:
    """The rows of one parsed document (a ``ParsedReport``), as :func:`store_report_rows` writes
    them: values too large to store exactly become nulls with an issue of their own."""
    values = [[] for _ in VALUE_FIELDS]
    too_large = []
    for m in report.values.values():
        value = _storable(m.value)
        if m.value is not None and value is None:
            too_large.append(
                ("number_too_large", f"{m.key}: the printed number {m.raw_text!r} is beyond what the "
                 f"warehouse stores exactly (±{MAX_STORED_VALUE:,}); stored as null, the printed text kept",
                 m.location))
        for column, item in zip(values, (m.key, value, m.method, m.table, m.row_label, m.column_label,
                                         m.raw_text, m.location, m.note)):
            column.append(item)
    issues = [(i.code, i.message, i.location) for i in report.issues]
    open_rows = [(seq, row["table"], row.get("printed"), row.get("where"), row.get("raw"), row.get("unit"),
                  json.dumps(row.get("labels") or {}, ensure_ascii=False),
                  json.dumps([{k: (None if v is None else str(v)) for k, v in reading.items()}
                              for reading in row["readings"]], ensure_ascii=False))
                 for seq, row in enumerate(getattr(report, "open_rows", None) or (), start=1)]
    sections = [(s.key, s.position, s.title, s.text) for s in getattr(report, "sections", None) or ()]
    return ReportRows(sha256, (media_type, report.agency, report.year, report.template, report.published,
                               report.scope, report.scope_basis, report.title,
                               getattr(report, "published_basis", None)),
                      tuple(values), issues + too_large, open_rows, sections, len(issues))


def store_reports(con: duckdb.DuckDBPyConnection, parsed: list[tuple[str, str | None, object]],
                  parser_version: str, now) -> None:
    """Replace everything stored for these documents ((sha256, media type, report) each) with
    what the parser read now, in one transaction (:func:`store_report_rows`)."""
    store_report_rows(con, [report_rows(sha, media_type, report) for sha, media_type, report in parsed],
                      parser_version, now)


def store_report_rows(con: duckdb.DuckDBPyConnection, parsed: list[ReportRows], parser_version: str, now) -> None:
    """Replace everything stored for these documents with these rows, in one transaction. Rows
    go in as whole tables: DuckDB takes a data frame in milliseconds where ``executemany``
    spends about 2 ms per row."""
    if not parsed:
        return
    shas = _columns_frame({"sha256": [r.sha256 for r in parsed]})
    reports = _columns_frame({
        "sha256": [r.sha256 for r in parsed], "parser_version": [parser_version] * len(parsed),
        # (the published date's basis is set with the sections: _store_report_sections)
        **{name: [r.report[k] for r in parsed] for k, name in enumerate(REPORT_FIELDS) if k != _PUBLISHED_BASIS},
        "parsed_at": [now] * len(parsed)}, integers=("year",))
    values = _columns_frame({
        "sha256": [r.sha256 for r in parsed for _ in range(r.value_count)],
        **{name: [item for r in parsed for item in r.values[k]] for k, name in enumerate(VALUE_FIELDS)}},
        floats=("value",))
    issues = _frame([[r.sha256, seq, *issue] for r in parsed for seq, issue in enumerate(r.issues, start=1)],
                    ["sha256", "seq", "code", "message", "location"], integers=("seq",))
    open_rows = _frame([[r.sha256, *row] for r in parsed for row in r.open_rows],
                       ["sha256", *OPEN_ROW_FIELDS], integers=("seq",))
    con.execute("begin")
    try:
        # A document parsed again is re-solved across years again (parsing/agency_series.py).
        # Its rows are deleted only when it has a report row (each table is written in this one
        # transaction, the rules across years only for stored reports): each delete scans its
        # whole table, and a first parse of 100,000 reports would scan them 400 times for nothing.
        if con.execute("select count(*) from raw.reports where sha256 in (select sha256 from shas)").fetchone()[0]:
            for table in ("metric_values", "parse_issues", "reports", "open_rows", "across_years",
                          "across_years_values", "report_sections"):
                con.execute(f"delete from raw.{table} where sha256 in (select sha256 from shas)")
        for table, frame in (("reports", reports), ("metric_values", values), ("parse_issues", issues),
                             ("open_rows", open_rows)):
            if len(frame):
                columns = ", ".join(frame.columns)
                con.execute(f"insert into raw.{table} ({columns}) select {columns} from frame")
        _store_report_sections(con, parsed, parser_version)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def record_catalogue_paths(con: duckdb.DuckDBPyConnection, sources_dir: Path) -> int:
    """Store each local source's path relative to the folder of the catalogue that lists it
    (``../samples/yunxi-2019.html``): the published mart links a report to its file without
    an absolute path that means nothing on another machine. Returns the rows changed."""
    rows = con.execute("select source_id, location, catalogue, path_in_catalogue from raw.sources "
                       "where location not like 'http://%' and location not like 'https://%'").fetchall()
    changed = []
    for source_id, location, catalogue, stored in rows:
        folder = (sources_dir / catalogue).parent if catalogue else sources_dir
        relative = Path(os.path.relpath(location, folder)).as_posix()
        if relative != stored:
            changed.append([source_id, relative])
    if changed:
        frame = _frame(changed, ["source_id", "path_in_catalogue"])
        con.execute("update raw.sources set path_in_catalogue = frame.path_in_catalogue from frame "
                    "where raw.sources.source_id = frame.source_id")
    return len(changed)


def _store_report_sections(con: duckdb.DuckDBPyConnection, parsed: list[ReportRows], parser_version: str) -> None:
    """Store the sections of these documents and set where each one's publication date was
    read. Runs inside the caller's transaction (``store_report_rows``, which has deleted what was
    stored before): a document's sections and its report row are written together."""
    sections = _frame([[r.sha256, parser_version, *section] for r in parsed for section in r.sections],
                      ["sha256", "parser_version", *SECTION_FIELDS], integers=("position",))
    bases = _columns_frame({"sha256": [r.sha256 for r in parsed], "basis": [r.report[_PUBLISHED_BASIS] for r in parsed]})
    if len(sections):
        columns = ", ".join(sections.columns)
        con.execute(f"insert into raw.report_sections ({columns}) select {columns} from sections")
    con.execute("update raw.reports set published_basis = cast(bases.basis as varchar) from bases where raw.reports.sha256 = bases.sha256")


# ---- the rules across years (parsing/agency_series.py) ----------------------------------------

def current_report_series(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(sha256, source_id, agency, year, parser_version, values read, open rows) of each current
    report, as the dbt models pick them (``int_reports_current``): a listed source's latest
    successful fetch, parsed, not `not_a_report`; a document listed by two sources once, under the
    source whose catalogue row names agency and year, then the smallest source_id. The agency is
    the catalogue's (else the printed one) exactly, the year the report's (else the catalogue's)."""
    return con.execute(
        """with current_documents as (
               select source_id, sha256,
                      row_number() over (partition by source_id
                                         order by last_seen_at desc, first_seen_at desc, fetch_key) as rn
               from raw.fetch_manifest
               where outcome = 'fetched' and sha256 is not null and coalesce(document_role, 'report') <> 'listing'),
           attributed as (
               select d.sha256, s.source_id, coalesce(s.agency, r.agency) as agency, coalesce(r.year, s.year) as year,
                      r.parser_version,
                      row_number() over (partition by d.sha256
                                         order by s.agency is null, s.year is null, s.source_id) as source_rank
               from current_documents d
               join raw.sources s on s.source_id = d.source_id
               join raw.reports r on r.sha256 = d.sha256
               where d.rn = 1
                 and d.sha256 not in (select sha256 from raw.parse_issues where code = 'not_a_report')),
           value_counts as (
               select sha256, count(*) as n from raw.metric_values where value is not null group by sha256),
           open_counts as (
               select sha256, count(*) as n from raw.open_rows group by sha256)
           select a.sha256, a.source_id, a.agency, a.year, a.parser_version,
                  coalesce(v.n, 0), coalesce(o.n, 0)
           from attributed a
           left join value_counts v on v.sha256 = a.sha256
           left join open_counts o on o.sha256 = a.sha256
           where a.source_rank = 1 and a.agency is not null and a.year is not null
           order by a.agency, a.year, a.sha256""").fetchall()


def across_years_neighbours(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """sha256 → the neighbours its open rows were last re-solved with (``raw.across_years``)."""
    return dict(con.execute("select sha256, neighbours from raw.across_years").fetchall())


def stored_values(con: duckdb.DuckDBPyConnection, shas: list[str],
                  key_prefixes: tuple[str, ...] | None = None) -> list[tuple]:
    """(sha256, metric_key, value, method, table_name, row_label, column_label, raw_text, location,
    note) of what the parser read from these documents; only the keys starting with one of
    ``key_prefixes`` when given."""
    keyed = _frame([[sha] for sha in shas], ["sha256"])
    only = ("where " + " or ".join("starts_with(metric_key, ?)" for _ in key_prefixes)) if key_prefixes else ""
    return con.execute(
        f"""select v.sha256, metric_key, value, method, table_name, row_label, column_label, raw_text, location, note
            from raw.metric_values v join keyed on keyed.sha256 = v.sha256
            {only}
            order by v.sha256, metric_key""", list(key_prefixes or ())).fetchall()


def stored_open_rows(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, list[dict]]:
    """sha256 → its open rows as the parser keeps them (``ParsedReport.open_rows``), in order."""
    from decimal import Decimal

    out: dict[str, list[dict]] = {}
    keyed = _frame([[sha] for sha in shas], ["sha256"])
    for sha, table, printed, where, raw, unit, labels, readings in con.execute(
            """select o.sha256, table_name, row_label, location, raw_text, unit, column_labels, readings
               from raw.open_rows o join keyed on keyed.sha256 = o.sha256 order by o.sha256, seq""").fetchall():
        out.setdefault(sha, []).append({
            "table": table, "printed": printed, "where": where, "raw": raw, "unit": unit,
            "labels": json.loads(labels),
            "readings": [{k: (None if v is None else Decimal(v)) for k, v in reading.items()}
                         for reading in json.loads(readings)]})
    return out


def replace_across_years(con: duckdb.DuckDBPyConnection, shas: list[str], reports: list[list],
                         values: list[list]) -> None:
    """Replace what the re-solve across years holds for these documents, in one transaction:
    ``reports`` rows of ``raw.across_years``, ``values`` of ``raw.across_years_values`` (the
    columns of ``raw.metric_values``)."""
    keyed = _frame([[sha] for sha in shas], ["sha256"])
    frames = (
        ("across_years", _frame(reports, ["sha256", "agency", "year", "neighbours", "rows_open", "rows_settled",
                                          "rules_used", "settled_at"], integers=("year", "rows_open", "rows_settled"))),
        ("across_years_values", _frame([[*v[:2], _storable(v[2]), *v[3:]] for v in values],
                                       ["sha256", "metric_key", "value", "method", "table_name", "row_label",
                                        "column_label", "raw_text", "location", "note"], floats=("value",))))
    con.execute("begin")
    try:
        for table, _ in frames:
            con.execute(f"delete from raw.{table} where sha256 in (select sha256 from keyed)")
        for table, frame in frames:
            if len(frame):
                columns = ", ".join(frame.columns)
                con.execute(f"insert into raw.{table} ({columns}) select {columns} from frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
