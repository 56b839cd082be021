"""The code location: every module under ``defs/`` registers itself; nothing is listed here."""
from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster.components import load_from_defs_folder

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@dg.definitions
def defs() -> dg.Definitions:
    return load_from_defs_folder(project_root=Path(__file__).resolve().parent.parent)
