"""The code location: every module under ``defs/`` registers itself; global policies are
applied here, once."""
from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dagster as dg
from dagster.components import load_from_defs_folder

from orchestration.defs.shared import REFRESH

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

# What BI users read must not go stale unnoticed: the off-season refresh is weekly, so a mart
# older than 8 days means refreshes stopped; older than 2 days is worth a look in the season.
MART_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=8), warn_window=timedelta(days=2))


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.Definitions.merge(load_from_defs_folder(project_root=Path(__file__).resolve().parent.parent),
                                  dg.Definitions(jobs=[REFRESH]))
    with warnings.catch_warnings():   # map_resolved_asset_specs is "preview" in 1.13; it is the way
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return loaded.map_resolved_asset_specs(
            func=lambda spec: spec.replace_attributes(freshness_policy=MART_FRESHNESS),
            selection=dg.AssetSelection.groups("mart", "publish")
            - dg.AssetSelection.key_prefixes("staging", "intermediate"))


def refresh_job() -> dg.JobDefinition:
    """The refresh job, from a module-level function so that the multiprocess executor can
    rebuild it in each step's process."""
    return defs().resolve_job_def(REFRESH.name)
