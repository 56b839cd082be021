"""The dbt project (staging → intermediate → marts), its rule checks, and the published copy."""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration import warehouse
from orchestration.config import DBT_PROJECT_DIR, duckdb_memory_limit, paths
from orchestration.defs.shared import WAREHOUSE_POOL, give_back_memory
from orchestration.publishing.dictionary import read_dictionary
from orchestration.publishing.mart_copy import publish_marts
from orchestration.publishing.postgres import (
    publication_url,
    publish_to_postgres,
    redacted,
)

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def dbt_environment() -> dict[str, str]:
    """What dbt needs to find the warehouse, and no telemetry (the machines are offline). Its
    log file at info level: at debug it holds every SQL statement and connection event (5 MB
    a build at 100,000 reports, 0.5 s to write), and a failed node's error and compiled SQL
    are kept without them (the log's error lines, ``target/…/run``)."""
    return {"DISCLOSURE_WAREHOUSE": str(paths().warehouse), "DO_NOT_TRACK": "1", "DBT_LOG_LEVEL_FILE": "info"}


def _project_files(project_dir: Path) -> list[Path]:
    return [p for sub in ("models", "macros", "seeds", "tests", "snapshots")
            for p in (project_dir / sub).rglob("*") if p.is_file()] + [project_dir / "dbt_project.yml"]


# dbt keeps a project's parse state (``partial_parse.msgpack``) and throws it away when the profile
# it was made under differs, and the warehouse's path is part of the profile: one state kept for
# every warehouse the project builds (a second data folder, a backfill's, the test suite's many),
# the most recent of them, so that building them in turn does not parse the whole project anew
# each time (3.6 of a small refresh's 11 s of dbt).
PARSE_STATES = "parse_states"
KEPT_PARSE_STATES = 8


def _parse_state_key() -> str:
    """The profile a dbt run of this process renders: what dbt's parse state is only good for."""
    profile = f"{dbt_environment()['DISCLOSURE_WAREHOUSE']}\0{duckdb_memory_limit()}"
    return hashlib.sha256(profile.encode()).hexdigest()[:16]


def seed_partial_parse(invocation_target: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """Give a dbt invocation's own target folder the parse state kept for this profile, or else
    the last one kept (dbt checks it against the project and the profile and parses anew where
    it does not match, so a wrong guess costs only the parse it would have cost anyway)."""
    target = project_dir / "target"
    for source in (target / PARSE_STATES / f"{_parse_state_key()}.msgpack", target / "partial_parse.msgpack"):
        try:
            invocation_target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, invocation_target / "partial_parse.msgpack")
            return True
        except FileNotFoundError:   # none kept (or pruned by another process meanwhile)
            continue
    return False


