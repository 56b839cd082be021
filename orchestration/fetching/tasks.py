"""The fetch batch's units of work and its counts, shared by the batch loop and the follower."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .catalogue import Source


@dataclass
class Task:
    source_id: str
    location: str
    role: str                     # listing | report | attachment
    origin: Source                # the catalogue row it derives from
    year: int | None
    depth: int = 0                # listing page number (0: the catalogue's page)
    updated: datetime | None = None   # a discovered report: the date printed beside its link


@dataclass
class FetchCounts:
    sources: int = 0              # catalogue rows in this batch
    discovered: int = 0           # reports, listing pages and attachments found
    requests: int = 0             # URLs and files fetched (tasks run)
    fetched: int = 0              # new or changed content
    not_modified: int = 0         # 304, or the same bytes as last time
    fresh: int = 0                # not requested: verified inside the revalidation window
    failed: int = 0
    disallowed: int = 0           # robots.txt said no: never requested
    no_such_page: int = 0         # a listing page built from what the listing declares answered 404
    listings: int = 0             # listings read in this batch
    incomplete_listings: int = 0  # of which some reports could not be reached (docs/listings.md)
    failures: list[dict] = field(default_factory=list)
    listing_states: list[dict] = field(default_factory=list)   # one per listing: found, declared, why

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k not in ("failures", "listing_states")}

    def line(self) -> str:
        fresh = f", {self.fresh} verified recently (not requested)" if self.fresh else ""
        return (f"{self.discovered} discovered, {self.fetched} fetched, {self.not_modified} not modified, "
                f"{self.failed} failed, {self.disallowed} disallowed by robots.txt{fresh} "
                f"({self.requests} fetches for {self.sources} catalogue sources)"
                + (f"; {self.incomplete_listings} of {self.listings} listings incomplete" if self.incomplete_listings else ""))
