"""The analyst's mart after a whole pipeline run: the published DuckDB file opens in DuckDB 1.1
and explains itself (comments from the dbt descriptions), counts are integers, every report
row links back to its source, the dictionary files agree with the dbt .yml files, and the
PostgreSQL publication equals the DuckDB copy row for row.

One pipeline run (module fixture) on a small generated panel: two governments and a
department of each, two years."""
from __future__ import annotations

import csv
import datetime
import decimal
import hashlib
import json
import re
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.cli import materialise_all
from orchestration.config import DBT_PROJECT_DIR
from orchestration.defs import mart
from orchestration.publishing.dictionary import read_dictionary
from orchestration.publishing.mart_copy import PUBLISHED_FILE
from orchestration.publishing.postgres import publish_to_postgres, redacted
from orchestration.synthetic import samples
from tests.conftest import OLD_DUCKDB
from tests.postgres_server import running_postgres

MART_TABLES = set(mart.MART_TABLES)   # every mart the publish asset copies


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("published_mart")
    data_dir = base / "data"
    (data_dir / "sources").mkdir(parents=True)
    (base / "dagster_home").mkdir()
    reports = samples.generate_panel(agencies=4, years=range(2022, 2024))
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv", reports)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DISCLOSURE_DATA_DIR", str(data_dir))
        env.setenv("DISCLOSURE_WAREHOUSE", str(data_dir / "warehouse.duckdb"))
        env.setenv("DAGSTER_HOME", str(base / "dagster_home"))
        env.delenv("DISCLOSURE_PUBLISH_POSTGRES", raising=False)
        result = materialise_all(log_level="WARNING")
    assert result.success, [e.event_specific_data for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return data_dir


def _published(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "published" / PUBLISHED_FILE), read_only=True)


