"""The structural check is blocking: a parser that emits a key outside docs/metrics.md stops the
mart from being rebuilt in that run."""
from __future__ import annotations

import dataclasses

import duckdb

import orchestration.defs.ingest as ingest
from orchestration.cli import materialise_all
from orchestration.parsing import parse_document
from orchestration.synthetic import samples


def parser_with_a_bug(data, source, media_type=None):
    """The real parser plus a key outside the contract. Module level: the parse workers are
    separate processes, which take the parser by reference."""
    report = parse_document(data, source, media_type)
    bogus = dataclasses.replace(next(iter(report.values.values())), key="apps.newly_invented.total")
    report.values[bogus.key] = bogus
    return report


def test_an_unknown_metric_key_fails_the_structural_check_and_blocks_the_mart(pipeline_env, monkeypatch):
    data_dir = pipeline_env
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv",
                          samples.generate_panel(agencies=1, years=range(2021, 2023)))
    real_parse = ingest.parse_document
    monkeypatch.setattr(ingest, "parse_document", parser_with_a_bug)
    result = materialise_all(log_level="WARNING")

    check = next(e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                 and e.event_specific_data.check_name == "structural_parser_output")
    assert not check.passed
    assert "apps.newly_invented.total" in check.metadata["failed_expectations"].value
    materialized = {e.asset_key.to_user_string() for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"}
    assert "parsed_metric_values" in materialized
    assert not any(k.startswith("marts/") for k in materialized) and "published_mart" not in materialized
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        marts = con.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()
    finally:
        con.close()
    assert marts == (0,)

    # The bad values are stored; a later run that parses nothing new checks them again (they
    # were never passed), so they still cannot reach the mart.
    monkeypatch.setattr(ingest, "parse_document", real_parse)
    again = materialise_all(log_level="WARNING")
    check = next(e.event_specific_data for e in again.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                 and e.event_specific_data.check_name == "structural_parser_output")
    assert not check.passed and check.metadata["reports_checked"].value == 2


def test_well_formed_output_passes(pipeline_env, monkeypatch, capfd):
    data_dir = pipeline_env
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv",
                          samples.generate_panel(agencies=1, years=range(2021, 2023)))
    result = materialise_all(log_level="WARNING")
    check = next(e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                 and e.event_specific_data.check_name == "structural_parser_output")
    assert check.passed and check.metadata["values_checked"].value > 300
    assert check.metadata["reports_checked"].value == 2

    # Nothing new parsed: nothing to check again (a national warehouse is not re-read each run).
    # This run shows the progress bar, as in a terminal: a warning and a library's log line raised
    # during the run go to the run's log file, not across the bar.
    import logging
    import warnings

    fetch = ingest.run_fetch_batch

    def noisy_fetch(*args, **kwargs):
        warnings.warn("planted-warning-c41", UserWarning)
        logging.getLogger("pdfminer.planted").warning("planted-library-line-c41")
        return fetch(*args, **kwargs)

    monkeypatch.setattr(ingest, "run_fetch_batch", noisy_fetch)
    capfd.readouterr()
    again = materialise_all(log_level="WARNING", progress=True)
    out, err = capfd.readouterr()
    assert "c41" not in out + err and "refresh" in err   # the bar was drawn, and nothing crossed it
    logs = "".join(log.read_text(encoding="utf-8")
                   for log in (pipeline_env.parent / "dagster_home" / "logs").glob("*.log"))
    assert "planted-warning-c41" in logs and "planted-library-line-c41" in logs
    check = next(e.event_specific_data for e in again.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                 and e.event_specific_data.check_name == "structural_parser_output")
    assert check.passed and check.metadata["reports_checked"].value == 0


# ---- rule checks validate only what changed ------------------------------------------------------

