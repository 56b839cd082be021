"""What several stage modules share."""
from __future__ import annotations

from datetime import datetime, timezone

# DuckDB allows one writing process: every asset that opens the warehouse runs in this pool,
# whose limit is 1 (.dagster_home/dagster.yaml), so overlapping runs queue instead of failing.
WAREHOUSE_POOL = "warehouse"


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def markdown_table(rows: list[dict], columns: list[str], limit: int = 50) -> str:
    """A small Markdown table for Dagster metadata (the UI renders it)."""
    if not rows:
        return "(none)"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        lines.append("| " + " | ".join(str(row.get(c, "")).replace("|", "\\|") for c in columns) + " |")
    if len(rows) > limit:
        lines.append(f"\n… and {len(rows) - limit} more")
    return "\n".join(lines)
