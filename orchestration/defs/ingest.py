"""Catalogue → fetched documents → parsed reports, all into the warehouse's raw schema."""

from typing import Optional

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.shared import WAREHOUSE_POOL, markdown_table, utc_now
from orchestration.lib import warehouse as wh
from orchestration.lib.batches import Selection, run_fetch_batch, run_parse_batch
from orchestration.lib.catalogue import read_catalogue
from orchestration.lib.config import paths
from orchestration.lib.fetching import FetchPolicy, RawStore
from orchestration.lib.parsing import PARSER_VERSION, parse_document

PROGRESS_EVERY = 100


@dg.asset(group_name="ingest", kinds={"duckdb"}, pool=WAREHOUSE_POOL)
def report_sources(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """The catalogue: every ``data/sources/*.csv`` (source_id, agency, year, location), loaded
    into ``raw.sources``. A bad row is logged with its file and line and skipped."""
    sources_dir = paths().sources_dir
    sources, problems = read_catalogue(sources_dir)
    for problem in problems:
        context.log.warning(f"catalogue: {problem}")
    with warehouse.get_connection() as con:
        wh.ensure_schema(con)
        wh.replace_sources(con, sources, utc_now())
    http = sum(s.is_http for s in sources)
    kinds = {k: sum(s.kind == k for s in sources) for k in ("report", "listing", "folder")}
    context.log.info(f"{len(sources)} sources from {sources_dir} ({http} http, {len(sources) - http} local; "
                     f"{kinds['report']} reports, {kinds['listing']} listings, {kinds['folder']} folders)")
    return dg.MaterializeResult(metadata={
        "sources": len(sources), "http_sources": http, "local_sources": len(sources) - http,
        **{f"{k}_sources": v for k, v in kinds.items()},
        "catalogue_problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "(none)"),
        "catalogue_folder": dg.MetadataValue.path(str(sources_dir)),
    })


class SelectionConfig(dg.Config):
    """What this run refreshes. Empty lists mean everything (what ``make run`` does); a year,
    a site (host) or a catalogue row can be refreshed or backfilled alone, e.g. in the
    launchpad ``{"years": [2021]}`` or ``disclosure run --year 2021 --host www.example.gov.cn``."""

    years: list[int] = []
    hosts: list[str] = []
    source_ids: list[str] = []

    def selection(self) -> Selection:
        return Selection(tuple(self.years), tuple(h.lower() for h in self.hosts), tuple(self.source_ids))


class FetchConfig(SelectionConfig):
    """The selection, and the politeness settings (unset: the polite defaults of FetchPolicy)."""

    min_interval_seconds: Optional[float] = None   # per host, between two request starts
    per_host_concurrency: Optional[int] = None
    max_workers: Optional[int] = None
    timeout_seconds: Optional[float] = None
    retries: Optional[int] = None
    listing_max_pages: Optional[int] = None
    respect_robots: Optional[bool] = None

    def policy(self) -> FetchPolicy:
        return FetchPolicy().with_overrides(
            min_interval_seconds=self.min_interval_seconds, per_host_concurrency=self.per_host_concurrency,
            max_workers=self.max_workers, timeout_seconds=self.timeout_seconds, retries=self.retries,
            listing_max_pages=self.listing_max_pages, respect_robots=self.respect_robots)


@dg.asset(group_name="ingest", kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[report_sources],
          retry_policy=dg.RetryPolicy(max_retries=1, delay=5))
def raw_documents(context: dg.AssetExecutionContext, config: FetchConfig,
                  warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Every selected source fetched politely (local files, HTTP report pages and their
    attachments, listing pages and the reports discovered on them); the bytes stored
    content-addressed under ``data/raw/``; one ``raw.fetch_manifest`` row per distinct outcome,
    one ``raw.fetch_attempts`` row per fetch, discoveries in ``raw.discoveries``, failures in
    ``raw.quarantine``. A source that fails is recorded with its reason and the others go on."""
    store = RawStore(paths().raw_dir)
    selection = config.selection()
    with warehouse.get_connection() as con:
        counts = run_fetch_batch(con, store, config.policy(), selection, batch_id=context.run_id,
                                 log=context.log.info, warn=context.log.warning)
    return dg.MaterializeResult(metadata={
        "selection": selection.describe(), "batch_id": context.run_id,
        **counts.as_dict(),
        "failures": dg.MetadataValue.md(markdown_table(counts.failures, ["source_id", "location", "error"])),
        "raw_store": dg.MetadataValue.path(str(store.root)),
    })


# One parse writes three tables; each is an asset of its own so dbt's sources map onto them.
PARSED_TABLES = {
    "parsed_reports": "raw.reports: one row per document and parser version (agency, year, template, published)",
    "parsed_metric_values": "raw.metric_values: one row per report and metric key, with provenance",
    "parse_issues": "raw.parse_issues: what the parser could not read cleanly, with the place",
}


@dg.multi_asset(
    name="parsed_reports", group_name="ingest", pool=WAREHOUSE_POOL,
    specs=[dg.AssetSpec(key, description=text, deps=[raw_documents], kinds={"duckdb"},
                        code_version=PARSER_VERSION) for key, text in PARSED_TABLES.items()])
def parsed_reports(context: dg.AssetExecutionContext, config: SelectionConfig, warehouse: DuckDBResource):
    """Each current document of the selected sources not yet parsed by this parser version (by
    content hash), and each quarantined one again, read into report fields, metric values with
    provenance, and parse issues (``raw.reports``, ``raw.metric_values``, ``raw.parse_issues``).
    A document that cannot be read at all also goes to ``raw.quarantine``."""
    store = RawStore(paths().raw_dir)
    selection = config.selection()
    with warehouse.get_connection() as con:
        wh.ensure_schema(con)
        counts = run_parse_batch(con, store, PARSER_VERSION, parse_document, selection,
                                 log=context.log.info, progress_every=PROGRESS_EVERY)
        table_rows = wh.table_counts(con)
    yield dg.MaterializeResult(asset_key="parsed_reports", metadata={
        "selection": selection.describe(), "parsed": counts.parsed, "quarantined": counts.quarantined,
        "parser_version": PARSER_VERSION,
        "by_template": dg.MetadataValue.json(counts.templates), "rows": table_rows["reports"],
        "quarantine": dg.MetadataValue.md(markdown_table(counts.quarantine, ["source_id", "document", "reason"]))})
    yield dg.MaterializeResult(asset_key="parsed_metric_values", metadata={"rows": table_rows["metric_values"]})
    yield dg.MaterializeResult(asset_key="parse_issues", metadata={
        "documents_with_issues": len(counts.with_issues), "rows": table_rows["parse_issues"],
        "issues": dg.MetadataValue.md(markdown_table(counts.with_issues, ["document", "issues", "first"]))})


def ingest_run_config(years=(), hosts=(), source_ids=(), **fetch_settings) -> dict:
    """Run config for the fetch and parse assets: the selection (empty: everything) and any
    politeness settings given (``None`` values are left to the defaults)."""
    selection = {k: list(v) for k, v in (("years", years), ("hosts", hosts), ("source_ids", source_ids)) if v}
    fetch = {**selection, **{k: v for k, v in fetch_settings.items() if v is not None}}
    ops = {}
    if fetch:
        ops["raw_documents"] = {"config": fetch}
    if selection:
        ops["parsed_reports"] = {"config": selection}
    return {"ops": ops} if ops else {}
