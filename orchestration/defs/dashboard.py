"""The dashboard: a self-contained HTML page beside the published mart."""
import dagster as dg

from orchestration.config import paths
from orchestration.publishing.dashboard import DASHBOARD_FILE, write_dashboard
from orchestration.publishing.mart_copy import PUBLISHED_FILE


@dg.asset(group_name="publish", kinds={"html"}, deps=["published_mart"])
def dashboard(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """``data/published/dashboard.html``: applications and outcomes by year, the outcome mix,
    reviews and lawsuits, agencies compared and the reports that break rules, filtered by
    agency and years; plotly.js and the data inline, so it opens anywhere without a server.
    Read from the published copy, so it shows exactly what BI users see."""
    out_dir = paths().published_dir
    counts = write_dashboard(out_dir / PUBLISHED_FILE, out_dir)
    context.log.info(f"dashboard written to {out_dir / DASHBOARD_FILE}: {counts}")
    return dg.MaterializeResult(metadata={**counts,
                                          "dashboard": dg.MetadataValue.path(str(out_dir / DASHBOARD_FILE))})