def _mart(con, rows):
    """A marts.mart_reconciliation with the columns the rule checks read."""
    con.execute("create schema if not exists marts")
    con.execute("""create or replace table marts.mart_reconciliation (rule_id varchar, report_id varchar,
                   column_key varchar, lhs double, rhs double, agency varchar, year integer, report_version varchar)""")
    con.executemany("insert into marts.mart_reconciliation values (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_rule_checks_validate_only_new_report_versions_and_keep_the_findings(tmp_path, monkeypatch):
    """The first run validates every row; the next, nothing (same outcome, the finding kept);
    a changed report is validated alone and its finding follows it; a report gone takes its
    finding along; another suite validates everything again."""
    from expectations import rule_checks

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    rows = [("R1", "a", "total", 5, 5, "甲", 2021, "va1"), ("R1", "a", "natural_person", 2, 2, "甲", 2021, "va1"),
            ("R1", "b", "total", 3, 4, "乙", 2021, "vb1"),          # a finding
            ("R1", "c", "total", None, 1, "丙", 2021, "vc1")]       # not assessable
    _mart(con, rows)
    first, validated = rule_checks.validate_rule_in_warehouse(con, "R1", rows_per_chunk=2)
    assert validated == 4 and not first.success
    assert (first.reports_passed, first.reports_failed, first.reports_not_assessable) == (1, 1, 1)
    assert [(f["report_id"], f["column"], f["lhs"], f["rhs"]) for f in first.failures] == [("b", "total", 3, 4)]

    again, validated = rule_checks.validate_rule_in_warehouse(con, "R1")
    assert validated == 0 and again == first

    # b corrected (a new version that balances), a changed into a failure, c dropped
    _mart(con, [rows[0], rows[1], ("R1", "b", "total", 4, 4, "乙", 2021, "vb2")])
    con.execute("update marts.mart_reconciliation set rhs = 6, report_version = 'va2' where report_id = 'a' and column_key = 'total'")
    con.execute("update marts.mart_reconciliation set report_version = 'va2' where report_id = 'a'")
    changed, validated = rule_checks.validate_rule_in_warehouse(con, "R1")
    assert validated == 3                                         # a's two rows and b's one
    assert [(f["report_id"], f["column"]) for f in changed.failures] == [("a", "total")]
    assert (changed.reports_passed, changed.reports_failed, changed.reports_not_assessable) == (1, 1, 0)
    assert con.execute("select count(*) from checks.rule_validated").fetchone() == (2,)

    monkeypatch.setattr(rule_checks, "suite_fingerprint", lambda rule_id: "another suite")
    _, validated = rule_checks.validate_rule_in_warehouse(con, "R1")
    assert validated == 3
    con.close()


def test_the_structural_suite_finds_each_kind_of_fault_in_a_chunk_of_categories():
    """validate() hands GX the chunk as categorical columns (for speed at national scale): each
    planted fault is still found once, named by its report and key."""
    import pandas as pd

    from expectations.structural import known_metric_keys, validate

    keys = known_metric_keys()[:40]
    rows = [{"report_id": f"r{r:03d}", "metric_key": k, "year": 2020 + r % 3, "template": "2021",
             "method": "table", "location": "table 2"} for r in range(50) for k in keys]
    rows[5]["metric_key"] = "not_a_key"
    rows[77]["year"] = 1990
    rows[130]["method"] = None
    rows[200]["template"] = "x"
    rows.append(dict(rows[300]))                    # the same report and key twice
    outcome = validate(pd.DataFrame(rows))
    found = {(f["expectation"], f["column"]): f for f in outcome.failures}
    assert not outcome.success and outcome.rows == len(rows)
    assert set(found) == {("expect_column_values_to_be_in_set", "metric_key"),
                          ("expect_column_values_to_be_between", "year"),
                          ("expect_column_values_to_not_be_null", "method"),
                          ("expect_column_values_to_be_in_set", "template"),
                          ("expect_compound_columns_to_be_unique", "report_id,metric_key")}
    assert {f["unexpected"] for k, f in found.items() if "unique" not in k[0]} == {1}
    assert found[("expect_column_values_to_be_between", "year")]["examples"].count(rows[77]["report_id"]) == 1
    assert rows[300]["metric_key"] in found[("expect_compound_columns_to_be_unique", "report_id,metric_key")]["examples"]
    assert validate(pd.DataFrame(rows[:5] + rows[6:77])).success
    # a chunk of one year (a backfill of that year) passes: the year's range test still holds
    assert validate(pd.DataFrame([r for r in rows[:5] + rows[6:77] if r["year"] == 2020])).success


def test_rule_chunks_are_sized_by_rows_and_keep_each_version_whole():
    """R3 has ~25 rows a report, R8 one: a chunk is cut by rows, never inside a version, and a
    version larger than the limit is a chunk of its own."""
    from expectations.rule_checks import _chunks

    versions = [("a", 3), ("b", 3), ("c", 5), ("d", 1), ("e", 2)]
    assert _chunks(versions, 6) == [["a", "b"], ["c", "d"], ["e"]]
    assert _chunks(versions, 4) == [["a"], ["b"], ["c"], ["d", "e"]]
    assert _chunks(versions, 100) == [["a", "b", "c", "d", "e"]]
    assert _chunks([], 10) == []
