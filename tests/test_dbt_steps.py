"""What the dbt steps of a refresh skip: dbt docs are regenerated only when what they show
changed (the dbt project, or the tables and column types dbt documents; not the rows), and a
build leaves its parse state for the next one (orchestration/defs/dbt_docs.py, mart.py)."""
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


def test_a_build_leaves_its_parse_state_to_the_next(tmp_path):
    from orchestration.defs.mart import keep_partial_parse

    project, invocation = tmp_path / "project", tmp_path / "project" / "target" / "dbt_models-1"
    invocation.mkdir(parents=True)
    (project / "target" / "partial_parse.msgpack").write_bytes(b"made by dbt parse for another warehouse")
    assert not keep_partial_parse(invocation, project)          # the build wrote none: nothing changes
    assert (project / "target" / "partial_parse.msgpack").read_bytes().startswith(b"made by dbt parse")
    (invocation / "partial_parse.msgpack").write_bytes(b"state of the build that just ran")
    assert keep_partial_parse(invocation, project)
    assert (project / "target" / "partial_parse.msgpack").read_bytes() == b"state of the build that just ran"
    assert [p.name for p in (project / "target").iterdir() if p.name.startswith(".")] == []


def test_each_warehouse_s_build_starts_from_the_parse_state_made_for_it(tmp_path, monkeypatch):
    """dbt throws a parse state away when the profile (the warehouse's path in it) differs: a
    build of one warehouse after another's starts from the state kept for its own, and only the
    most recent profiles' states are kept."""
    from orchestration.defs import mart

    project = tmp_path / "project"
    (project / "target").mkdir(parents=True)

    def build(warehouse: str, state: bytes) -> bytes:
        monkeypatch.setenv("DISCLOSURE_WAREHOUSE", str(tmp_path / warehouse))
        invocation = project / "target" / f"dbt_models-{warehouse}"
        seeded = mart.seed_partial_parse(invocation, project)
        started_from = (invocation / "partial_parse.msgpack").read_bytes() if seeded else b""
        (invocation / "partial_parse.msgpack").write_bytes(state)   # what the dbt run leaves
        assert mart.keep_partial_parse(invocation, project)
        return started_from

    assert build("a.duckdb", b"state for a") == b""                  # nothing kept yet
    assert build("b.duckdb", b"state for b") == b"state for a"       # another's: dbt parses anew
    assert build("a.duckdb", b"state for a, 2") == b"state for a"    # its own, though b's is the last
    assert (project / "target" / "partial_parse.msgpack").read_bytes() == b"state for a, 2"
    for n in range(mart.KEPT_PARSE_STATES + 3):
        build(f"w{n}.duckdb", b"state")
    assert len(list((project / "target" / mart.PARSE_STATES).glob("*.msgpack"))) == mart.KEPT_PARSE_STATES
    assert build("a.duckdb", b"") == b"state"                         # a's was among the oldest: gone


def test_a_successful_build_leaves_no_folder_of_its_own(tmp_path):
    from orchestration.defs.mart import discard_build_folder

    project = tmp_path / "project"
    invocation = project / "target" / "dbt_models-1"
    (invocation / "compiled").mkdir(parents=True)
    (invocation / "manifest.json").write_text("{}")
    (project / "target" / "manifest.json").write_text("{}")
    elsewhere = tmp_path / "elsewhere" / "dbt_models-2"
    elsewhere.mkdir(parents=True)
    assert discard_build_folder(invocation, project)
    assert not invocation.exists() and (project / "target" / "manifest.json").exists()
    assert not discard_build_folder(elsewhere, project) and elsewhere.exists()   # not the project's
    assert not discard_build_folder(project / "target", project)                 # never target/ itself
    assert (project / "target" / "manifest.json").exists()


def test_the_dbt_resource_knows_its_version_and_runs_dbt_without_an_adapter_here(tmp_path, monkeypatch):
    """The refresh's dbt resource skips dagster-dbt's `dbt --version` subprocess and its
    in-process adapter (orchestration/defs/resources.py); dbt itself still runs, the version
    is the one `dbt --version` prints, and nothing asks for what the adapter served."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    import dagster_dbt.core.resource as dbt_resource

    from orchestration.config import DBT_PROJECT_DIR
    from orchestration.defs.resources import DbtBesideThisInterpreter

    dbt_executable = str(Path(sys.executable).with_name("dbt"))
    printed = subprocess.run([dbt_executable, "--version"], capture_output=True, text=True).stdout
    installed = re.search(r"installed: (\d+\.\d+\.\d+)", printed).group(1)

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"dagster-dbt started {args[0]!r}")

    monkeypatch.setattr(dbt_resource, "check_output", no_subprocess)
    monkeypatch.setenv("DISCLOSURE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    dbt = DbtBesideThisInterpreter(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                                   dbt_executable=dbt_executable)
    assert str(dbt._cli_version) == installed
    invocation = dbt.cli(["ls", "--resource-type", "model", "--output", "name"],
                         target_path=tmp_path / "target")
    assert invocation.adapter is None
    invocation.wait()
    assert invocation.is_successful()
    assert "model.disclosure.fct_disclosure_metrics" in invocation.get_artifact("manifest.json")["nodes"]


def test_processes_loading_the_definitions_at_once_share_one_dbt_parse(tmp_path):
    """On a fresh clone several processes load the definitions at once (the webserver and the
    daemon, the test suite's workers), and each finds no manifest when it imports the dbt
    assets. One parses, the others wait and read its manifest whole: before, each parsed and
    one read another's half-written manifest (orjson: "unexpected content after document").
    A copy of the project's code with no dbt target plays the fresh clone."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    clone = tmp_path / "clone"
    for part in ("orchestration", "expectations", "dbt_project"):
        shutil.copytree(PROJECT_ROOT / part, clone / part,
                        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__", "gx"))
    script = ("import json; from orchestration.defs.mart import MANIFEST; "
              "json.loads(MANIFEST.read_text()); print(MANIFEST)")
    env = {**os.environ, "PYTHONPATH": str(clone), "DISCLOSURE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
           "DISCLOSURE_DATA_DIR": str(tmp_path / "data")}
    loaders = [subprocess.Popen([sys.executable, "-c", script], cwd=clone, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outcomes = [p.communicate(timeout=600) for p in loaders]
    assert [p.returncode for p in loaders] == [0, 0, 0], [err[-2000:] for _, err in outcomes]
    project = clone / "dbt_project"
    manifest = project / "target" / "manifest.json"
    assert {out.strip() for out, _ in outcomes} == {str(manifest)}
    assert any(node.startswith("model.") for node in json.loads(manifest.read_text())["nodes"])
    assert not list((project / "target").glob(".parse-*"))   # the parse's own folder is gone
    # dbt logs each run it starts: one parse for the three of them
    assert (project / "logs" / "dbt.log").read_text().count("Running with dbt=") == 1
