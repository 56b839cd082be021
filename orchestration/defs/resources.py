"""The warehouse and dbt resources, built from the configured paths."""
from __future__ import annotations

import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from packaging.version import Version

from orchestration.config import DBT_PROJECT_DIR, duckdb_memory_limit, paths


class DbtBesideThisInterpreter(DbtCliResource):
    """dagster-dbt's dbt resource for the dbt installed beside this interpreter, without two
    start-up costs of every build that buy this project nothing:

    - dagster-dbt runs ``dbt --version`` in a subprocess to learn which dbt it will run (1.7 s
      a refresh): here it is the dbt-core of this environment, whose version is installed metadata;
    - it sets up a dbt adapter inside this process (about 1 s), used only to fetch column
      metadata and row counts (``fetch_column_metadata``, ``fetch_row_counts``), which the
      assets do not ask for: dbt's own process does the building either way.

    Both are private to dagster-dbt, which pyproject.toml pins to one version;
    tests/test_dbt_steps.py checks they still do what is said here."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={
        "warehouse": DuckDBResource(database=str(paths().warehouse),
                                    connection_config={"memory_limit": duckdb_memory_limit()}),
        # The dbt beside this interpreter: the venv's bin/ need not be on PATH.
        "dbt": DbtBesideThisInterpreter(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                                        dbt_executable=str(Path(sys.executable).with_name("dbt"))),
    })
