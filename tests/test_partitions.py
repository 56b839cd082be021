"""Year partitions: one year backfilled alone changes that year only, and the multiprocess
executor (what the Dagster UI and daemon use) builds the same mart as the in-process one."""
from __future__ import annotations

import dataclasses

import dagster as dg
import duckdb

from orchestration.cli import materialise_all
from orchestration.synthetic import samples

YEARS = range(2020, 2023)


def mart_values(data_dir) -> dict[tuple[str, str], float | None]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        # value is DECIMAL(38,6) in the mart: as float, to compare with the generator's numbers
        return {(source_id, key): None if value is None else float(value) for source_id, key, value in con.execute(
            "select source_id, metric_key, value from marts.fct_disclosure_metrics").fetchall()}
    finally:
        con.close()


def expected(reports) -> dict[tuple[str, str], float | None]:
    return {(f"sample-{r.slug}-{r.year}", key): value for r in reports for key, value in r.metrics.items()}


def latest_run_of(instance, asset: str, year: str) -> str:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[year]), limit=1).records
    return records[0].run_id if records else ""


def use_data_dir(monkeypatch, data_dir):
    (data_dir / "sources").mkdir(parents=True)
    monkeypatch.setenv("DISCLOSURE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DISCLOSURE_WAREHOUSE", str(data_dir / "warehouse.duckdb"))
    return data_dir


def test_multiprocess_refresh_then_a_single_year_backfill(pipeline_env, tmp_path, monkeypatch):
    """One test, because each full refresh costs half a minute: the multiprocess executor (each
    step in a process of its own, parsing in two worker processes) builds the same mart as the
    in-process run; then one year backfilled alone changes that year only."""
    before = samples.generate_panel(agencies=2, years=YEARS)
    marts = {}
    for executor in ("in_process", "multiprocess"):
        data_dir = use_data_dir(monkeypatch, tmp_path / executor)
        samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv", before)
        result = materialise_all(executor=executor, parse_workers=2)
        assert result.success, executor
        steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
        assert {"raw_documents", "parsed_reports", "dbt_models", "published_mart"} <= steps
        marts[executor] = (mart_values(data_dir), _mart_rows(data_dir))
    first = result
    in_process, multiprocess = marts["in_process"], marts["multiprocess"]
    assert {k: in_process[0].get(k) for k in expected(before)} == expected(before)
    assert multiprocess == in_process

    # Every document on disk now says something else (other numbers, same agencies and files).
    redrawn = samples.generate_panel(seed=7, agencies=2, years=YEARS)
    after = [dataclasses.replace(new, agency=old.agency, slug=old.slug) for old, new in zip(before, redrawn)]
    assert all(a.metrics != b.metrics for a, b in zip(before, after))
    samples.write_samples(data_dir / "samples", data_dir / "sources" / "samples.csv", after)

    backfill = materialise_all(years=[2021])
    assert backfill.success
    values = mart_values(data_dir)
    for old, new in zip(before, after):
        wanted = expected([new if new.year == 2021 else old])
        assert {k: values.get(k) for k in wanted} == wanted, (old.year, old.slug)

    with dg.DagsterInstance.get() as instance:
        assert latest_run_of(instance, "raw_documents", "2021") == backfill.run_id
        assert latest_run_of(instance, "parsed_reports", "2021") == backfill.run_id
        for year in ("2020", "2022"):
            assert latest_run_of(instance, "raw_documents", year) == first.run_id


def _mart_rows(data_dir) -> list[tuple]:
    """Every row of the agency-year mart and the rule results, independent of the run."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return [con.execute(f"select * from marts.{table} order by all").fetchall()
                for table in ("mart_agency_year", "mart_reconciliation")]
    finally:
        con.close()
