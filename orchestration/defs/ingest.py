"""Catalogue → fetched documents → parsed reports, all into the warehouse's raw schema."""

import warnings
from typing import Optional

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration import warehouse as wh
from orchestration.config import paths
from orchestration.defs.checks import import_checks_meanwhile
from orchestration.defs.shared import (
    WAREHOUSE_POOL,
    YEARS,
    give_back_memory,
    markdown_table,
    metadata_table,
    partition_years,
    utc_now,
)
from orchestration.fetching.batch import run_fetch_batch
from orchestration.fetching.catalogue import Selection, read_catalogue
from orchestration.fetching.http import FetchPolicy
from orchestration.fetching.raw_store import RawStore
from orchestration.parsing import PARSER_VERSION, parse_document
from orchestration.parsing.agency_series import settle_across_years
from orchestration.parsing.batch import run_parse_batch
from orchestration.year_summary import fetch_by_year, parse_by_year

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
    """What this run refreshes, besides its year partitions: some sites (hosts) or some
    catalogue rows. Empty lists mean every source of the run's years (what ``make run`` does),
    e.g. in the launchpad ``{"hosts": ["www.example.gov.cn"]}`` or ``disclosure run --year 2021
    --host www.example.gov.cn``."""

    hosts: list[str] = []
    source_ids: list[str] = []

    def selection(self, years: tuple[int, ...] = ()) -> Selection:
        return Selection(years, tuple(h.lower() for h in self.hosts), tuple(self.source_ids))


class ParseConfig(SelectionConfig):
    """The selection, and how many processes parse (unset: one per core for a large batch)."""

    parse_workers: Optional[int] = None


class FetchConfig(SelectionConfig):
    """The selection, and the politeness settings (unset: the polite defaults of FetchPolicy)."""

    min_interval_seconds: Optional[float] = None   # per host, between two request starts
    per_host_concurrency: Optional[int] = None
    max_workers: Optional[int] = None
    timeout_seconds: Optional[float] = None
    retries: Optional[int] = None
    listing_max_pages: Optional[int] = None
    respect_robots: Optional[bool] = None
    revalidate_after_days: Optional[float] = None   # unset: every report is revalidated

    def policy(self) -> FetchPolicy:
        return FetchPolicy().with_overrides(
            min_interval_seconds=self.min_interval_seconds, per_host_concurrency=self.per_host_concurrency,
            max_workers=self.max_workers, timeout_seconds=self.timeout_seconds, retries=self.retries,
            listing_max_pages=self.listing_max_pages, respect_robots=self.respect_robots,
            revalidate_after_days=self.revalidate_after_days)


# BackfillPolicy is "beta" in Dagster 1.13; single-run backfills are what we want of it.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

# Fetching and parsing are partitioned by report year, so one year can be backfilled alone. A full
# refresh is one run over every year (single-run backfills): one crawl, one parse pool.
YEARLY = {"partitions_def": YEARS, "backfill_policy": dg.BackfillPolicy.single_run()}


@dg.asset(group_name="ingest", kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[report_sources],
          retry_policy=dg.RetryPolicy(max_retries=1, delay=5), **YEARLY)
