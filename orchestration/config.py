"""Where the pipeline keeps its files. One place, so every stage and test agrees.

Everything lives under one data folder (``DISCLOSURE_DATA_DIR``, default ``<repo>/data``);
the warehouse file can be moved on its own with ``DISCLOSURE_WAREHOUSE``.
Tests point both at a temporary folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    warehouse: Path

    @property
    def sources_dir(self) -> Path:
        """The catalogue: every ``*.csv`` here lists report sources."""
        return self.data_dir / "sources"

    @property
    def raw_dir(self) -> Path:
        """Fetched bytes, content-addressed (``raw/ab/abcdef….bin``), never overwritten."""
        return self.data_dir / "raw"

    @property
    def published_dir(self) -> Path:
        """The BI copy of the mart (DuckDB file readable by DuckDB 1.x, Parquet per table)."""
        return self.data_dir / "published"


def paths() -> Paths:
    data_dir = Path(os.environ.get("DISCLOSURE_DATA_DIR") or PROJECT_ROOT / "data").resolve()
    warehouse = Path(os.environ.get("DISCLOSURE_WAREHOUSE") or data_dir / "warehouse.duckdb").resolve()
    return Paths(data_dir=data_dir, warehouse=warehouse)


# DuckDB would use up to 80% of the machine's memory for its caches and hash tables. A refresh
# must stay under 2 GB at national scale, with dbt's DuckDB and the pipeline's side by side:
# beyond this limit each spills to disk. dbt's profile reads the same variable.
DUCKDB_MEMORY_VARIABLE = "DISCLOSURE_DUCKDB_MEMORY"
DUCKDB_MEMORY_DEFAULT = "768MB"


def duckdb_memory_limit() -> str:
    return os.environ.get(DUCKDB_MEMORY_VARIABLE) or DUCKDB_MEMORY_DEFAULT
