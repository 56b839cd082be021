"""The parse batch: several worker processes and small write chunks store exactly what one
process writing document by document would, and a batch stopped midway loses nothing."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration import warehouse as wh
from orchestration.fetching.batch import run_fetch_batch
from orchestration.fetching.catalogue import Selection, read_catalogue
from orchestration.fetching.http import FetchPolicy
from orchestration.fetching.raw_store import RawStore
from orchestration.parsing import PARSER_VERSION, parse_document
from orchestration.parsing import batch as parse_batch
from orchestration.parsing.batch import run_parse_batch
from orchestration.synthetic import samples

TABLES = {
    "reports": "select sha256, parser_version, media_type, agency, year, template, published, scope "
               "from raw.reports order by sha256",
    "metric_values": "select * from raw.metric_values order by sha256, metric_key",
    "parse_issues": "select * from raw.parse_issues order by sha256, seq",
    "quarantine": "select stage, source_id, item, reason, attempts, resolved_at is null "
                  "from raw.quarantine order by all",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Every physical form and both layouts, plus one document the parser cannot read."""
    root = tmp_path_factory.mktemp("corpus")
    reports = samples.generate_panel(agencies=8, years=range(2019, 2024))
    samples.write_samples(root / "docs", root / "sources" / "samples.csv", reports)
    (root / "docs" / "garbage.bin").write_bytes(b"\x00\x01\x02 not a report \xff" * 50)
    with (root / "sources" / "samples.csv").open("a", encoding="utf-8") as catalogue:
        catalogue.write(f"garbage,某单位,2021,{root / 'docs' / 'garbage.bin'}\n")
    return root


def refresh(corpus: Path, data_dir: Path, **parse_kw) -> dict[str, list]:
    data_dir.mkdir()
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        wh.ensure_schema(con)
        sources, problems = read_catalogue(corpus / "sources")
        assert not problems
        wh.replace_sources(con, sources, parse_batch.utc_now())
        store = RawStore(data_dir / "raw")
        run_fetch_batch(con, store, FetchPolicy(), log=lambda _: None)
        counts = run_parse_batch(con, store, PARSER_VERSION, parse_document, Selection(), log=lambda _: None,
                                 **parse_kw)
        assert counts.parsed == len(sources)
        return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        con.close()


def test_two_processes_and_small_chunks_store_what_one_process_does(corpus, tmp_path, monkeypatch):
    one = refresh(corpus, tmp_path / "one", workers=1)
    monkeypatch.setattr(parse_batch, "PARSE_CHUNK", 7)   # several chunks, the last one short
    two = refresh(corpus, tmp_path / "two", workers=2)
    assert len(one["reports"]) == len(samples.generate_panel(agencies=8, years=range(2019, 2024))) + 1
    assert len(one["metric_values"]) > 1000
    assert [row[:3] for row in one["quarantine"]] == [("parse", "garbage", row[2]) for row in one["quarantine"]]
    assert len(one["quarantine"]) == 1
    for table in TABLES:
        assert two[table] == one[table], table


def test_a_failing_write_keeps_the_chunks_before_it(corpus, tmp_path, monkeypatch):
    """The warehouse is written chunk by chunk: when writing fails (disk full, a crash), what
    was written stays, and the next run parses only the documents that are missing."""
    monkeypatch.setattr(parse_batch, "PARSE_CHUNK", 10)
    calls = []
    real_store = wh.store_report_rows

    def failing_third(con, parsed, *args):
        calls.append(len(parsed))
        if len(calls) == 3:
            raise OSError("disk full")
        return real_store(con, parsed, *args)

    monkeypatch.setattr(wh, "store_report_rows", failing_third)
    with pytest.raises(OSError, match="disk full"):
        refresh(corpus, tmp_path / "data", workers=1)
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"))
    try:
        assert con.execute("select count(*) from raw.reports").fetchone() == (20,)
        retried = len(wh.open_quarantine(con, "parse"))   # a quarantined document is parsed again
        monkeypatch.setattr(wh, "store_report_rows", real_store)
        store = RawStore(tmp_path / "data" / "raw")
        again = run_parse_batch(con, store, PARSER_VERSION, parse_document, Selection(), log=lambda _: None)
        total = con.execute("select count(*) from raw.sources").fetchone()[0]
        assert again.parsed == total - 20 + retried
        assert con.execute("select count(*) from raw.reports").fetchone() == (total,)
    finally:
        con.close()


