"""Running a suite over a pandas frame (GX's pandas datasource; see design.md for why not SQL).

Without ``docs``, an ephemeral context (tests, one-off checks). With ``docs``, a file-backed GX
project (build output, under the data folder) whose checkpoint also rebuilds the Data Docs site
in the published folder, so every run's validation results can be browsed there.
"""
from __future__ import annotations

import html
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")   # no internet on the machines

import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402

DOCS_SITE = "published"


@dataclass(frozen=True)
class DocsTarget:
    project_dir: Path    # the GX project: stores of suites and results (build output)
    site_dir: Path       # the Data Docs site: data/published/data_docs/index.html
    # The name the stored results are listed under in Data Docs ("Run Name"), e.g. the Dagster
    # run's: without one GX lists them as "__none__".
    run_name: str | None = None


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
    run_id = RunIdentifier(run_name=docs.run_name) if docs.run_name else None
    return next(iter(checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id).run_results.values()))


def build_docs(docs: DocsTarget, mart_summary: list[dict] | None = None) -> Path:
    """Rebuild the Data Docs site from the stored validation results, make it work offline,
    and (with ``mart_summary``) open its index on the state of the whole mart; its index page."""
    _context(docs).build_data_docs(site_names=[DOCS_SITE])
    make_offline(docs.site_dir)
    index = docs.site_dir / "index.html"
    if mart_summary is not None:
        write_mart_summary(index, mart_summary)
    return index


# What the GX templates load from CDNs (blocked offline, and for many users in mainland
# China), and the copy of each in expectations/data_docs_assets (see its licenses/README.md).
ASSETS_DIR = Path(__file__).with_name("data_docs_assets")
VENDOR_DIR = "static/vendor"
CDN_ASSETS = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-prefers-dark.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-filter-control.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed.min.js",
}


def make_offline(site_dir: Path) -> None:
    """Copy the vendored assets into the site and point every page at them (relative links,
    so the site also works when moved or opened from ``file://``)."""
    vendor = site_dir / VENDOR_DIR
    shutil.copytree(ASSETS_DIR, vendor, dirs_exist_ok=True, ignore=shutil.ignore_patterns("licenses"))
    # Longest first: one URL is a prefix of no other, but be safe.
    urls = sorted(CDN_ASSETS, key=len, reverse=True)
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "://" not in text:
            continue
        new = _local_logo(text, site_dir, page)
        for url in urls:
            if url in new:
                local = os.path.relpath(vendor / CDN_ASSETS[url], page.parent).replace(os.sep, "/")
                new = new.replace(f'"{url}"', f'"{local}"')
        if new != text:
            page.write_text(new, encoding="utf-8")


# The navbar loads GX's logo from S3, with the data context's id and a timestamp in the query
# (a tracking pixel); the same images ship in the site's static/images.
_S3_IMAGES = re.compile(r'"https://great-expectations-web-assets\.s3\.[^/"]+\.amazonaws\.com/([\w.-]+)(?:\?[^"]*)?"')


def _local_logo(text: str, site_dir: Path, page: Path) -> str:
    def local(match: re.Match) -> str:
        image = site_dir / "static" / "images" / match.group(1)
        return f'"{os.path.relpath(image, page.parent)}"' if image.exists() else '""'
    return _S3_IMAGES.sub(local, text)


SUMMARY_MARK = "<!-- disclosure: mart summary -->"


def write_mart_summary(index: Path, rules: list[dict]) -> None:
    """Open the index on the whole mart's state per rule, from the warehouse's record of every
    validated report version (checks.rule_failures), not on the latest validation alone: an
    incremental run validates only what changed, so its "latest" result can pass while the
    mart still holds an older failure. ``rules``: rule_id, severity, description, reports,
    failing (agency, year, column, lhs, rhs) dicts, and assessed_rows (rows not
    "not_assessable": both sides present; when given and 0, the rule had nothing to assess)."""
    text = index.read_text(encoding="utf-8")
    if SUMMARY_MARK in text:
        text = text[:text.index(SUMMARY_MARK)] + text[text.rindex(SUMMARY_MARK) + len(SUMMARY_MARK):]
    rows, details = [], []
    for rule in rules:
        failing = rule["failing"]
        reports = len({(f["agency"], f["year"], f.get("report_id")) for f in failing})
        # a rule with no row that could be assessed (R10, R11 without free-form reports) has
        # passed nothing: it says so rather than "passes"
        assessed = rule.get("assessed_rows")
        state = "fails" if failing else "nothing to assess" if assessed == 0 else "passes"
        rows.append(f"<tr class=\"{'table-danger' if failing else ''}\"><td>{html.escape(rule['rule_id'])}</td>"
                    f"<td>{html.escape(rule['severity'])}</td><td>{html.escape(rule['description'])}</td>"
                    f"<td>{state}</td><td>{reports}</td></tr>")
        if failing:
            items = "".join(
                f"<tr><td>{html.escape(str(f['agency']))}</td><td>{f['year']}</td><td>{html.escape(str(f['column']))}</td>"
                f"<td>{f['lhs']}</td><td>{f['rhs']}</td></tr>" for f in failing[:100])
            more = f"<p>… and {len(failing) - 100} more rows.</p>" if len(failing) > 100 else ""
            details.append(f"<h4>{html.escape(rule['rule_id'])}: failing rows</h4><table class=\"table table-sm\">"
                           "<thead><tr><th>agency</th><th>year</th><th>column</th><th>lhs</th><th>rhs</th></tr>"
                           f"</thead><tbody>{items}</tbody></table>{more}")
    block = (f"{SUMMARY_MARK}<div id=\"mart-summary\" class=\"card mb-4\"><div class=\"card-body\">"
             "<h2>The whole mart, now</h2><p>Each rule's state over every current report of "
             "<code>marts.mart_reconciliation</code>, kept in the warehouse's <code>checks.rule_failures</code>. "
             "The validation results below are per run: a run validates only the report versions that "
             "changed, so a run's latest result can pass while an older failure still stands here.</p>"
             "<table class=\"table table-sm\"><thead><tr><th>rule</th><th>severity</th><th>rule says</th>"
             f"<th>state</th><th>failing reports</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
             f"{''.join(details)}</div></div>{SUMMARY_MARK}")
    anchor = '<div class="col-md-10 col-lg-10 col-xs-12 pl-md-4 pr-md-3">'
    if anchor in text:
        text = text.replace(anchor, anchor + block, 1)
    else:   # another GX template: at the top of the body
        text = text.replace("<body>", "<body>" + block, 1)
    index.write_text(text, encoding="utf-8")
