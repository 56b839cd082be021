"""The catalogue of report sources: every ``*.csv`` in the sources folder.

Columns: ``source_id, agency, year, location`` (more columns are allowed and ignored).
``location`` is an http(s) URL or a local path; a relative path is read relative to the CSV
file's own folder, so a catalogue and its documents can move together.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REQUIRED_COLUMNS = ("source_id", "agency", "year", "location")


@dataclass(frozen=True)
class Source:
    source_id: str
    agency: str | None
    year: int | None
    location: str        # absolute path or URL
    catalogue: str       # the csv file that listed it

    @property
    def is_http(self) -> bool:
        return self.location.startswith(("http://", "https://"))


@dataclass(frozen=True)
class CatalogueProblem:
    catalogue: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.catalogue}, line {self.line}: {self.message}"


def read_catalogue(sources_dir: Path) -> tuple[list[Source], list[CatalogueProblem]]:
    """All sources, and the rows that could not be taken (each with file and line).
    A bad row is reported and skipped; the other rows still load."""
    sources: dict[str, Source] = {}
    problems: list[CatalogueProblem] = []
    for csv_path in sorted(sources_dir.glob("*.csv")):
        name = csv_path.name
        with csv_path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                problems.append(CatalogueProblem(name, 1, f"missing column(s) {', '.join(missing)}; "
                                                 "the file was skipped"))
                continue
            for line, row in enumerate(reader, start=2):
                source_id = (row.get("source_id") or "").strip()
                location = (row.get("location") or "").strip()
                if not source_id or not location:
                    problems.append(CatalogueProblem(name, line, "source_id and location are required"))
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
                if not location.startswith(("http://", "https://")):
                    location = str((csv_path.parent / location).resolve())
                sources[source_id] = Source(source_id=source_id, agency=(row.get("agency") or "").strip() or None,
                                            year=year, location=location, catalogue=name)
    return list(sources.values()), problems
