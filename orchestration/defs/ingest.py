"""Catalogue → fetched documents → parsed reports, all into the warehouse's raw schema."""

import dagster as dg
import requests
from dagster_duckdb import DuckDBResource

from orchestration.defs.shared import WAREHOUSE_POOL, markdown_table, utc_now
from orchestration.lib import warehouse as wh
from orchestration.lib.catalogue import read_catalogue
from orchestration.lib.config import paths
from orchestration.lib.fetching import RawStore, fetch
from orchestration.lib.parsing import PARSER_VERSION, ParsedReport, ParseIssue, parse_document

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
    context.log.info(f"{len(sources)} sources from {sources_dir} ({http} http, {len(sources) - http} local)")
    return dg.MaterializeResult(metadata={
        "sources": len(sources), "http_sources": http, "local_sources": len(sources) - http,
        "catalogue_problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "(none)"),
        "catalogue_folder": dg.MetadataValue.path(str(sources_dir)),
    })


@dg.asset(group_name="ingest", kinds={"duckdb"}, pool=WAREHOUSE_POOL, deps=[report_sources],
          retry_policy=dg.RetryPolicy(max_retries=1, delay=5))
def raw_documents(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    """Every source fetched (local files and HTTP); the bytes stored content-addressed under
    ``data/raw/``; one ``raw.fetch_manifest`` row per distinct outcome. A source that fails is
    recorded with its reason and the others go on."""
    store = RawStore(paths().raw_dir)
    session = requests.Session()
    with warehouse.get_connection() as con:
        wh.ensure_schema(con)
        sources = con.execute("select source_id, location from raw.sources order by source_id").fetchall()
        fetched = new = 0
        failures = []
        for i, (source_id, location) in enumerate(sources, start=1):
            result = fetch(source_id, location, store, session)
            is_new = wh.record_fetch(con, result, utc_now())
            if result.outcome == "fetched":
                fetched += 1
                new += is_new
            else:
                failures.append({"source_id": source_id, "location": location, "error": result.error})
                context.log.warning(f"fetch failed: {source_id} ({location}): {result.error}")
            if i % PROGRESS_EVERY == 0:
                context.log.info(f"fetched {i}/{len(sources)}")
    context.log.info(f"{fetched} fetched ({new} new or changed), {len(failures)} failed, of {len(sources)}")
    return dg.MaterializeResult(metadata={
        "sources": len(sources), "fetched": fetched, "new_or_changed": new, "failed": len(failures),
        "failures": dg.MetadataValue.md(markdown_table(failures, ["source_id", "location", "error"])),
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
def parsed_reports(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    """Each current document not yet parsed by this parser version (by content hash), read into
    report fields, metric values with provenance, and parse issues (``raw.reports``,
    ``raw.metric_values``, ``raw.parse_issues``)."""
    store = RawStore(paths().raw_dir)
    with warehouse.get_connection() as con:
        wh.ensure_schema(con)
        todo = wh.documents_to_parse(con, PARSER_VERSION)
        templates: dict[str, int] = {}
        with_issues = []
        for i, (sha256, media_type, location) in enumerate(todo, start=1):
            try:
                report = parse_document(store.get(sha256), source=location, media_type=media_type)
            except OSError as exc:   # the stored bytes went missing: say so, keep the row
                report = ParsedReport(source=location, issues=[ParseIssue(
                    "missing_bytes", f"{location}: stored bytes {sha256} cannot be read: {exc}")])
            wh.store_report(con, sha256, media_type, report, PARSER_VERSION, utc_now())
            templates[report.template or "unreadable"] = templates.get(report.template or "unreadable", 0) + 1
            if report.issues:
                with_issues.append({"document": location, "issues": len(report.issues),
                                    "first": report.issues[0].message})
            if i % PROGRESS_EVERY == 0:
                context.log.info(f"parsed {i}/{len(todo)}")
        counts = wh.table_counts(con)
    context.log.info(f"parsed {len(todo)} documents: {templates}; {len(with_issues)} with parse issues")
    yield dg.MaterializeResult(asset_key="parsed_reports", metadata={
        "parsed": len(todo), "parser_version": PARSER_VERSION,
        "by_template": dg.MetadataValue.json(templates), "rows": counts["reports"]})
    yield dg.MaterializeResult(asset_key="parsed_metric_values", metadata={"rows": counts["metric_values"]})
    yield dg.MaterializeResult(asset_key="parse_issues", metadata={
        "documents_with_issues": len(with_issues), "rows": counts["parse_issues"],
        "issues": dg.MetadataValue.md(markdown_table(with_issues, ["document", "issues", "first"]))})
