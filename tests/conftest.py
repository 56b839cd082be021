"""Shared fixtures. Tests that need ../shared/ (the hand-checked corpus) skip with a reason
when it is absent; everything else stands alone on documents the project generates."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "real"


def corpus_cases() -> list[tuple[Path, dict]]:
    """(document, expectations) for every hand-checked document, or [] without ../shared."""
    if not SHARED_CORPUS.is_dir():
        return []
    cases = []
    for expected in sorted(SHARED_CORPUS.glob("*.expected.json")):
        spec = json.loads(expected.read_text(encoding="utf-8"))
        cases.append((expected.with_name(spec.get("document") or expected.name.removesuffix(".expected.json")), spec))
    return cases


@pytest.fixture
def pipeline_env(tmp_path, monkeypatch):
    """A data folder, warehouse and Dagster home of the test's own."""
    data_dir = tmp_path / "data"
    (data_dir / "sources").mkdir(parents=True)
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DISCLOSURE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DISCLOSURE_WAREHOUSE", str(data_dir / "warehouse.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return data_dir
