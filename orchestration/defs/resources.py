"""The warehouse and dbt resources, built from the configured paths."""
from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.config import DBT_PROJECT_DIR, duckdb_memory_limit, paths


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={
        "warehouse": DuckDBResource(database=str(paths().warehouse),
                                    connection_config={"memory_limit": duckdb_memory_limit()}),
        # The dbt beside this interpreter: the venv's bin/ need not be on PATH.
        "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                              dbt_executable=str(Path(sys.executable).with_name("dbt"))),
    })
