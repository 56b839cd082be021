"""The project's Dagster instance keeps its event log's connections open (orchestration/event_log.py):
the same history in the same files as Dagster's default SQLite storage, written and read alike."""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.event_log import OPEN_DATABASES, PooledSqliteEventLogStorage

PROJECT_INSTANCE_YAML = Path(__file__).resolve().parents[1] / ".dagster_home" / "dagster.yaml"


@dg.asset
def counted() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=counted)
def counted_has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@pytest.fixture
def project_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(PROJECT_INSTANCE_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def _materialise(instance: dg.DagsterInstance) -> str:
    result = dg.materialize([counted, counted_has_rows], instance=instance)
    assert result.success
    return result.run_id


def test_the_project_instance_uses_the_pooled_event_log_in_dagsters_own_files(project_home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        assert Path(storage._base_dir) == project_home / "history" / "runs"
        run_id = _materialise(instance)
        assert (project_home / "history" / "runs" / f"{run_id}.db").exists()
        event = instance.get_latest_materialization_event(dg.AssetKey("counted"))
        assert event.run_id == run_id
        assert event.asset_materialization.metadata["rows"].value == 3
        checks = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("counted"), "counted_has_rows"), limit=5)
        assert [c.run_id for c in checks] == [run_id]
    # Dagster's default storage (no event_log_storage in dagster.yaml) reads the same history.
    (project_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.get() as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert instance.get_latest_materialization_event(dg.AssetKey("counted")).run_id == run_id
        assert len(instance.all_logs(run_id)) > 5


def test_it_keeps_a_few_databases_open_and_closes_them_on_wipe(project_home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        runs = [_materialise(instance) for _ in range(OPEN_DATABASES + 2)]
        assert len(storage._engines) == OPEN_DATABASES   # the index and the runs written last
        assert {"index", runs[-1]} <= set(storage._engines)
        storage.wipe()
        assert set(storage._engines) <= {"index"}   # no run database held open
        assert not list((project_home / "history" / "runs").glob("*-*.db"))
        assert _materialise(instance)   # and the instance goes on writing


def test_a_forked_process_opens_its_own_connections(project_home, monkeypatch):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        _materialise(instance)
        inherited = dict(storage._engines)
        assert inherited
        # As after a fork: the engines were opened by another process.
        monkeypatch.setattr(storage, "_engines_pid", -1)
        run_id = _materialise(instance)
        assert not set(map(id, storage._engines.values())) & set(map(id, inherited.values()))
        assert instance.get_latest_materialization_event(dg.AssetKey("counted")).run_id == run_id


def test_without_a_home_or_a_base_dir_it_says_what_is_missing(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with pytest.raises(RuntimeError, match="DAGSTER_HOME"):
        PooledSqliteEventLogStorage()