def _yml_models() -> dict[str, dict]:
    """The marts' .yml files as written (not through the dictionary module)."""
    models = {}
    for path in sorted((DBT_PROJECT_DIR / "models" / "marts").glob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            models[model["name"]] = model
    return models


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


# ---- DuckDB 1.1 -------------------------------------------------------------------------------

OLD_CLIENT_SCRIPT = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
columns = con.execute("select table_name, column_name, data_type, comment from duckdb_columns() "
                      "where database_name = current_database() and schema_name = 'main' and not internal").fetchall()
tables = dict(con.execute("select table_name, comment from duckdb_tables() "
                          "where database_name = current_database() and schema_name = 'main' and not internal").fetchall())
rows = con.execute("select count(*), count(source_url), count(document_sha256) from mart_agency_year").fetchone()
print(json.dumps({"version": duckdb.__version__, "columns": columns, "tables": tables, "rows": rows}))
"""


def test_a_duckdb_1_1_client_opens_the_file_and_finds_comments(run, old_duckdb_python):
    out = subprocess.run([str(old_duckdb_python), "-c", OLD_CLIENT_SCRIPT,
                          str(run / "published" / PUBLISHED_FILE)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["version"] == OLD_DUCKDB
    assert set(seen["tables"]) == MART_TABLES and all(seen["tables"].values())
    commented = [c for c in seen["columns"] if c[3]]
    assert len(commented) >= 0.8 * len(seen["columns"])      # the floor …
    assert len(commented) == len(seen["columns"])            # … and what the dictionary gives
    types = {(t, c): kind for t, c, kind, _ in seen["columns"]}
    assert types[("mart_agency_year", "applications_received")] == "BIGINT"
    total, with_source, with_hash = seen["rows"]
    assert total > 0 and with_source == total and with_hash == total


# ---- types ------------------------------------------------------------------------------------

def test_counts_are_integers_money_is_decimal_and_the_long_tables_keep_a_unit(run):
    dictionary = read_dictionary(DBT_PROJECT_DIR / "target" / "manifest.json")
    con = _published(run)
    try:
        types = {(t, c): k for t, c, k in con.execute(
            "select table_name, column_name, data_type from duckdb_columns()").fetchall()}
        checked = 0
        for table, entry in dictionary.items():
            for column in entry.columns:
                kind = types[(table, column.name)]
                if column.unit.startswith("count"):
                    assert kind == "BIGINT", (table, column.name, kind)
                    checked += 1
                elif column.unit in ("元", "万元"):
                    assert kind.startswith("DECIMAL"), (table, column.name, kind)
                elif column.unit == "year":
                    assert kind == "INTEGER", (table, column.name, kind)
        assert checked >= 30
        for table in ("fct_disclosure_metrics", "fct_harmonised_indicators"):
            assert types[(table, "value")] == "DECIMAL(38,6)"
            assert con.execute(f"select count(*) from {table} where unit is null").fetchone()[0] == 0
        # a count read as 592 shows as 592, and the money units agree with the seed
        assert con.execute("select count(*) from fct_disclosure_metrics where unit = 'count' "
                           "and value <> round(value)").fetchone()[0] == 0
        assert {u for (u,) in con.execute("select distinct unit from fct_disclosure_metrics").fetchall()} \
            <= {"count", "signed count", "万元", "元"}
    finally:
        con.close()


# ---- back to the source -----------------------------------------------------------------------

def test_every_report_row_links_to_its_source(run):
    con = _published(run)
    try:
        rows = con.execute("select report_id, source_url, source_title, attachment_urls, document_sha256, "
                           "published from mart_agency_year").fetchall()
        located = con.execute("select count(*), count(location) from fct_disclosure_metrics").fetchone()
    finally:
        con.close()
    assert rows
    catalogue_folder = run / "sources"
    for report_id, url, title, attachments, sha, published in rows:
        assert url and not Path(url).is_absolute() and url.startswith("../samples/"), url
        document = (catalogue_folder / url).resolve()
        assert hashlib.sha256(document.read_bytes()).hexdigest() == sha == report_id
        assert title and re.search(r"20\d\d年.*报告", title), title     # the title line as printed
        assert attachments is None                                      # a local document of its own
        assert isinstance(published, datetime.date)
    assert located[0] == located[1] > 0          # every figure keeps where it was read


# ---- indicators and scope ---------------------------------------------------------------------

def test_shares_scope_and_parent_agency(run):
    con = _published(run)
    try:
        columns = {c for (c,) in con.execute(
            "select column_name from duckdb_columns() where table_name = 'mart_agency_year'").fetchall()}
        assert "share_granted" not in columns
        shares = con.execute("select granted, partially_granted, processed_total, share_granted_full, "
                             "share_granted_incl_partial from mart_agency_year").fetchall()
        departments = con.execute(
            "select y.report_scope, y.scope_basis, d.parent_agency_key, p.level from mart_agency_year y "
            "join dim_agency d using (agency_key) left join dim_agency p on p.agency_key = d.parent_agency_key "
            "where d.level = 'department'").fetchall()
        scopes = con.execute("select report_scope, scope_basis from mart_agency_year").fetchall()
    finally:
        con.close()
    for granted, partial, total, full, incl in shares:
        assert full == pytest.approx(granted / total) and incl == pytest.approx((granted + partial) / total)
        assert full < incl            # the samples always have some partial disclosure
    assert departments
    for scope, basis, parent, parent_level in departments:
        assert scope == "agency" and basis
        assert parent is not None and parent_level in ("city", "county")
    for scope, basis in scopes:
        assert (scope is None) == (basis is None)


# ---- the dictionary ---------------------------------------------------------------------------

def test_the_dictionary_files_agree_with_the_dbt_descriptions(run):
    models = _yml_models()
    published = run / "published"
    with (published / "dictionary.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    markdown = (published / "dictionary.md").read_text(encoding="utf-8")
    by_key = {(r["table"], r["column"]): r for r in rows}
    assert {t for t, _ in by_key} == MART_TABLES
    con = _published(run)
    try:
        comments = {(t, c): comment for t, c, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns()").fetchall()}
    finally:
        con.close()
    for table in MART_TABLES:
        model = models[table]
        assert by_key[(table, "")]["description"] == _one_line(model["description"])
        assert by_key[(table, "")]["grain"] == _one_line(model["config"]["meta"]["grain"])
        assert f"## {table}" in markdown
        kv = dict(duckdb.sql(f"select decode(key), decode(value) from parquet_kv_metadata("
                             f"'{published / 'parquet' / (table + '.parquet')}')").fetchall())
        assert kv["description"] == _one_line(model["description"])
        for column in model["columns"]:
            row = by_key[(table, column["name"])]
            description = _one_line(column["description"])
            assert row["description"] == description, (table, column["name"])
            assert comments[(table, column["name"])].startswith(description)
            assert kv[f"column:{column['name']}"].startswith(description)
            meta = (column.get("config") or {}).get("meta") or {}
            assert row["unit"] == _one_line(meta.get("unit"))
            guarded = any(c.get("type") == "not_null" for c in column.get("constraints") or [])
            if guarded:
                assert row["nullable"] == "no"
            if row["nullable"] == "yes":           # a nullable column says what its null means
                assert row["null_means"], (table, column["name"])
    # every indicator of mart_agency_year is defined, with its unit
    for name in ("share_granted_full", "share_granted_incl_partial", "applications_received",
                 "administrative_fees_wan", "review_correction_rate"):
        assert by_key[("mart_agency_year", name)]["description"] and by_key[("mart_agency_year", name)]["unit"]


# ---- PostgreSQL -------------------------------------------------------------------------------

def _normalise(value):
    if isinstance(value, (float, decimal.Decimal)):
        return round(float(value), 9)
    if isinstance(value, list):
        return tuple(value)
    return value


def _rows(rows) -> list[tuple]:
    return sorted((tuple(map(_normalise, r)) for r in rows), key=repr)


def test_postgres_publication_equals_the_duckdb_copy(run):
    import psycopg2

    with running_postgres() as server:
        url = f"postgresql://{server['user']}:secret@{server['host']}:{server['port']}/postgres"
        assert "secret" not in redacted(url)
        dictionary = read_dictionary(DBT_PROJECT_DIR / "target" / "manifest.json")
        published = run / "published" / PUBLISHED_FILE
        publish_to_postgres(published, url, dictionary)
        pg = psycopg2.connect(url)
        reader = psycopg2.connect(url)
        try:
            # a reader inside a transaction during the next publication does not stop the swap:
            # the replaced schema it still holds is dropped by the publication after
            with reader.cursor() as cur:
                cur.execute("select count(*) from marts.mart_agency_year")
                before = cur.fetchone()[0]
            counts = publish_to_postgres(published, url, dictionary, lock_timeout="1s")
            with reader.cursor() as cur:
                cur.execute("select count(*) from marts.mart_agency_year")   # the new mart, whole
                assert cur.fetchone()[0] == before
            reader.commit()
            assert set(counts) == MART_TABLES and counts["mart_agency_year"] == before
            publish_to_postgres(published, url, dictionary)
            duck = duckdb.connect(str(published), read_only=True)
            with pg.cursor() as cur:
                cur.execute("select nspname from pg_namespace where nspname like 'marts%'")
                assert [s for (s,) in cur.fetchall()] == ["marts"]      # nothing left half-swapped
                for table in sorted(MART_TABLES):
                    duck_columns = duck.execute(
                        "select column_name, data_type, comment from duckdb_columns() where table_name = ? "
                        "order by column_index", [table]).fetchall()
                    cur.execute("select a.attname, format_type(a.atttypid, a.atttypmod), "
                                "col_description(a.attrelid, a.attnum) from pg_attribute a "
                                "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped "
                                "order by a.attnum", [f"marts.{table}"])
                    pg_columns = cur.fetchall()
                    assert [c[0] for c in pg_columns] == [c[0] for c in duck_columns], table
                    assert [c[2] for c in pg_columns] == [c[2] for c in duck_columns], table
                    for (name, duck_type, _), (_, pg_type, _) in zip(duck_columns, pg_columns):
                        if duck_type == "BIGINT":
                            assert pg_type == "bigint", (table, name)
                        if duck_type.startswith("DECIMAL"):
                            assert pg_type.startswith("numeric("), (table, name)
                    cur.execute("select obj_description(%s::regclass)", [f"marts.{table}"])
                    assert cur.fetchone()[0] == duck.execute(
                        "select comment from duckdb_tables() where table_name = ?", [table]).fetchone()[0]
                    cur.execute(f'select * from marts."{table}"')
                    pg_rows = _rows(cur.fetchall())
                    duck_rows = _rows(duck.execute(f'select * from "{table}"').fetchall())
                    assert len(pg_rows) == len(duck_rows) > 0, table
                    assert pg_rows == duck_rows, table
            duck.close()
        finally:
            reader.close()
            pg.close()


# ---- what the parser reads for the mart -------------------------------------------------------

def test_title_is_the_title_line_else_the_page_title_and_scope_names_its_words():
    from orchestration.parsing import parse_document

    page = ("<html><head><title>门户网站 - 年报栏目</title></head><body>"
            "<p>您现在的位置：首页 > 政府信息公开年报</p>"
            "<p>澜川市人民政府2023年政府信息公开</p><p>工作年度报告</p>"
            "<p>本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。全市共受理政府信息公开申请12件。</p>"
            "</body></html>").encode("utf-8")
    report = parse_document(page, "page.html")
    assert report.title == "澜川市人民政府2023年政府信息公开工作年度报告"   # two lines joined
    assert report.scope == "jurisdiction" and report.scope_basis == "text: 「全市共受理」"

    untitled = ("<html><head><title>澜川市自然资源和规划局年报</title></head><body>"
                "<p>本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。</p>"
                "<p>我局办理政府信息公开申请3件。</p></body></html>").encode("utf-8")
    report = parse_document(untitled, "untitled.html")
    assert report.title == "澜川市自然资源和规划局年报"                     # the page's <title>
    assert report.scope == "agency" and report.scope_basis == "text: 「我局办理」"

    bare = "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。".encode("utf-8")
    report = parse_document(bare, "bare.txt")
    assert report.title is None and report.scope is None and report.scope_basis is None
