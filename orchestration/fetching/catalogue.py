"""The catalogue of report sources: every ``*.csv`` in the sources folder.

Columns: ``source_id, agency, year, location`` and, optionally, ``kind`` and ``updated`` (more
columns are allowed and ignored). ``location`` is an http(s) URL or a local path; a relative path is read
relative to the CSV file's own folder, so a catalogue and its documents can move together.

``kind`` says what the location is:

- ``report``: one report (a page, whose attachments are followed, or a document);
- ``listing``: the listing page of a site's 政府信息公开年报 column: report pages are discovered
  from it by link text and title, following its pagination to a bounded depth;
- ``folder``: a local folder, every file in it a report.

Left empty (or a catalogue without the column), it is ``folder`` for an existing local folder
and ``report`` otherwise, so catalogues written before the column existed keep working.

``updated`` (a date, ``2024-03-05``, or an ISO date-time) is when the site says the report was
published or last corrected, as listing pages print it. It matters only with a revalidation
window (``FetchPolicy.revalidate_after_days``): a source verified inside the window is not
requested again unless its ``updated`` falls on or after the day it was last verified.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

REQUIRED_COLUMNS = ("source_id", "agency", "year", "location")
KINDS = ("report", "listing", "folder")
# Reports exist from 2008 (the 条例 took effect that May); the year partitions start there too.
FIRST_REPORT_YEAR = 2008
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Source:
    source_id: str
    agency: str | None
    year: int | None
    location: str        # absolute path or URL
    catalogue: str       # the csv file that listed it
    kind: str = "report"  # report | listing | folder (see the module docstring)
    updated: datetime | None = None  # when the site says it last changed (see the module docstring)

    @property
    def is_http(self) -> bool:
        return is_url(self.location)

    @property
    def host(self) -> str | None:
        """The site, for selecting what to refresh (``None`` for a local path)."""
        return host_of(self.location)


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def host_of(location: str) -> str | None:
    if not is_url(location):
        return None
    return (urlsplit(location).hostname or "").lower() or None


@dataclass(frozen=True)
class CatalogueProblem:
    catalogue: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.catalogue}, line {self.line}: {self.message}"


def default_kind(location: str) -> str:
    if not is_url(location) and Path(location).is_dir():
        return "folder"
    return "report"


def read_catalogue(sources_dir: Path) -> tuple[list[Source], list[CatalogueProblem]]:
    """All sources, and the rows that could not be taken (each with file and line).
    A bad row is reported and skipped; the other rows still load."""
    sources: dict[str, Source] = {}
    problems: list[CatalogueProblem] = []
    for csv_path in sorted(sources_dir.glob("*.csv")):
        name = csv_path.name
        try:
            text = catalogue_text(csv_path.read_bytes())
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(CatalogueProblem(name, 1, f"cannot be read: {exc}; the file was skipped"))
            continue
        try:
            _read_rows(csv_path, text, sources, problems)
        except csv.Error as exc:   # a broken quote or a NUL: this file costs only itself
            problems.append(CatalogueProblem(name, 0, f"not a readable CSV ({exc}); the rest of the file was skipped"))
    return list(sources.values()), problems


def catalogue_years(sources_dir: Path) -> set[int]:
    """The report years the catalogue's rows name (within FIRST_REPORT_YEAR and this year).
    For the partitions of a run, before it starts: only the year column is read, 0.1 s at
    100,000 rows where ``read_catalogue`` takes 0.5 s (the run's first step reads the rest)."""
    years: set[int] = set()
    for csv_path in sorted(sources_dir.glob("*.csv")):
        try:
            rows = csv.reader(io.StringIO(catalogue_text(csv_path.read_bytes()), newline=""))
            header = next(rows, [])
            if not all(column in header for column in REQUIRED_COLUMNS):
                continue
            at = header.index("year")
            for row in rows:
                text = row[at].strip() if len(row) > at else ""
                if text.isdigit() and FIRST_REPORT_YEAR <= int(text) <= date.today().year:
                    years.add(int(text))
        except (OSError, UnicodeDecodeError, csv.Error):
            continue   # read_catalogue reports it, with the file and line
    return years


def catalogue_text(data: bytes) -> str:
    """A catalogue's text: UTF-8 with or without a BOM, else GB18030 (what Excel writes on a
    Chinese-locale Windows, a superset of GBK and GB2312). Raises UnicodeDecodeError when it
    is neither."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _read_rows(csv_path: Path, text: str, sources: dict[str, Source], problems: list[CatalogueProblem]) -> None:
    name = csv_path.name
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(CatalogueProblem(name, 1, f"missing column(s) {', '.join(missing)}; "
                                         "the file was skipped"))
        return
    for line, row in enumerate(reader, start=2):
        source_id = (row.get("source_id") or "").strip()
        location = (row.get("location") or "").strip()
        if not source_id or not location:
            problems.append(CatalogueProblem(name, line, "source_id and location are required"))
            continue
        if _CONTROL.search(source_id + location):   # a NUL in a path raises deep inside the OS calls
            problems.append(CatalogueProblem(name, line, "source_id or location holds a control character; "
                                             "this row was skipped"))
            continue
        if source_id in sources:
            problems.append(CatalogueProblem(
                name, line, f"source_id {source_id!r} is already listed in "
                f"{sources[source_id].catalogue}; this row was skipped"))
            continue
        year_text = (row.get("year") or "").strip()
        try:
            year = int(year_text) if year_text else None
        except ValueError:
            problems.append(CatalogueProblem(name, line, f"year {year_text!r} is not a year"))
            continue
        if year is not None and not FIRST_REPORT_YEAR <= year <= date.today().year:
            problems.append(CatalogueProblem(
                name, line, f"year {year_text} is outside {FIRST_REPORT_YEAR}–{date.today().year} "
                "(reports exist from 2008 to this year); this row was skipped"))
            continue
        if not is_url(location):
            location = str((csv_path.parent / location).resolve())
        kind = (row.get("kind") or "").strip().lower() or default_kind(location)
        if kind not in KINDS:
            problems.append(CatalogueProblem(name, line, f"kind {kind!r} is not one of "
                                             f"{', '.join(KINDS)}; this row was skipped"))
            continue
        if kind == "listing" and not is_url(location):
            problems.append(CatalogueProblem(name, line, "a listing must be an http(s) URL; "
                                             "use kind folder for a local folder"))
            continue
        updated_text = (row.get("updated") or "").strip()
        try:
            updated = datetime.fromisoformat(updated_text).replace(tzinfo=None) if updated_text else None
        except ValueError:
            problems.append(CatalogueProblem(name, line, f"updated {updated_text!r} is not a date "
                                             "(2024-03-05 or an ISO date-time); this row was skipped"))
            continue
        sources[source_id] = Source(source_id=source_id, agency=(row.get("agency") or "").strip() or None,
                                    year=year, location=location, catalogue=name, kind=kind,
                                    updated=updated)


@dataclass(frozen=True)
class Selection:
    """What one run refreshes: some years, some sites (hosts), some catalogue rows. Empty
    means everything. A source whose year is unknown (a listing, a row without a year) is
    kept by a year selection: its discovered reports are then filtered by their own year."""

    years: tuple[int, ...] = ()
    hosts: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.years or self.hosts or self.source_ids)

    def year_ok(self, year: int | None) -> bool:
        return not self.years or year is None or year in self.years

    def source_ok(self, source_id: str, origin_id: str, year: int | None, location: str) -> bool:
        if self.source_ids and source_id not in self.source_ids and origin_id not in self.source_ids:
            return False
        if self.hosts and (host_of(location) or "") not in {h.lower() for h in self.hosts}:
            return False
        return self.year_ok(year)

    def describe(self) -> str:
        parts = [f"{name}={','.join(map(str, values))}" for name, values in
                 (("years", self.years), ("hosts", self.hosts), ("sources", self.source_ids)) if values]
        return " ".join(parts) or "everything"
