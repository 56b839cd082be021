"""The structural check is blocking: a parser that emits a key outside metrics.md stops the
mart from being rebuilt in that run."""
from __future__ import annotations

import dataclasses

import duckdb

import orchestration.defs.ingest as ingest
from orchestration.cli import materialise_all
from orchestration.lib import samples


def test_an_unknown_metric_key_fails_the_structural_check_and_blocks_the_mart(pipeline_env, monkeypatch):
    data_dir = pipeline_env
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv",
                          samples.generate_panel(agencies=1, years=range(2021, 2023)))
    real_parse = ingest.parse_document

    def parser_with_a_bug(data, source, media_type=None):
        report = real_parse(data, source, media_type)
        bogus = dataclasses.replace(next(iter(report.values.values())), key="apps.newly_invented.total")
        report.values[bogus.key] = bogus
        return report

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


def test_well_formed_output_passes(pipeline_env):
    data_dir = pipeline_env
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv",
                          samples.generate_panel(agencies=1, years=range(2021, 2023)))
    result = materialise_all(log_level="WARNING")
    check = next(e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                 and e.event_specific_data.check_name == "structural_parser_output")
    assert check.passed and check.metadata["values_checked"].value > 300
    assert check.metadata["reports_checked"].value == 2

    # Nothing new parsed: nothing to check again (a national warehouse is not re-read each run).
    again = materialise_all(log_level="WARNING")
    check = next(e.event_specific_data for e in again.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                 and e.event_specific_data.check_name == "structural_parser_output")
    assert check.passed and check.metadata["reports_checked"].value == 0
