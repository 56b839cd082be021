"""dbt docs are regenerated only when what they show changed: the dbt project or the
warehouse's tables and column types, not the rows (orchestration/defs/dbt_docs.py)."""
from __future__ import annotations

import duckdb


def test_the_docs_fingerprint_follows_columns_not_rows(tmp_path):
    from orchestration.defs.dbt_docs import docs_fingerprint

    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create table marts.t (a integer)")
    con.close()
    first = docs_fingerprint(path, ["marts"])
    con = duckdb.connect(str(path))
    con.execute("insert into marts.t select range from range(1000)")
    con.close()
    assert docs_fingerprint(path, ["marts"]) == first          # new rows: the same docs
    con = duckdb.connect(str(path))
    con.execute("create schema checks; create table checks.c (x integer)")
    con.close()
    assert docs_fingerprint(path, ["marts"]) == first          # a schema dbt does not document
    con = duckdb.connect(str(path))
    con.execute("alter table marts.t add column b varchar")
    con.close()
    assert docs_fingerprint(path, ["marts"]) != first          # a new column: new docs


def test_the_documented_schemas_are_the_models_and_the_sources():
    from orchestration.defs.dbt_docs import documented_schemas
    from orchestration.defs.mart import ensure_manifest

    schemas = documented_schemas(ensure_manifest())
    assert {"raw", "staging", "intermediate", "marts", "seeds"} <= set(schemas)
    assert "checks" not in schemas
