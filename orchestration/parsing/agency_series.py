"""The rules across years in the pipeline: after a parse batch, each agency's open rows re-solved
with its neighbouring years (docs/degraded-text.md, "Across years in the pipeline").

The parse loop reads one document at a time; a row it leaves open (digits run together, no rule
within the report settles them) is stored with its readings (``raw.open_rows``). This step then
takes each agency's current reports from the warehouse and settles what the neighbouring years
allow with :func:`across_years.resolve`, the function ``disclosure parse`` calls with several
documents: one concept, one place. What it settles goes to ``raw.across_years_values``, and the
``rules_used_to_read`` issue it adds to ``raw.across_years``, beside the parser's own rows, which
it never changes.

- "The agency" is the catalogue's ``agency`` exactly (the printed one when the catalogue row
  names none), not dbt's agency identity; one document per agency and year takes part (the one
  with the most values read, so a report page that only links its PDF gives way to the PDF).
- Each re-solved report records the neighbouring documents (hash and parser version of each
  other year of its run of consecutive years: the ones the rules can reach) in
  ``raw.across_years.neighbours``. They are part of its ``report_version`` in dbt, so the mart
  rebuilds the report when a neighbour arrives, changes or goes.
- Only agencies whose neighbours changed are re-solved: a refresh that adds one year re-solves
  that agency, and parses nothing again.

No Dagster here: the parse asset calls :func:`settle_across_years` after the parse loop.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from orchestration import warehouse as wh

from .across_years import RULE_KEY_PREFIXES, resolve
from .tables import MetricValue

Log = Callable[[str], None]


@dataclass
class SeriesCounts:
    agencies_resolved: int = 0     # agencies whose neighbours changed, re-solved now
    reports_resolved: int = 0      # reports with open rows among them
    rows_settled: int = 0          # open rows settled across years now
    rows_open: int = 0             # open rows those reports had
    settled: list[dict] = field(default_factory=list)   # per report re-solved: agency, year, rows

    def line(self) -> str:
        return (f"across years: {self.agencies_resolved} agencies re-solved, {self.rows_settled} of "
                f"{self.rows_open} open rows of {self.reports_resolved} reports settled with their neighbouring years")


@dataclass
class _Member:
    sha256: str
    source_id: str
    agency: str
    year: int
    parser_version: str
    values_read: int
    open_rows: int


def _representatives(rows: list[tuple]) -> dict[str, dict[int, _Member]]:
    """agency → year → the one document of that year taking part (most values read, then open
    rows, then the smallest hash: the same on every run)."""
    by_agency: dict[str, dict[int, _Member]] = {}
    for row in rows:
        member = _Member(*row)
        years = by_agency.setdefault(member.agency, {})
        best = years.get(member.year)
        if best is None or (member.values_read, member.open_rows, best.sha256) > (best.values_read, best.open_rows,
                                                                                   member.sha256):
            years[member.year] = member
    return by_agency


def neighbours_of(years: dict[int, _Member], year: int) -> str:
    """The other documents of ``year``'s run of consecutive years, 'year:sha256@parser_version'
    each: every document the rules across years can reach from it (a gap breaks the chain)."""
    first = last = year
    while first - 1 in years:
        first -= 1
    while last + 1 in years:
        last += 1
    return ",".join(f"{y}:{years[y].sha256}@{years[y].parser_version}" for y in range(first, last + 1) if y != year)


def settle_across_years(con, now, log: Log = print) -> SeriesCounts:
    """Re-solve the open rows of every agency whose neighbouring documents changed since they were
    last re-solved; store what is settled, drop what no longer holds. Returns the counts."""
    counts = SeriesCounts()
    series = _representatives(wh.current_report_series(con))
    wanted: dict[str, str] = {}          # sha256 → neighbours, for each report that should be re-solved
    agency_of: dict[str, str] = {}
    for agency, years in series.items():
        for year, member in years.items():
            if member.open_rows and len(years) > 1:
                neighbours = neighbours_of(years, year)
                if neighbours:
                    wanted[member.sha256] = neighbours
                    agency_of[member.sha256] = agency
    stored = wh.across_years_neighbours(con)
    stale = sorted(set(stored) - set(wanted))    # no longer current, no neighbour left, or parsed again
    changed = sorted({agency_of[sha] for sha, neighbours in wanted.items() if stored.get(sha) != neighbours})
    if stale:
        wh.replace_across_years(con, stale, [], [])
    # A batch of agencies at a time: one read of their values and one write of what they settle,
    # not one per agency (a national refresh re-solves hundreds).
    for start in range(0, len(changed), AGENCIES_PER_BATCH):
        _resolve_agencies(con, [series[a] for a in changed[start:start + AGENCIES_PER_BATCH]], wanted, now, counts)
    if changed or stale:
        log(counts.line() + (f"; {len(stale)} reports' earlier results dropped" if stale else ""))
    return counts


AGENCIES_PER_BATCH = 500


def _resolve_agencies(con, agencies: list[dict[int, _Member]], wanted: dict[str, str], now,
                      counts: SeriesCounts) -> None:
    """These agencies' years, each agency re-solved with :func:`across_years.resolve`."""
    from . import ParsedReport

    members = [years[y] for years in agencies for y in sorted(years)]
    open_rows = wh.stored_open_rows(con, [m.sha256 for m in members if m.open_rows])
    reports = {m.sha256: ParsedReport(source=m.source_id, agency=m.agency, year=m.year,
                                      open_rows=list(open_rows.get(m.sha256, []))) for m in members}
    # Only the cells the rules across years read: the rest of a report's values cannot take part.
    for sha, key, value, method, table, row_label, column_label, raw_text, location, note in wh.stored_values(
            con, [m.sha256 for m in members], RULE_KEY_PREFIXES):
        number = int(value) if value is not None and float(value).is_integer() else value
        reports[sha].values[key] = MetricValue(key, number, method, table, row_label, column_label, raw_text,
                                               location, note)
    before = {sha: dict(r.values) for sha, r in reports.items()}
    for years in agencies:   # (resolve groups by agency itself; one call per agency keeps each search small)
        resolve([reports[years[y].sha256] for y in sorted(years)])
    done = [m for m in members if m.sha256 in wanted]
    rows, values = [], []
    for m in done:
        report = reports[m.sha256]
        opened = len(open_rows.get(m.sha256, []))
        settled = opened - len(report.open_rows)
        # resolve() adds at most one issue, rules_used_to_read, when it settles a row
        used = "; ".join(i.message for i in report.issues if i.code == "rules_used_to_read") or None
        rows.append([m.sha256, m.agency, m.year, wanted[m.sha256], opened, settled, used, now])
        values += [[m.sha256, v.key, v.value, v.method, v.table, v.row_label, v.column_label, v.raw_text, v.location,
                    v.note] for key, v in report.values.items() if before[m.sha256].get(key) is not v]
        counts.reports_resolved += 1
        counts.rows_open += opened
        counts.rows_settled += settled
        counts.settled.append({"agency": m.agency, "year": m.year, "source_id": m.source_id,
                               "rows_open": opened, "rows_settled": settled})
    counts.agencies_resolved += len(agencies)
    wh.replace_across_years(con, [m.sha256 for m in done], rows, values)
