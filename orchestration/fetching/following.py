"""What a fetched page leads to: a listing's report pages and further listing pages, a report
page's attachments, a catalogue folder's files. Each becomes a derived source (``raw.sources``)
and a discovery record (``raw.discoveries``), committed together, then a task handed back to the
fetch batch. The batch owns the queue; this class owns the reading of pages and the records.

It also keeps, per catalogue listing, what its pages gave against what they declare
(:class:`ListingProgress`): at the end of the batch each listing is recorded in ``raw.listings``
as complete or incomplete, "N reports found of M records declared", with the reason."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Callable

from orchestration import warehouse as wh

from .catalogue import Selection, Source
from .decoding import decode_text, looks_like_html
from .discovery import (
    Link,
    ListingPageLink,
    page_key,
    read_listing,
    redirect_target,
    report_page_links,
    year_in,
)
from .http import FetchPolicy, FetchResult
from .tasks import FetchCounts, Task

MAX_TABLE_IMAGES = 20   # images of tables fetched from one report page
MAX_REDIRECT_HOPS = 3   # pages that only send the browser on (discovery.redirect_target), one after another


def _derived_id(parent: str, prefix: str, url: str) -> str:
    return f"{parent}/{prefix}{hashlib.sha1(url.encode('utf-8')).hexdigest()[:10]}"


@dataclass
class ListingProgress:
    """One catalogue listing over all its pages read in a batch: reports found against what the
    pages declare, and what kept any page out of reach."""

    source_id: str
    url: str
    reports: set[str] = field(default_factory=set)             # report URLs found
    records_by_page: dict[str, int] = field(default_factory=dict)   # page key → entries shown on it
    records_declared: int | None = None
    pages_declared: int | None = None
    queued_pages: set[str] = field(default_factory=set)        # page keys, the first included
    guessed: dict[str, str] = field(default_factory=dict)      # page key → the pattern it was built from
    not_followed: set[str] = field(default_factory=set)        # page keys beyond listing_max_pages
    missing: dict[str, str] = field(default_factory=dict)      # page key → guessed page that answered 404
    failed: dict[str, str] = field(default_factory=dict)       # page key → page that could not be fetched, why
    unfollowable: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    reports_capped: bool = False

    def read(self, url: str, page) -> None:
        self.records_by_page[page_key(url)] = page.records
        if page.records_declared is not None:
            self.records_declared = max(self.records_declared or 0, page.records_declared)
        if page.pages_declared is not None:
            self.pages_declared = max(self.pages_declared or 0, page.pages_declared)
        self.unfollowable += [u for u in page.unfollowable if u not in self.unfollowable]
        self.patterns += [p for p in page.patterns if p not in self.patterns]

    @classmethod
    def joined(cls, members: list["ListingProgress"], source_id: str, url: str) -> "ListingProgress":
        """Several catalogue listing rows of one column (its first page and further pages a user
        added as rows, docs/listings.md) judged together: what any of them read counts for all."""
        joint = cls(source_id, url)
        for m in members:
            joint.reports |= m.reports
            joint.records_by_page.update(m.records_by_page)
            for name in ("records_declared", "pages_declared"):
                values = [v for v in (getattr(joint, name), getattr(m, name)) if v is not None]
                setattr(joint, name, max(values) if values else None)
            joint.queued_pages |= m.queued_pages
            joint.not_followed |= m.not_followed
            joint.missing.update(m.missing)
            joint.failed.update(m.failed)
            joint.unfollowable += [u for u in m.unfollowable if u not in joint.unfollowable]
            joint.patterns += [p for p in m.patterns if p not in joint.patterns]
            joint.reports_capped |= m.reports_capped
        return joint

    def verdict(self, max_pages: int, max_reports: int) -> dict:
        """complete | incomplete | undeclared (nothing declares a count and nothing was left
        unread), with "N reports found of M records declared" and the reasons."""
        read, declared_pages = len(self.records_by_page), self.pages_declared
        records_seen, found = sum(self.records_by_page.values()), len(self.reports)
        reasons = list(self.unfollowable)
        reasons += [f"{u}: no such page (HTTP 404)" for k, u in self.missing.items() if k not in self.records_by_page]
        reasons += [f"{u} (in quarantine)" for k, u in self.failed.items() if k not in self.records_by_page]
        over = self.not_followed - self.queued_pages
        if over:
            reasons.append(f"listing_max_pages ({max_pages}) reached: {len(over)} further page(s) not followed")
        if self.reports_capped:
            reasons.append(f"listing_max_reports ({max_reports}) reached")
        if declared_pages is not None:
            short = read < declared_pages
            if short:
                reasons.insert(0, f"{read} of {declared_pages} declared pages read")
        elif self.records_declared is not None:
            short = records_seen < self.records_declared
            if short:
                reasons.insert(0, f"{records_seen} entries shown on the {read} page(s) read")
        else:
            short = bool(reasons)
        if not read:
            short = True
        status = "incomplete" if short or self.reports_capped else (
            "complete" if self.records_declared is not None or declared_pages is not None else "undeclared")
        if short and declared_pages is not None and len(reasons) == 1:
            reasons.append("no further page is linked or declared in a way that can be followed")
        of = (f"of {self.records_declared} records declared" if self.records_declared is not None
              else f"on {read} of {declared_pages} declared pages" if declared_pages is not None
              else f"on {read} page(s); the listing declares no count")
        summary = (f"{status}: " if status != "undeclared" else "") + f"{found} reports found {of}"
        return {"source_id": self.source_id, "url": self.url, "status": status, "summary": summary,
                "reports_found": found, "records_declared": self.records_declared,
                "records_seen": records_seen, "pages_declared": declared_pages, "pages_read": read,
                "reason": "; ".join(reasons) or None, "patterns": ", ".join(self.patterns) or None}


def column_of(url: str) -> str:
    """The listing column a page belongs to: its folder (``…/zfxxgknb/index_1.htm`` → ``…/zfxxgknb/``);
    a page with a query (``list.jsp?id=7``) is a column of its own."""
    key = page_key(url)
    return key if "?" in key else key.rsplit("/", 1)[0] + "/"


class Follower:
    """Reads what a fetch brought back for further sources. ``submit`` queues a task in the
    batch, ``queued`` says whether a (source, URL) pair is queued already, ``fail`` records a
    source that cannot be expanded, and ``clock`` dates the records."""

    def __init__(self, con, policy: FetchPolicy, selection: Selection, counts: FetchCounts,
                 submit: Callable[[Task], None], queued: Callable[[str, str], bool],
                 fail: Callable[[Task, FetchResult], None], clock: Callable, warn: Callable[[str], None] = print):
        self.con, self.policy, self.selection, self.counts = con, policy, selection, counts
        self.submit, self.queued, self.fail, self.clock, self.warn = submit, queued, fail, clock, warn
        self._listings: dict[str, ListingProgress] = {}

    def follow(self, task: Task, result: FetchResult) -> None:
        if task.role not in ("listing", "report") or not looks_like_html(result.data, result.media_type):
            return
        if result.encoding:
            html = result.data.decode(result.encoding, errors="replace")
        else:
            html, _, _ = decode_text(result.data)
        base = result.final_url or task.location
        now = self.clock()
        if not base.startswith(("http://", "https://")):
            # A page of a local folder: the pictures it shows from beside it are its attachments;
            # its links and redirects lead to the web, which a local source does not fetch.
            found, derived, tasks = self._report_images(task, report_page_links(html, base, task.year)[1], base)
            self._commit_discoveries(found, derived, now)
            for new in tasks:
                self.submit(new)
        elif task.role == "listing":
            self._listing(task, html, base, now)
        else:
            self._report(task, html, base, now)

    def _progress(self, origin: Source) -> ListingProgress:
        progress = self._listings.get(origin.source_id)
        if progress is None:
            progress = self._listings[origin.source_id] = ListingProgress(origin.source_id, origin.location)
            progress.queued_pages.add(page_key(origin.location))
        return progress

    def _listing(self, task: Task, html: str, base: str, now) -> None:
        origin = task.origin
        progress = self._progress(origin)
        page = read_listing(html, base)
        progress.read(task.location, page)
        found, derived, new_tasks = [], [], []
        for link in page.reports:
            year = link.year or origin.year
            if len(progress.reports) >= self.policy.listing_max_reports:
                progress.reports_capped = True
                break
            progress.reports.add(link.url)
            source_id = _derived_id(origin.source_id, f"{year or 'unknown'}-", link.url)
            found.append(self._discovery(task, link, "report", base, source_id))
            derived.append(self._derived(source_id, link, year, "discovered", task.source_id, origin))
            if self.selection.year_ok(year):
                updated = datetime.combine(link.updated, time()) if link.updated else None
                new_tasks.append(Task(source_id, link.url, "report", origin, year, updated=updated))
        target = redirect_target(html, base) if not page.reports and not page.pages else None
        # A listing's address that only sends the browser on: its target is the listing's page.
        redirected = ListingPageLink(target, "redirect", False) if target else None
        for further in page.pages + ([redirected] if redirected else []):
            key = page_key(further.url)
            # (A refresh from …/list/ to …/list/index.html is the same page by its key, but the
            # page sent from was no listing: only the exact address counts.)
            if (key in progress.queued_pages and further is not redirected) or self.queued(origin.source_id, further.url):
                continue
            if len(progress.queued_pages) >= self.policy.listing_max_pages:
                progress.not_followed.add(key)
                continue
            progress.queued_pages.add(key)
            if further.guessed:
                progress.guessed[key] = further.how
            found.append(self._discovery(task, Link(further.url, further.how, None), "listing_page", base, None,
                                         task.depth + 1))
            new_tasks.append(Task(origin.source_id, further.url, "listing", origin, origin.year, task.depth + 1))
        self._commit_discoveries(found, derived, now)
        for new in new_tasks:
            self.submit(new)

    def listing_page_failed(self, task: Task, result: FetchResult) -> bool:
        """Note a listing page that could not be fetched. True when it is a page built from
        what the listing declares (not linked) that answered 404: there is no such page, which
        is an answer, not a failure to quarantine."""
        progress = self._progress(task.origin)
        key = page_key(task.location)
        if key in progress.guessed and result.http_status == 404:
            progress.missing[key] = f"{task.location} ({progress.guessed[key]})"
            return True
        progress.failed[key] = f"{task.location}: {result.error or 'failed'}"
        return False

    def finish(self, batch_id: str, now, warn: Callable[[str], None], log: Callable[[str], None]) -> list[dict]:
        """Judge every listing read in this batch, record it in ``raw.listings`` and say it:
        an incomplete listing is a warning in the run's log, never silent."""
        columns: dict[str, list[ListingProgress]] = {}
        for progress in self._listings.values():
            columns.setdefault(column_of(progress.url), []).append(progress)
        verdicts = []
        for progress in self._listings.values():
            together = columns[column_of(progress.url)]
            if len(together) > 1:
                progress = ListingProgress.joined(together, progress.source_id, progress.url)
            verdict = progress.verdict(self.policy.listing_max_pages, self.policy.listing_max_reports)
            if len(together) > 1:
                others = ", ".join(sorted(p.source_id for p in together if p.source_id != progress.source_id))
                verdict["summary"] += f" (with listing rows {others} of the same column)"
            verdicts.append(verdict)
        wh.record_listings(self.con, verdicts, batch_id, now)
        for v in verdicts:
            line = f"listing {v['source_id']} ({v['url']}): {v['summary']}"
            if v["status"] == "incomplete":
                warn(f"{line}; {v['reason']} (docs/listings.md says what to do)")
            else:
                log(line)
        self.counts.listings = len(verdicts)
        self.counts.incomplete_listings = sum(v["status"] == "incomplete" for v in verdicts)
        self.counts.listing_states = verdicts
        return verdicts

    def _report(self, task: Task, html: str, base: str, now) -> None:
        found, derived, new_tasks = [], [], []
        target = redirect_target(html, base)
        if target and task.source_id.count("/to-") < MAX_REDIRECT_HOPS:
            # A page that only sends the browser on (a refresh, a script): where it sends it is
            # fetched as the report page, its own attachments followed; a derived source of this one.
            source_id = _derived_id(task.source_id, "to-", target)
            link = Link(target, "redirect", task.year)
            found.append(self._discovery(task, link, "redirect", base, source_id))
            derived.append(self._derived(source_id, link, task.year, "attachment", task.source_id, task.origin))
            new_tasks.append(Task(source_id, target, "report", task.origin, task.year))
        links, images = report_page_links(html, base, task.year)
        cap = self.policy.max_attachments
        for link in links[:cap]:
            source_id = _derived_id(task.source_id, "att-", link.url)
            found.append(self._discovery(task, link, "attachment", base, source_id))
            derived.append(self._derived(source_id, link, task.year, "attachment", task.source_id, task.origin))
            new_tasks.append(Task(source_id, link.url, "attachment", task.origin, task.year))
        # Past the cap, attachments are not fetched, but never vanish: each gets a discovery row
        # (role attachment_skipped, no derived source) and the page a warning.
        for link in links[cap:]:
            found.append(self._discovery(task, link, "attachment_skipped", base, None))
        if len(links) > cap:
            self.warn(f"{task.location}: {len(links)} attachments, {cap} followed (max_attachments); "
                      f"the other {len(links) - cap} are in raw.discoveries as attachment_skipped")
        found_images, derived_images, image_tasks = self._report_images(task, images, base)
        found += found_images
        derived += derived_images
        new_tasks += image_tasks
        self._commit_discoveries(found, derived, now)
        for new in new_tasks:
            self.submit(new)

    def _report_images(self, task: Task, images: list[Link], base: str):
        """Tables pasted into the page as images (discovery.image_links): fetched as attachments
        of the page and read by OCR; outside the attachment cap, within a cap of their own."""
        found, derived, new_tasks = [], [], []
        for link in images[:MAX_TABLE_IMAGES]:
            source_id = _derived_id(task.source_id, "img-", link.url)
            found.append(self._discovery(task, link, "attachment", base, source_id))
            derived.append(self._derived(source_id, link, task.year, "attachment", task.source_id, task.origin))
            new_tasks.append(Task(source_id, link.url, "attachment", task.origin, task.year))
        return found, derived, new_tasks

    def expand_folder(self, source: Source) -> None:
        folder = Path(source.location)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(folder).parts)) if folder.is_dir() else []
        files = [p for p in files if not _beside_a_saved_page(p, folder)]
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
                "depth": task.depth if depth is None else depth, "derived_source_id": derived_id,
                "updated": link.updated, "updated_from": link.updated_from}

    @staticmethod
    def _derived(source_id: str, link: Link, year: int | None, kind: str, parent: str, origin: Source) -> dict:
        return {"source_id": source_id, "agency": origin.agency, "year": year, "location": link.url,
                "catalogue": origin.catalogue, "kind": kind, "parent_source_id": parent,
                "origin_source_id": origin.source_id, "title": link.text or None, "updated": link.updated}

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


# A browser's "complete" save of a page writes the page and a folder of what it shows beside it
# (「报告.html」 and 「报告_files/」: its styles, scripts, logos and pictures). Those files are no
# reports of their own: the page is, and the pictures it shows are read as its attachments
# (discovery.image_links), as on the live site. Styles, scripts and fonts are no documents
# anywhere in a folder.
_SAVED_PAGE_FOLDER_ENDINGS = ("_files", ".files")
_PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
_NOT_DOCUMENTS = (".css", ".js", ".json", ".map", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".ico", ".svg")


def _beside_a_saved_page(path: Path, root: Path) -> bool:
    """Whether a file of a folder source is a saved page's companion, or no document at all."""
    if path.suffix.lower() in _NOT_DOCUMENTS:
        return True
    for parent in path.relative_to(root).parents:
        name = parent.name
        ending = next((e for e in _SAVED_PAGE_FOLDER_ENDINGS if name.endswith(e)), None)
        if ending and any((root / parent.parent / (name[:-len(ending)] + suffix)).is_file() for suffix in _PAGE_SUFFIXES):
            return True
    return False
