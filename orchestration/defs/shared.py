"""What several stage modules share."""
from __future__ import annotations

import ctypes
import gc
from datetime import date, datetime, timezone

import dagster as dg

from orchestration.fetching.catalogue import FIRST_REPORT_YEAR

# DuckDB allows one writing process: every asset that opens the warehouse runs in this pool,
# whose limit is 1 (.dagster_home/dagster.yaml), so overlapping runs queue instead of failing.
WAREHOUSE_POOL = "warehouse"


# A year's report appears early the next year, so the current year is the last partition (its
# reports arrive next January). The first year is the catalogue's: the years it accepts.
YEARS = dg.StaticPartitionsDefinition([str(y) for y in range(FIRST_REPORT_YEAR, date.today().year + 1)])


# Every asset and check as one named job: what ``disclosure run``, the schedule and the inbox
# sensor execute, and what the UI launches as "refresh" (the implicit asset job's name is
# reserved, so it cannot be rebuilt in the step processes of the multiprocess executor). One job
# for every trigger, so every refresh shows on its page and on the Overview timeline.
REFRESH = dg.define_asset_job("refresh", selection=dg.AssetSelection.all(),
                              description="Fetch, parse, load, dbt build, the rule checks, publish and the "
                                          "dashboard; year partitions choose what is fetched and parsed.")

# The code location (pyproject.toml [tool.dg.project] code_location_name) and its repository:
# a run started outside the UI (``disclosure run``) carries this label so that the UI files it
# under the job, as it does for the runs it launches itself.
CODE_LOCATION = "disclosure"
REPOSITORY_LABEL = f"__repository__@{CODE_LOCATION}"


def all_years_tags() -> dict[str, str]:
    """Run tags that cover every year partition in one run (a full refresh)."""
    keys = YEARS.get_partition_keys()
    return {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}


# A full refresh fetches and parses every source whatever its year (listings and folders have
# none), whichever year partitions its run covers.
EVERY_SOURCE_TAG = "disclosure/every_source"


def full_refresh_tags(catalogue_years) -> dict[str, str]:
    """Run tags of a full refresh (``make run``, the schedule, the inbox sensor): every source
    (EVERY_SOURCE_TAG), over the year partitions from the first to the last year the catalogue
    names. Dagster marks every partition of a run materialised, so a run over all 19 would mark
    the years before and after the catalogue's, which hold nothing; a year missing inside the
    span is still marked (a run covers one range). No year at all: every partition."""
    keys = YEARS.get_partition_keys()
    years = sorted({str(y) for y in catalogue_years if y is not None} & set(keys))
    if not years:
        span = all_years_tags()
    elif years[0] == years[-1]:
        span = {"dagster/partition": years[0]}
    else:
        span = {"dagster/asset_partition_range_start": years[0], "dagster/asset_partition_range_end": years[-1]}
    return {**span, EVERY_SOURCE_TAG: "true"}


def catalogue_years() -> set[int]:
    """The report years the catalogue (data/sources/*.csv) names. Read from the files, never
    from the warehouse, which a running refresh may hold."""
    from orchestration.config import paths
    from orchestration.fetching.catalogue import catalogue_years as years_in

    return years_in(paths().sources_dir)


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
    """The years this run refreshes: its partitions, or () for everything (a full refresh, a
    run over all of them, or an unpartitioned one), so that sources of an unknown year are
    fetched too."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return ()
    if context.run.tags.get(EVERY_SOURCE_TAG) == "true":
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


def metadata_table(rows: list[dict], columns: list[tuple[str, str]]) -> dg.TableMetadataValue:
    """Rows as a metadata table (the UI draws it as a table). ``columns``: (name, type), type
    "int" or "string"; None stays empty."""
    def cell(value, kind):
        if value is None:
            return None
        return int(value) if kind == "int" else str(value)
    return dg.MetadataValue.table(
        records=[dg.TableRecord({name: cell(row.get(name), kind) for name, kind in columns}) for row in rows],
        schema=dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in columns]))


def give_back_memory() -> None:
    """Free what a heavy step left behind before the next one starts: objects in reference
    cycles (the cycle collector runs rarely) and, on glibc, the free pages of the heap, which
    the allocator otherwise keeps. ``disclosure run`` executes every step in one process, whose
    memory would only grow through a national refresh while dbt, a process of its own, runs
    beside it."""
    gc.collect()
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)   # the C library already loaded; glibc only
    if trim is not None:
        trim(0)
