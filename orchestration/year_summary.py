"""Per-year facts of one fetch batch and of the parsed reports, for the year partitions.

A full refresh is one run over every year partition (a single-run backfill), and Dagster records
one materialisation's metadata for every partition of such a run alike (dagster-io/dagster
#18123, #17836). So each partitioned asset carries, besides the run's totals, a table of what
each year had: the UI's partition page shows it, and docs/operations.md says how to read it."""
from __future__ import annotations


def fetch_by_year(con, batch_id: str) -> list[dict]:
    """Per statistical year of the sources (as the catalogue or discovery gives it): how many
    sources, and what this batch's fetches of them gave. Sources of no known year (listings,
    folders) are one row, ``year`` None."""
    rows = con.execute("""
        with attempts as (
            select source_id, outcome from raw.fetch_attempts where batch_id = ?
        )
        select s.year, count(distinct s.source_id) as sources,
               count(a.outcome) as fetches,
               count(*) filter (a.outcome = 'fetched') as fetched,
               count(*) filter (a.outcome in ('unchanged', 'not_modified')) as unchanged,
               count(*) filter (a.outcome = 'failed') as failed
        from raw.sources s left join attempts a using (source_id)
        group by s.year order by s.year nulls last""", [batch_id]).fetchall()
    names = ["year", "sources", "fetches", "fetched", "unchanged", "failed"]
    return [dict(zip(names, row)) for row in rows]


def parse_by_year(con, parsed_since) -> list[dict]:
    """Per statistical year read from the documents: reports held, parsed since ``parsed_since``
    (this run), and parse issues of those."""
    rows = con.execute("""
        select r.year, count(*) as reports,
               count(*) filter (r.parsed_at >= ?) as parsed_now,
               coalesce(sum(i.issues) filter (r.parsed_at >= ?), 0) as issues_now
        from raw.reports r
        left join (select sha256, count(*) as issues from raw.parse_issues group by sha256) i using (sha256)
        group by r.year order by r.year nulls last""", [parsed_since, parsed_since]).fetchall()
    names = ["year", "reports", "parsed_now", "issues_now"]
    return [dict(zip(names, row)) for row in rows]
