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
    first = docs_fingerprint(path)
    con = duckdb.connect(str(path))
    con.execute("insert into marts.t select range from range(1000)")
    con.close()
    assert docs_fingerprint(path) == first          # new rows: the same docs
    con = duckdb.connect(str(path))
    con.execute("alter table marts.t add column b varchar")
    con.close()
    assert docs_fingerprint(path) != first          # a new column: new docs
