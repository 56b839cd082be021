"""The fetch report: what a fetch batch did, site by site, and what is still in quarantine.
Read-only queries over ``raw.fetch_attempts``, ``raw.discoveries``, ``raw.listings`` and
``raw.quarantine`` (``disclosure fetch-report``).

Times: a fetch's seconds run from its first request being sent to its end (retries included);
the wait for the site's turn (the politeness gate, robots.txt) before that is its own column."""
from __future__ import annotations

OUTCOMES = ("fetched", "unchanged", "not_modified", "failed", "disallowed", "no_such_page")


def _latest_batch(con) -> str | None:
    row = con.execute("select batch_id from raw.fetch_attempts group by batch_id "
                      "order by max(finished_at) desc limit 1").fetchone()
    return row[0] if row else None


def batch_outcomes(con, batch_id: str) -> dict[str, int]:
    counts = dict(con.execute("select outcome, count(*) from raw.fetch_attempts where batch_id = ? "
                              "group by outcome", [batch_id]).fetchall())
    return {k: counts.get(k, 0) for k in OUTCOMES}


def last_batch_line(con) -> str | None:
    batch_id = _latest_batch(con)
    if batch_id is None:
        return None
    o = batch_outcomes(con, batch_id)
    open_items = con.execute("select count(*) from raw.quarantine where resolved_at is null").fetchone()[0]
    return (f"{o['fetched']} fetched, {o['unchanged'] + o['not_modified']} not modified, {o['failed']} failed, "
            f"{o['disallowed']} disallowed; {open_items} in quarantine (`disclosure fetch-report`)")


def _has_column(con, table: str, column: str) -> bool:
    """The report opens the warehouse read-only: one made before a column existed lacks it."""
    return con.execute("select count(*) from information_schema.columns where table_schema = 'raw' "
                       "and table_name = ? and column_name = ?", [table, column]).fetchone()[0] > 0


def fetch_report(con, batch_id: str | None = None, limit: int = 30) -> str:
    batch_id = batch_id or _latest_batch(con)
    if batch_id is None:
        return "no fetch batch recorded yet"
    started, finished, n = con.execute(
        "select min(started_at), max(finished_at), count(*) from raw.fetch_attempts where batch_id = ?",
        [batch_id]).fetchone()
    o = batch_outcomes(con, batch_id)
    lines = [f"fetch batch {batch_id}: {n} fetches, {started} to {finished} (UTC)",
             "  " + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in o.items()),
             "", "by site (host and port, as politeness counts them): fetches, fetched, not modified, failed, disallowed, retried, "
             "mean seconds (first request sent to end), mean wait for the site's turn (seconds)"]
    waited = "round(avg(waited_seconds), 2)" if _has_column(con, "fetch_attempts", "waited_seconds") else "null"
    rows = con.execute(
        f"""select coalesce(nullif(regexp_extract(url, '^https?://(?:[^/@]*@)?([^/?#]+)', 1), ''), '(local)') as host,
                  count(*), count(*) filter (where outcome = 'fetched'),
                  count(*) filter (where outcome in ('unchanged', 'not_modified')),
                  count(*) filter (where outcome = 'failed'), count(*) filter (where outcome = 'disallowed'),
                  count(*) filter (where tries > 1),
                  round(avg(epoch(finished_at) - epoch(started_at)), 2), {waited}
           from raw.fetch_attempts where batch_id = ? group by host order by host""", [batch_id]).fetchall()
    for host, *figures in rows[:limit]:
        lines.append(f"  {host}: " + ", ".join(str(f) for f in figures))
    by_role = con.execute("select role, count(*) from raw.discoveries group by role order by role").fetchall()
    if by_role:
        lines += ["", "discovered so far: " + ", ".join(f"{n} {role}" for role, n in by_role)]
    lines += listings_section(con, limit)
    failures = con.execute(
        """select source_id, url, error, try_log from raw.fetch_attempts
           where batch_id = ? and outcome in ('failed', 'disallowed') order by source_id, url limit ?""",
        [batch_id, limit]).fetchall()
    if failures:
        lines += ["", "failed in this batch (source, URL: reason [tries]):"]
        lines += [f"  {s}, {u}: {e} [{t}]" for s, u, e, t in failures]
    quarantined = con.execute(
        """select stage, source_id, item, reason, attempts from raw.quarantine where resolved_at is null
           order by stage, source_id, item limit ?""", [limit]).fetchall()
    total = con.execute("select count(*) from raw.quarantine where resolved_at is null").fetchone()[0]
    lines += ["", f"in quarantine ({total}; a later run retries each):"]
    lines += [f"  {stage} {s} {item}: {reason} ({attempts} attempts)" for stage, s, item, reason, attempts in quarantined]
    if not quarantined:
        lines.append("  (none)")
    return "\n".join(lines)


def listings_section(con, limit: int = 30) -> list[str]:
    """Each listing as its latest batch read it, incomplete ones first (docs/listings.md)."""
    if not _has_column(con, "listings", "summary"):
        return []
    rows = con.execute(
        """select source_id, url, summary, reason, patterns from raw.listings
           order by status <> 'incomplete', source_id limit ?""", [limit]).fetchall()
    if not rows:
        return []
    incomplete = con.execute("select count(*) from raw.listings where status = 'incomplete'").fetchone()[0]
    total = con.execute("select count(*) from raw.listings").fetchone()[0]
    lines = ["", f"listings ({total}; {incomplete} incomplete: add the missing pages as listing rows or "
                 "the reports as report rows, see docs/listings.md):"]
    for source_id, url, summary, reason, patterns in rows:
        lines.append(f"  {source_id} ({url}): {summary}" + (f" [{patterns}]" if patterns else ""))
        if reason:
            lines.append(f"    why: {reason}")
    return lines
