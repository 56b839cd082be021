"""The published mart on a PostgreSQL server, for BI tools that connect to one natively.

The one publication path to PostgreSQL: the tables of the published DuckDB copy, with the same
columns, types and comments, row for row. Readers never see half a mart: the tables are loaded
into a new schema, then, in one transaction, the old schema is renamed aside and the new one
renamed into place; the old one is dropped afterwards (a query still reading it finishes first).
"""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb

from orchestration.publishing.dictionary import TableEntry

# DuckDB's type names (duckdb_columns().data_type) → PostgreSQL's.
_SCALAR_TYPES = {"VARCHAR": "text", "INTEGER": "integer", "BIGINT": "bigint", "SMALLINT": "smallint",
                 "DOUBLE": "double precision", "FLOAT": "real", "BOOLEAN": "boolean", "DATE": "date",
                 "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz", "HUGEINT": "numeric(38,0)"}


def postgres_type(duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return postgres_type(duckdb_type[:-2]) + "[]"
    decimal = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal[1]},{decimal[2]})"
    if duckdb_type not in _SCALAR_TYPES:
        raise ValueError(f"no PostgreSQL type for the DuckDB type {duckdb_type!r}")
    return _SCALAR_TYPES[duckdb_type]


def redacted(url: str) -> str:
    """The URL without its password, for logs and asset metadata."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _csv_select(table: str, columns: list[tuple[str, str]]) -> str:
    """A select of the table whose CSV PostgreSQL's COPY reads back exactly: lists become array
    literals ({"a","b"}); everything else is written as DuckDB writes it (NULL unquoted and
    empty, an empty string quoted)."""
    parts = []
    for name, kind in columns:
        if kind.endswith("[]"):
            element = ("'\"' || replace(replace(x, '\\', '\\\\'), '\"', '\\\"') || '\"'")
            parts.append(f"case when {_ident(name)} is null then null else "
                         f"'{{' || array_to_string(list_transform({_ident(name)}, lambda x: "
                         f"case when x is null then 'NULL' else {element} end), ',') || '}}' end")
        else:
            parts.append(_ident(name))
    return f"select {', '.join(parts)} from {_ident(table)}"


def publish_to_postgres(published_db: Path, url: str, dictionary: dict[str, TableEntry] | None = None,
                        schema: str = "marts", lock_timeout: str = "10s") -> dict[str, int]:
    """Copy every table of the published DuckDB file to ``schema`` on the server at ``url``
    (a libpq connection URL), with the dictionary's comments, and swap it in at once.
    The replaced schema is dropped when no reader holds it within ``lock_timeout``, else at
    the next publication. Returns the rows per table."""
    import psycopg2  # dbt-postgres brings it

    dictionary = dictionary or {}
    token = uuid.uuid4().hex[:8]
    loading, previous = f"{schema}__loading_{token}", f"{schema}__previous_{token}"
    source = duckdb.connect(str(published_db), read_only=True)
    target = psycopg2.connect(url)
    counts: dict[str, int] = {}
    try:
        tables = [t for (t,) in source.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' order by table_name").fetchall()]
        with tempfile.TemporaryDirectory(prefix="disclosure-pg-") as scratch:
            try:
                with target.cursor() as cur:
                    cur.execute(f"create schema {_ident(loading)}")
                    for table in tables:
                        columns = source.execute(
                            "select column_name, data_type from duckdb_columns() where schema_name = 'main' "
                            "and table_name = ? order by column_index", [table]).fetchall()
                        qualified = f"{_ident(loading)}.{_ident(table)}"
                        cur.execute(f"create table {qualified} ("
                                    + ", ".join(f"{_ident(n)} {postgres_type(k)}" for n, k in columns) + ")")
                        csv_path = Path(scratch) / f"{table}.csv"
                        source.execute(f"copy ({_csv_select(table, columns)}) to '{csv_path}' (header false)")
                        with csv_path.open("rb") as handle:
                            cur.copy_expert(f"copy {qualified} from stdin with (format csv)", handle)
                        csv_path.unlink()
                        counts[table] = source.execute(f"select count(*) from {_ident(table)}").fetchone()[0]
                        _comment(cur, qualified, dictionary.get(table), {n for n, _ in columns})
                target.commit()
            except Exception:
                target.rollback()
                raise
        # the swap: one transaction, so a reader sees the old mart or the new one, never neither
        with target.cursor() as cur:
            cur.execute("select 1 from information_schema.schemata where schema_name = %s", [schema])
            if cur.fetchone():
                cur.execute(f"alter schema {_ident(schema)} rename to {_ident(previous)}")
            cur.execute(f"alter schema {_ident(loading)} rename to {_ident(schema)}")
        target.commit()
        _drop_previous(target, schema, lock_timeout)
    except Exception:
        target.rollback()
        with target.cursor() as cur:
            cur.execute(f"drop schema if exists {_ident(loading)} cascade")
        target.commit()
        raise
    finally:
        target.close()
        source.close()
    return counts


def _drop_previous(target, schema: str, lock_timeout: str) -> None:
    """Drop the schemas earlier swaps renamed aside. A reader still inside a transaction on one
    holds its tables: wait for it up to ``lock_timeout``, then leave that schema for next time."""
    import psycopg2

    with target.cursor() as cur:
        cur.execute("select schema_name from information_schema.schemata where schema_name like %s",
                    [schema.replace("_", "\\_") + "\\_\\_previous\\_%"])
        leftovers = [name for (name,) in cur.fetchall()]
    target.commit()
    for name in leftovers:
        try:
            with target.cursor() as cur:
                cur.execute("set local lock_timeout = %s", [lock_timeout])
                cur.execute(f"drop schema if exists {_ident(name)} cascade")
            target.commit()
        except psycopg2.errors.LockNotAvailable:
            target.rollback()


def _comment(cur, qualified: str, entry: TableEntry | None, present: set[str]) -> None:
    if entry is None:
        return
    cur.execute(f"comment on table {qualified} is %s", [entry.comment()])
    for column in entry.columns:
        if column.name in present and column.description:
            cur.execute(f"comment on column {qualified}.{_ident(column.name)} is %s", [column.comment()])


def publication_url() -> str | None:
    """``DISCLOSURE_PUBLISH_POSTGRES``: where to publish, or None to publish to files only."""
    return os.environ.get("DISCLOSURE_PUBLISH_POSTGRES") or None