def keep_partial_parse(invocation_target: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """Keep the parse state of the dbt run that just ended, for its profile (see
    :func:`seed_partial_parse`) and as the project's own ``target/partial_parse.msgpack``, which
    a plain ``dbt`` run in the project folder starts from. dagster-dbt never writes one back, so
    without this every build parsed the whole project anew. Each written aside and renamed: a
    build starting meanwhile reads the old or the new file, never half of one. The states of
    all but the most recent profiles are removed."""
    source = Path(invocation_target) / "partial_parse.msgpack"
    if not source.exists():
        return False
    target = project_dir / "target"
    states = target / PARSE_STATES
    states.mkdir(parents=True, exist_ok=True)
    for place in (states / f"{_parse_state_key()}.msgpack", target / "partial_parse.msgpack"):
        tmp = place.with_name(f".{place.name}.{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, place)
    kept = sorted(states.glob("*.msgpack"), key=_modified, reverse=True)
    for stale in kept[KEPT_PARSE_STATES:]:
        stale.unlink(missing_ok=True)
    return True


def _modified(path: Path) -> float:
    """When the file was last written; 0 for one another process removed meanwhile."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """Dagster builds the dbt assets from ``target/manifest.json``: run ``dbt parse`` when it is
    missing or older than any project file, so a fresh clone and an edited model both load.

    Several processes may load the definitions at once on a fresh clone (the webserver and the
    daemon of ``make dev``, the test suite's workers): one parses while the others wait on a
    lock, and the parse writes into a folder of its own whose manifest is then renamed into
    place, so no process ever reads half of one."""
    target = project_dir / "target"
    manifest = target / "manifest.json"
    if _manifest_fresh(manifest, project_dir):
        return manifest
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _manifest_fresh(manifest, project_dir):   # another process may have parsed meanwhile
            own = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
            try:
                dbt = Path(sys.executable).with_name("dbt")
                subprocess.run([str(dbt), "parse", "--quiet", "--project-dir", str(project_dir),
                                "--profiles-dir", str(project_dir), "--target-path", str(own)],
                               check=True, env={**os.environ, **dbt_environment()})
                os.replace(own / "manifest.json", manifest)
                keep_partial_parse(own, project_dir)
            finally:
                shutil.rmtree(own, ignore_errors=True)
    return manifest


def _manifest_fresh(manifest: Path, project_dir: Path) -> bool:
    newest = max((p.stat().st_mtime for p in _project_files(project_dir)), default=0)
    return manifest.exists() and manifest.stat().st_mtime >= newest


class Translator(DagsterDbtTranslator):
    """Every dbt node (staging and intermediate views, the reference seeds, the marts) in one
    asset group, so the UI shows the mart as one unit beside ingest and publish."""

    def get_group_name(self, dbt_resource_props) -> str:
        return "mart"


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A hash of the dbt project's models, macros, seeds and tests."""
    digest = hashlib.sha256()
    for path in sorted(_project_files(project_dir)):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def built_with_marker(warehouse: Path) -> Path:
    """Beside the warehouse: the fingerprint of the project that last built its marts."""
    return warehouse.with_name(warehouse.name + ".dbt-project")


@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=Translator(), pool=WAREHOUSE_POOL)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """``dbt build``: staging views, intermediate models, mart tables and their data tests.
    The big per-report models are incremental (macros/incremental_reports.sql): only the
    reports that changed are rebuilt. When the project itself changed since it last built this
    warehouse (a new model version, a seed edited), the build is a full refresh.
    The unit tests (fixed inputs, the models' logic) belong to the test suite, not to every
    refresh: they cost a third of the build and say nothing about the data."""
    os.environ.update(dbt_environment())
    # the mart shows a local report by its path relative to its catalogue's folder: store it
    # first (raw.sources.path_in_catalogue), here where the catalogue's folder is known
    with warehouse.connect(paths().warehouse) as con:
        warehouse.record_catalogue_paths(con, paths().sources_dir)
    marker, fingerprint = built_with_marker(paths().warehouse), project_fingerprint()
    args = ["build", "--exclude-resource-type", "unit_test"]
    if not marker.exists() or marker.read_text().strip() != fingerprint:
        context.log.info("the dbt project changed since it last built this warehouse: full refresh")
        args.append("--full-refresh")
        marker.unlink(missing_ok=True)
    # A target folder of its own, as dagster-dbt would name it, given this profile's parse state.
    own = DBT_PROJECT_DIR / "target" / f"dbt_models-{context.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    seed_partial_parse(own)
    invocation = dbt.cli(args, context=context, target_path=own)
    yield from invocation.stream()
    marker.write_text(fingerprint + "\n")
    keep_partial_parse(invocation.target_path)
    discard_build_folder(invocation.target_path)


def discard_build_folder(invocation_target: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """Remove a successful build's own folder under ``target/`` (dagster-dbt gives each build
    one: its manifest, compiled SQL and run results, about 10 MB) once its parse state is kept:
    nothing reads it again, and a refresh a day filled the disk (160 builds, 1.7 GB). Only a
    folder inside the project's ``target/``; a failed build's folder stays, to be read."""
    folder = Path(invocation_target).resolve()
    if folder.parent != (project_dir / "target").resolve() or not folder.is_dir():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


# Every table of the marts schema (dbt_project/models/marts): what BI reads and what the
# published copy holds.
MART_TABLES = ["dim_agency", "dim_metric", "fct_disclosure_metrics", "fct_harmonised_indicators",
               "mart_agency_year", "mart_jurisdiction_departments", "mart_reconciliation", "mart_report_quality"]


@dg.asset(group_name="publish", kinds={"duckdb", "parquet"}, pool=WAREHOUSE_POOL,
          deps=[dg.AssetKey(["marts", t]) for t in MART_TABLES])
def published_mart(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The BI copy: ``data/published/mart.duckdb`` (storage v1.0.0: every DuckDB from 1.0 on opens
    it) and ``data/published/parquet/<table>.parquet``, each swapped in atomically, with the
    dictionary of the dbt descriptions as comments, Parquet metadata and ``dictionary.md`` /
    ``dictionary.csv``. With ``DISCLOSURE_PUBLISH_POSTGRES`` (a connection URL) set, the same
    tables, types and comments go to that PostgreSQL server too, swapped in as one schema."""
    out_dir = paths().published_dir
    dictionary = read_dictionary(ensure_manifest())
    # What built the marts (the dbt project's fingerprint, written when its build succeeded):
    # the previous copy is synced only when the same project built both.
    marker = built_with_marker(paths().warehouse)
    built_with = marker.read_text().strip() if marker.exists() else None
    manifest = publish_marts(paths().warehouse, out_dir, dictionary=dictionary, built_with=built_with)
    give_back_memory()
    publication = manifest["publication"]
    context.log.info(f"published {manifest['tables']} to {out_dir}: {publication['mode']}"
                     + (f" ({publication['why_whole']})" if publication["why_whole"] else ""))
    metadata = {
        "published_file": dg.MetadataValue.path(str(out_dir / manifest["duckdb_file"])),
        "storage_version": manifest["storage_version"],
        "parquet_folder": dg.MetadataValue.path(str(out_dir / "parquet")),
        "tables": dg.MetadataValue.json(manifest["tables"]),
        "publication": dg.MetadataValue.json(publication),
        "commented_columns": f"{manifest['commented_columns']} of {manifest['columns']}",
        "dictionary": dg.MetadataValue.path(str(out_dir / "dictionary.md")),
    }
    url = publication_url()
    if url:
        counts = publish_to_postgres(out_dir / manifest["duckdb_file"], url, dictionary)
        context.log.info(f"published {counts} to PostgreSQL {redacted(url)}, schema marts")
        metadata["postgres"] = f"{redacted(url)} (schema marts)"
    return dg.MaterializeResult(metadata=metadata)