def test_a_chunk_is_written_once_it_holds_a_row_group_of_values(corpus, tmp_path, monkeypatch):
    """A chunk closes as soon as its documents hold PARSE_CHUNK_VALUES metric values (DuckDB
    writes a transaction's full row groups straight to the file), not only at PARSE_CHUNK
    documents: every chunk but the last holds that many values, and one document fewer would
    not have."""
    monkeypatch.setattr(parse_batch, "PARSE_CHUNK", 10_000)
    monkeypatch.setattr(parse_batch, "PARSE_CHUNK_VALUES", 500)
    chunks = []
    real_store = wh.store_report_rows

    def recording(con, parsed, *args):
        chunks.append([rows.value_count for rows in parsed])
        return real_store(con, parsed, *args)

    monkeypatch.setattr(wh, "store_report_rows", recording)
    stored = refresh(corpus, tmp_path / "data", workers=1)
    assert len(chunks) >= 3
    assert sum(map(len, chunks)) == len(stored["reports"])
    for values in chunks[:-1]:
        assert sum(values) >= 500 > sum(values[:-1])
    assert 0 < sum(chunks[-1]) and sum(chunks[-1][:-1]) < 500


def test_parse_workers_default_to_one_for_small_batches(monkeypatch):
    monkeypatch.setattr(parse_batch.os, "cpu_count", lambda: 4)
    assert parse_batch.parse_workers(None, 10) == 1
    assert parse_batch.parse_workers(None, 450) == 2
    assert parse_batch.parse_workers(None, 100_000) == 4
    assert parse_batch.parse_workers(3, 10) == 3
    assert parse_batch.parse_workers(0, 10) == 1


def test_a_new_parser_version_replaces_every_row_of_a_document_and_adds_none(corpus, tmp_path, monkeypatch):
    """A document's old rows are deleted only when it was stored before (a first parse skips the
    deletes): parsed again under a new version, each table holds what the first parse wrote."""
    monkeypatch.setattr(parse_batch, "PARSE_CHUNK", 9)
    first = refresh(corpus, tmp_path / "data", workers=1)
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"))
    try:
        sections = con.execute("select count(*) from raw.report_sections").fetchone()[0]
        assert sections > 0
        again = run_parse_batch(con, RawStore(tmp_path / "data" / "raw"), "next-version", parse_document,
                                Selection(), log=lambda _: None, workers=1)
        assert again.parsed == len(first["reports"])
        assert con.execute("select distinct parser_version from raw.reports").fetchall() == [("next-version",)]
        assert con.execute("select count(*) from raw.report_sections").fetchone()[0] == sections
        for table in ("metric_values", "parse_issues"):
            assert con.execute(TABLES[table]).fetchall() == first[table], table
    finally:
        con.close()


def test_the_checkpoint_threshold_of_a_batch_is_restored_even_when_it_fails(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    setting = "select current_setting('checkpoint_threshold')"
    try:
        before = con.execute(setting).fetchone()[0]
        with pytest.raises(RuntimeError, match="midway"):
            with wh.fewer_checkpoints(con):
                assert con.execute(setting).fetchone()[0] != before
                raise RuntimeError("midway")
        assert con.execute(setting).fetchone()[0] == before
    finally:
        con.close()


def test_a_worker_hands_over_the_warehouse_rows_not_the_parser_records(corpus, tmp_path):
    """What crosses from a parse worker to the writing process is the rows the warehouse stores,
    plain tuples: unpickling the parser's records (a report's MetricValue and ReportSection
    objects) was the writing process's largest cost besides DuckDB, and it is the batch's one
    serial process. The rows store what the report reads."""
    import pickle

    document = next(p for p in sorted((corpus / "docs").rglob("*.html")))
    store = RawStore(tmp_path / "raw")
    sha256 = store.put(document.read_bytes())
    task = (store.root, parse_document, sha256, "text/html", str(document), "s1", None)
    rows = parse_batch._parse_stored(task)
    report = parse_document(document.read_bytes(), source=str(document), media_type="text/html")
    assert isinstance(rows, wh.ReportRows) and rows.value_count == len(report.values) > 100
    payload = pickle.dumps(rows)
    for record in ("MetricValue", "ReportSection", "ParseIssue", "ParsedReport"):
        assert record.encode() not in payload
    assert rows.template == report.template and len(rows.sections) == len(report.sections) > 0
    values = dict(zip(rows.values[wh.VALUE_FIELDS.index("metric_key")], rows.values[wh.VALUE_FIELDS.index("value")]))
    assert values == {key: (None if v is None else float(v)) for key, v in report.metrics.items()}
