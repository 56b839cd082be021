"""The fetch report: what a fetch batch did, site by site, and what is still in quarantine.
Read-only queries over ``raw.fetch_attempts``, ``raw.discoveries`` and ``raw.quarantine``
(``disclosure fetch-report``)."""
from __future__ import annotations

OUTCOMES = ("fetched", "unchanged", "not_modified", "failed", "disallowed")


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
             "", "by site (host): fetches, fetched, not modified, failed, disallowed, retried, mean seconds"]
    rows = con.execute(
        """select coalesce(nullif(regexp_extract(url, '^https?://([^/:]+)', 1), ''), '(local)') as host,
                  count(*), count(*) filter (where outcome = 'fetched'),
                  count(*) filter (where outcome in ('unchanged', 'not_modified')),
                  count(*) filter (where outcome = 'failed'), count(*) filter (where outcome = 'disallowed'),
                  count(*) filter (where tries > 1),
                  round(avg(epoch(finished_at) - epoch(started_at)), 2)
           from raw.fetch_attempts where batch_id = ? group by host order by host""", [batch_id]).fetchall()
    for host, *figures in rows[:limit]:
        lines.append(f"  {host}: " + ", ".join(str(f) for f in figures))
    by_role = con.execute("select role, count(*) from raw.discoveries group by role order by role").fetchall()
    if by_role:
        lines += ["", "discovered so far: " + ", ".join(f"{n} {role}" for role, n in by_role)]
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
