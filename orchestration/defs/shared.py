"""What several stage modules share."""
from __future__ import annotations

from datetime import date, datetime, timezone

import dagster as dg

from orchestration.fetching.catalogue import FIRST_REPORT_YEAR

# DuckDB allows one writing process: every asset that opens the warehouse runs in this pool,
# whose limit is 1 (.dagster_home/dagster.yaml), so overlapping runs queue instead of failing.
WAREHOUSE_POOL = "warehouse"


# A year's report appears early the next year, so the current year is the last partition (its
# reports arrive next January). The first year is the catalogue's: the years it accepts.
YEARS = dg.StaticPartitionsDefinition([str(y) for y in range(FIRST_REPORT_YEAR, date.today().year + 1)])


def all_years_tags() -> dict[str, str]:
    """Run tags that cover every year partition in one run (a full refresh)."""
    keys = YEARS.get_partition_keys()
    return {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}


def years_tags(years) -> dict[str, str]:
    """Run tags for these years: one partition, or the range from the first to the last."""
    keys = YEARS.get_partition_keys()
    unknown = sorted({str(y) for y in years} - set(keys))
    if unknown:
        raise ValueError(f"no year partition for {', '.join(unknown)} (years are {keys[0]}–{keys[-1]})")
    if not years:
        return all_years_tags()
    first, last = str(min(years)), str(max(years))
    if first == last:
        return {"dagster/partition": first}
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def partition_years(context: dg.AssetExecutionContext) -> tuple[int, ...]:
    """The years this run refreshes: its partitions, or () for everything (a run over all of
    them, or an unpartitioned one), so that sources of an unknown year are fetched too."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return ()
    keys = context.partition_keys
    if set(keys) == set(YEARS.get_partition_keys()):
        return ()
    return tuple(int(k) for k in keys)


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
