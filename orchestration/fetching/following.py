"""What a fetched page leads to: a listing's report pages and further listing pages, a report
page's attachments, a catalogue folder's files. Each becomes a derived source (``raw.sources``)
and a discovery record (``raw.discoveries``), committed together, then a task handed back to the
fetch batch. The batch owns the queue; this class owns the reading of pages and the records."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from orchestration import warehouse as wh

from .catalogue import Selection, Source
from .decoding import decode_text, looks_like_html
from .discovery import Link, attachment_links, image_links, pagination_links, report_links, year_in
from .http import FetchPolicy, FetchResult
from .tasks import FetchCounts, Task

MAX_TABLE_IMAGES = 20   # images of tables fetched from one report page


def _derived_id(parent: str, prefix: str, url: str) -> str:
    return f"{parent}/{prefix}{hashlib.sha1(url.encode('utf-8')).hexdigest()[:10]}"


class Follower:
    """Reads what a fetch brought back for further sources. ``submit`` queues a task in the
    batch, ``queued`` says whether a (source, URL) pair is queued already, ``fail`` records a
    source that cannot be expanded, and ``clock`` dates the records."""

    def __init__(self, con, policy: FetchPolicy, selection: Selection, counts: FetchCounts,
                 submit: Callable[[Task], None], queued: Callable[[str, str], bool],
                 fail: Callable[[Task, FetchResult], None], clock: Callable):
        self.con, self.policy, self.selection, self.counts = con, policy, selection, counts
        self.submit, self.queued, self.fail, self.clock = submit, queued, fail, clock
        self._listing_pages: dict[str, int] = {}
        self._listing_reports: dict[str, int] = {}

    def follow(self, task: Task, result: FetchResult) -> None:
        if task.role not in ("listing", "report") or not looks_like_html(result.data, result.media_type):
            return
        if result.encoding:
            html = result.data.decode(result.encoding, errors="replace")
        else:
            html, _, _ = decode_text(result.data)
        base = result.final_url or task.location
        now = self.clock()
        if task.role == "listing":
            self._listing(task, html, base, now)
        else:
            self._report(task, html, base, now)

    def _listing(self, task: Task, html: str, base: str, now) -> None:
        origin = task.origin
        found, derived, new_tasks = [], [], []
        taken = self._listing_reports.get(origin.source_id, 0)
        for link in report_links(html, base):
            year = link.year or origin.year
            if taken >= self.policy.listing_max_reports:
                break
            taken += 1
            source_id = _derived_id(origin.source_id, f"{year or 'unknown'}-", link.url)
            found.append(self._discovery(task, link, "report", base, source_id))
            derived.append(self._derived(source_id, link, year, "discovered", task.source_id, origin))
            if self.selection.year_ok(year):
                new_tasks.append(Task(source_id, link.url, "report", origin, year))
        self._listing_reports[origin.source_id] = taken
        pages = self._listing_pages.setdefault(origin.source_id, 1)
        for url in pagination_links(html, base):
            if pages >= self.policy.listing_max_pages:
                break
            if self.queued(origin.source_id, url):
                continue
            pages += 1
            found.append(self._discovery(task, Link(url, "", None), "listing_page", base, None, task.depth + 1))
            new_tasks.append(Task(origin.source_id, url, "listing", origin, origin.year, task.depth + 1))
        self._listing_pages[origin.source_id] = pages
        self._commit_discoveries(found, derived, now)
        for new in new_tasks:
            self.submit(new)

    def _report(self, task: Task, html: str, base: str, now) -> None:
        found, derived, new_tasks = [], [], []
        for link in attachment_links(html, base, task.year)[: self.policy.max_attachments]:
            source_id = _derived_id(task.source_id, "att-", link.url)
            found.append(self._discovery(task, link, "attachment", base, source_id))
            derived.append(self._derived(source_id, link, task.year, "attachment", task.source_id, task.origin))
            new_tasks.append(Task(source_id, link.url, "attachment", task.origin, task.year))
        found_images, derived_images, image_tasks = self._report_images(task, html, base)
        found += found_images
        derived += derived_images
        new_tasks += image_tasks
        self._commit_discoveries(found, derived, now)
        for new in new_tasks:
            self.submit(new)

    def _report_images(self, task: Task, html: str, base: str):
        """Tables pasted into the page as images (discovery.image_links): fetched as attachments
        of the page and read by OCR; outside the attachment cap, within a cap of their own."""
        found, derived, new_tasks = [], [], []
        for link in image_links(html, base, task.year)[:MAX_TABLE_IMAGES]:
            source_id = _derived_id(task.source_id, "img-", link.url)
            found.append(self._discovery(task, link, "attachment", base, source_id))
            derived.append(self._derived(source_id, link, task.year, "attachment", task.source_id, task.origin))
            new_tasks.append(Task(source_id, link.url, "attachment", task.origin, task.year))
        return found, derived, new_tasks

    def expand_folder(self, source: Source) -> None:
        folder = Path(source.location)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(folder).parts)) if folder.is_dir() else []
        if not folder.is_dir():
            result = FetchResult(source.source_id, source.location, "failed",
                                 error=f"cannot read {source.location}: no such folder", tries=1)
            self.fail(Task(source.source_id, source.location, "report", source, source.year), result)
            return
        found, derived, tasks = [], [], []
        for path in files:
            rel = path.relative_to(folder).as_posix()
            year = year_in(path.stem) or source.year
            source_id = f"{source.source_id}/{rel}"
            link = Link(str(path), rel, year)
            task = Task(source.source_id, source.location, "listing", source, source.year)
            found.append(self._discovery(task, link, "report", source.location, source_id))
            derived.append(self._derived(source_id, link, year, "discovered", source.source_id, source))
            if self.selection.year_ok(year):
                tasks.append(Task(source_id, str(path), "report", source, year))
        self._commit_discoveries(found, derived, self.clock())
        for task in tasks:
            self.submit(task)

    # -- discovery records --------------------------------------------------------------------

    def _discovery(self, task: Task, link: Link, role: str, found_on: str, derived_id: str | None,
                   depth: int | None = None) -> dict:
        return {"source_id": task.source_id, "url": link.url, "role": role, "found_on": found_on,
                "link_text": link.text or None, "year": link.year,
                "depth": task.depth if depth is None else depth, "derived_source_id": derived_id}

    @staticmethod
    def _derived(source_id: str, link: Link, year: int | None, kind: str, parent: str, origin: Source) -> dict:
        return {"source_id": source_id, "agency": origin.agency, "year": year, "location": link.url,
                "catalogue": origin.catalogue, "kind": kind, "parent_source_id": parent,
                "origin_source_id": origin.source_id, "title": link.text or None}

    def _commit_discoveries(self, found: list[dict], derived: list[dict], now) -> None:
        if not found:
            return
        self.con.execute("begin")
        try:
            wh.upsert_derived_sources(self.con, derived, now)
            wh.record_discoveries(self.con, found, now)
            self.con.execute("commit")
        except Exception:
            self.con.execute("rollback")
            raise
        self.counts.discovered += len(found)


