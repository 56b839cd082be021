"""Shared fixtures. Tests that need ../shared/ (the hand-checked corpus) skip with a reason
when it is absent; everything else stands alone on documents the project generates."""
from __future__ import annotations

import json
import math
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


def read_against(expected: dict, got: dict, label: str) -> tuple[int, list[str]]:
    """What a document read (``got``: key → number) against what it should (``expected``: key →
    number, or None for a cell blank in the document). Asserts nothing is misplaced: a blank
    read as a number, or a number read as another. Returns how many cells were read right (a
    blank left blank counts) and the numbers left unread."""
    right, unread = 0, []
    for key, want in expected.items():
        value = got.get(key)
        if want is None:
            assert value is None, f"{label}: {key} is blank, read as {value}"
            right += 1
        elif value is None:
            unread.append(key)
        else:
            assert math.isclose(float(value), float(want), rel_tol=1e-9, abs_tol=1e-6), \
                f"{label}: {key} read as {value}, expected {want}"
            right += 1
    return right, unread


def rezipped(data: bytes, change) -> bytes:
    """The zip ``data`` (a DOCX, an XLSX) with each member's bytes passed through
    ``change(name, bytes)``, which returns them as they are or changed."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def page_of_text(text: str, how: str = "p") -> bytes:
    """A page that holds a text as paragraphs, as lines between <br>, or in a <pre>: what a site
    serves when its editor pasted a report's tables as text."""
    from html import escape

    lines = text.split("\n")
    body = {"p": "".join(f"<p>{escape(line)}</p>\n" for line in lines),
            "br": "<div>" + "<br>\n".join(escape(line) for line in lines) + "</div>",
            "pre": f"<pre>{escape(text)}</pre>"}[how]
    return f'<html><head><meta charset="utf-8"></head><body>\n{body}\n</body></html>'.encode()


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
    # dbt docs cost 10–40 s a refresh; tests/test_operator_views.py builds them once
    monkeypatch.setenv("DISCLOSURE_DBT_DOCS", "0")
    return data_dir


# The oldest DuckDB the published file must open (BI tools bundle old drivers): a separate
# environment, made once and kept in .venv-duckdb1 (listed in .gitignore).
OLD_DUCKDB = "1.1.3"


@pytest.fixture(scope="session")
def old_duckdb_python() -> Path:
    """The Python of an environment with duckdb==OLD_DUCKDB, installed from PyPI when missing.
    Without the registry: skip, except under CI (CI=true), where it is a failure."""
    import fcntl
    import os
    import subprocess
    import venv

    env = PROJECT_ROOT / ".venv-duckdb1"
    python = env / "bin" / "python"
    probe = [str(python), "-c", "import duckdb; print(duckdb.__version__)"]
    # `make test` runs test files in parallel processes: one makes the environment, the others wait
    with open(PROJECT_ROOT / ".venv-duckdb1.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = subprocess.run(probe, capture_output=True, text=True) if python.exists() else None
        if found is None or found.returncode or found.stdout.strip() != OLD_DUCKDB:
            if not python.exists():
                venv.create(env, with_pip=True)
            result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"duckdb=={OLD_DUCKDB}"],
                                    capture_output=True, text=True, timeout=600)
            if result.returncode:
                reason = f"could not install duckdb=={OLD_DUCKDB} from PyPI: {result.stderr[-300:]}"
                if os.environ.get("CI") == "true":
                    pytest.fail(reason + " — under CI this is a failure, not a skip")
                pytest.skip(reason)
    return python
