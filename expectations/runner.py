"""Running a suite over a pandas frame (GX's pandas datasource; see design.md for why not SQL).

Without ``docs``, an ephemeral context (tests, one-off checks). With ``docs``, a file-backed GX
project (build output, under the data folder) whose checkpoint also rebuilds the Data Docs site
in the published folder, so every run's validation results can be browsed there.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")   # no internet on the machines

import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402

DOCS_SITE = "published"


@dataclass(frozen=True)
class DocsTarget:
    project_dir: Path    # the GX project: stores of suites and results (build output)
    site_dir: Path       # the Data Docs site: data/published/data_docs/index.html


def _context(docs: DocsTarget | None):
    if docs is None:
        context = gx.get_context(mode="ephemeral")
    else:
        docs.project_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(docs.project_dir))
        if DOCS_SITE not in (context.get_site_names() or []):
            context.add_data_docs_site(site_name=DOCS_SITE, site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs.site_dir)}})
    try:
        context.variables.progress_bars = {"globally": False}
    except Exception:  # pragma: no cover - cosmetic only
        pass
    return context


def run_suite(frame: pd.DataFrame, suite: gx.ExpectationSuite, index_columns: list[str],
              docs: DocsTarget | None = None):
    """Validate ``frame`` against ``suite``; failing rows are named by ``index_columns``.
    Returns the suite's validation result."""
    context = _context(docs)
    source = context.data_sources.add_or_update_pandas(f"frames_{suite.name}")
    asset = next((a for a in source.assets if a.name == suite.name), None) or source.add_dataframe_asset(suite.name)
    batch_definition = next((b for b in asset.batch_definitions if b.name == "whole_frame"), None) \
        or asset.add_batch_definition_whole_dataframe("whole_frame")
    suite = context.suites.add_or_update(suite)
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite))
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": index_columns}
    if docs is None:
        return validation.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    # The checkpoint stores the result; the site is rebuilt once per check by build_docs (each
    # rebuild renders every stored result: per chunk it was half of a national check's time).
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name=suite.name, validation_definitions=[validation], result_format=result_format, actions=[]))
    return next(iter(checkpoint.run(batch_parameters={"dataframe": frame}).run_results.values()))


def build_docs(docs: DocsTarget) -> Path:
    """Rebuild the Data Docs site from the stored validation results; its index page."""
    _context(docs).build_data_docs(site_names=[DOCS_SITE])
    return docs.site_dir / "index.html"