def raw_documents(context: dg.AssetExecutionContext, config: FetchConfig,
                  warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Every selected source fetched politely (local files, HTTP report pages and their
    attachments, listing pages and the reports discovered on them); the bytes stored
    content-addressed under ``data/raw/``; one ``raw.fetch_manifest`` row per distinct outcome,
    one ``raw.fetch_attempts`` row per fetch, discoveries in ``raw.discoveries``, failures in
    ``raw.quarantine``. A source that fails is recorded with its reason and the others go on."""
    store = RawStore(paths().raw_dir)
    selection = config.selection(partition_years(context))
    with warehouse.get_connection() as con:
        counts = run_fetch_batch(con, store, config.policy(), selection, batch_id=context.run_id,
                                 log=context.log.info, warn=context.log.warning)
        by_year = fetch_by_year(con, context.run_id)
    return dg.MaterializeResult(metadata={
        "selection": selection.describe(), "batch_id": context.run_id,
        **counts.as_dict(),
        "failures": dg.MetadataValue.md(markdown_table(counts.failures, ["source_id", "location", "error"])),
        # "incomplete: 10 reports found of 20 records declared", and why (docs/listings.md)
        "listing_completeness": dg.MetadataValue.md(
            markdown_table(counts.listing_states, ["source_id", "summary", "reason"])),
        "raw_store": dg.MetadataValue.path(str(store.root)),
        # One run covers many year partitions and Dagster gives them all this metadata: the
        # table says what each year had (orchestration/year_summary.py).
        "by_year": metadata_table(by_year, [("year", "string"), ("sources", "int"), ("fetches", "int"),
                                            ("fetched", "int"), ("unchanged", "int"), ("failed", "int")]),
    })


# One parse writes these tables (and raw.open_rows, which only the re-solve across years reads);
# each is an asset of its own so dbt's sources map onto them.
PARSED_TABLES = {
    "parsed_reports": "raw.reports: one row per document and parser version (agency, year, template, published)",
    "parsed_metric_values": "raw.metric_values: one row per report and metric key, with provenance",
    "parse_issues": "raw.parse_issues: what the parser could not read cleanly, with the place",
    "parsed_report_sections": "raw.report_sections: each report's prose, one row per section (the scorecard's text)",
    "reports_settled_across_years": "raw.across_years: each report whose open rows were re-solved with its agency's "
                                    "neighbouring years, and with which documents",
    "values_settled_across_years": "raw.across_years_values: the values the rules across years settled, with provenance",
}


@dg.multi_asset(
    name="parsed_reports", group_name="ingest", pool=WAREHOUSE_POOL, **YEARLY,
    specs=[dg.AssetSpec(key, description=text, deps=[raw_documents], kinds={"duckdb"},
                        code_version=PARSER_VERSION) for key, text in PARSED_TABLES.items()])
def parsed_reports(context: dg.AssetExecutionContext, config: ParseConfig, warehouse: DuckDBResource):
    """Each current document of the selected sources not yet parsed by this parser version (by
    content hash), and each quarantined one again, read into report fields, metric values with
    provenance, and parse issues (``raw.reports``, ``raw.metric_values``, ``raw.parse_issues``).
    A document that cannot be read at all also goes to ``raw.quarantine``. Then the rows a
    report left open are re-solved with its agency's neighbouring years (``raw.across_years*``,
    parsing/agency_series.py)."""
    store = RawStore(paths().raw_dir)
    selection = config.selection(partition_years(context))
    started = utc_now()
    import_checks_meanwhile()
    with warehouse.get_connection() as con:
        wh.ensure_schema(con)
        counts = run_parse_batch(con, store, PARSER_VERSION, parse_document, selection,
                                 log=context.log.info, progress_every=PROGRESS_EVERY,
                                 workers=config.parse_workers)
        # Rows a report left open, settled with its agency's neighbouring years (R5, R6, R7, R11):
        # every agency whose neighbouring documents changed, whatever this run's selection.
        across = settle_across_years(con, utc_now(), log=context.log.info)
        table_rows = wh.table_counts(con)
        by_year = parse_by_year(con, started)
    give_back_memory()
    yield dg.MaterializeResult(asset_key="parsed_reports", metadata={
        "selection": selection.describe(), "parsed": counts.parsed, "quarantined": counts.quarantined,
        "parser_version": PARSER_VERSION,
        "by_template": dg.MetadataValue.json(counts.templates), "rows": table_rows["reports"],
        "by_year": metadata_table(by_year, [("year", "string"), ("reports", "int"), ("parsed_now", "int"),
                                            ("issues_now", "int")]),
        "quarantine": dg.MetadataValue.md(markdown_table(counts.quarantine, ["source_id", "document", "reason"])),
        "rows_settled_across_years": across.rows_settled, "rows_open_across_years": across.rows_open,
        "agencies_resolved_across_years": across.agencies_resolved,
        "across_years": dg.MetadataValue.md(markdown_table(
            across.settled, ["agency", "year", "source_id", "rows_open", "rows_settled"]))})
    yield dg.MaterializeResult(asset_key="parsed_metric_values", metadata={"rows": table_rows["metric_values"]})
    yield dg.MaterializeResult(asset_key="parse_issues", metadata={
        "documents_with_issues": len(counts.with_issues), "rows": table_rows["parse_issues"],
        "issues": dg.MetadataValue.md(markdown_table(counts.with_issues, ["document", "issues", "first"]))})
    yield dg.MaterializeResult(asset_key="parsed_report_sections", metadata={"rows": table_rows["report_sections"]})
    yield dg.MaterializeResult(asset_key="reports_settled_across_years", metadata={
        "rows": table_rows["across_years"], "agencies_resolved_now": across.agencies_resolved,
        "reports_resolved_now": across.reports_resolved, "rows_open_now": across.rows_open,
        "rows_settled_now": across.rows_settled})
    yield dg.MaterializeResult(asset_key="values_settled_across_years", metadata={
        "rows": table_rows["across_years_values"], "rows_settled_now": across.rows_settled})


def ingest_run_config(hosts=(), source_ids=(), parse_workers=None, **fetch_settings) -> dict:
    """Run config for the fetch and parse assets: the selection (empty: everything; the years
    are the run's partitions), any politeness settings given (``None`` values are left to the
    defaults) and the number of parsing processes."""
    selection = {k: list(v) for k, v in (("hosts", hosts), ("source_ids", source_ids)) if v}
    fetch = {**selection, **{k: v for k, v in fetch_settings.items() if v is not None}}
    parse = {**selection, **({"parse_workers": parse_workers} if parse_workers is not None else {})}
    ops = {}
    if fetch:
        ops["raw_documents"] = {"config": fetch}
    if parse:
        ops["parsed_reports"] = {"config": parse}
    return {"ops": ops} if ops else {}
