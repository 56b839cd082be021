"""The rule suites over the warehouse, validating only the reports that changed.

Every row of ``marts.mart_reconciliation`` carries ``report_version``: a hash of what it was
built from (its report and, for the cross-year rules, the previous year's report). A row whose
version a suite has validated before has the same two sides as then, so the same outcome. Each
run therefore gives Great Expectations only the versions not validated yet (all of them the
first time, or when the suite itself changed), and keeps in the warehouse's ``checks`` schema
which versions were validated and which of their rows failed. The outcome is over the whole
mart: the failures kept for unchanged reports and the new ones; the counts are read from the
mart itself.

At national scale this is the difference between validating four million rows on every refresh
and validating the 1 % of reports that changed.
"""
from __future__ import annotations

import gc
import hashlib
import json
from datetime import datetime, timezone

import pandas as pd

from expectations.reconciliation import RULES, RuleOutcome, build_suite, validate_rule
from expectations.runner import DocsTarget

SCHEMA = """
create schema if not exists checks;
-- The report versions (marts.mart_reconciliation.report_version) a rule's suite has validated.
create table if not exists checks.rule_validated (
    rule_id           varchar not null,
    report_version    varchar not null,
    suite_fingerprint varchar not null,   -- the suite they were validated with
    validated_at      timestamp not null,
    primary key (rule_id, report_version)
);
-- Their rows the suite failed: the findings of the unchanged reports, kept between runs.
create table if not exists checks.rule_failures (
    rule_id        varchar not null,
    report_version varchar not null,
    report_id      varchar not null,
    column_key     varchar not null,
    lhs            double,
    rhs            double,
    agency         varchar,
    year           integer
);
"""

COLUMNS = "rule_id, report_id, column_key, lhs, rhs, agency, year, report_version"


def suite_fingerprint(rule_id: str) -> str:
    """What the rule's suite checks: another expectation or setting invalidates its past results."""
    text = json.dumps(build_suite(rule_id).to_json_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def validate_rule_in_warehouse(con, rule_id: str, docs: DocsTarget | None = None,
                               rows_per_chunk: int = 250_000) -> tuple[RuleOutcome, int]:
    """Validate the rule's rows of versions not validated yet, a chunk of whole versions at a
    time (about ``rows_per_chunk`` rows in memory, never the table's: a rule has 1 to ~25 rows a
    report, so a count of versions would size R3's chunks 25 times R8's); record them; return
    the outcome over the whole mart and how many rows were validated now."""
    con.execute(SCHEMA)
    fingerprint = suite_fingerprint(rule_id)
    con.execute("begin")
    # Forget what an older suite validated, and the versions no longer in the mart.
    con.execute("""delete from checks.rule_validated v where v.rule_id = ? and (v.suite_fingerprint <> ?
                       or v.report_version not in (select report_version from marts.mart_reconciliation
                                                   where rule_id = ?))""", [rule_id, fingerprint, rule_id])
    con.execute("""delete from checks.rule_failures f where f.rule_id = ? and f.report_version not in
                       (select report_version from checks.rule_validated where rule_id = ?)""", [rule_id, rule_id])
    con.execute("commit")
    pending = con.execute(
        """select report_version, count(*) from marts.mart_reconciliation where rule_id = ?
           and report_version not in (select report_version from checks.rule_validated where rule_id = ?)
           group by 1 order by 1""", [rule_id, rule_id]).fetchall()
    validated_rows = 0
    for chunk in _chunks(pending, rows_per_chunk):
        frame = con.execute(
            f"""select {COLUMNS} from marts.mart_reconciliation
                where rule_id = ? and report_version between ? and ?
                  and report_version not in (select report_version from checks.rule_validated where rule_id = ?)""",
            [rule_id, chunk[0], chunk[-1], rule_id]).df()
        outcome = validate_rule(frame, rule_id, docs)
        validated_rows += len(frame)
        _record(con, rule_id, fingerprint, frame, outcome)
        # GX's validation objects hold the chunk's frames in reference cycles, which only the
        # cycle collector frees: without this the chunks pile up (2.4 GB for the rules of
        # 100,000 reports, against 1.4 GB for the largest chunk alone).
        del frame, outcome
        gc.collect()
    return _whole_mart_outcome(con, rule_id), validated_rows


def _chunks(versions: list[tuple[str, int]], rows_per_chunk: int) -> list[list[str]]:
    """(version, rows) in version order cut into runs of whole versions of at most
    ``rows_per_chunk`` rows (a version with more rows makes a chunk of its own)."""
    chunks, current, rows = [], [], 0
    for version, count in versions:
        if current and rows + count > rows_per_chunk:
            chunks.append(current)
            current, rows = [], 0
        current.append(version)
        rows += count
    return chunks + [current] if current else chunks


def _record(con, rule_id: str, fingerprint: str, frame: pd.DataFrame, outcome: RuleOutcome) -> None:
    version_of = dict(zip(frame["report_id"], frame["report_version"]))
    validated = pd.DataFrame({"rule_id": rule_id, "report_version": sorted(set(frame["report_version"])),
                              "suite_fingerprint": fingerprint,
                              "validated_at": datetime.now(timezone.utc).replace(tzinfo=None)})
    failures = pd.DataFrame(
        [[rule_id, version_of[f["report_id"]], f["report_id"], f["column"], f["lhs"], f["rhs"], f["agency"], f["year"]]
         for f in outcome.failures],
        columns=["rule_id", "report_version", "report_id", "column_key", "lhs", "rhs", "agency", "year"])
    failures["year"] = pd.array(failures["year"], dtype="Int64")
    con.execute("begin")
    try:
        con.execute("insert into checks.rule_validated select * from validated")
        if len(failures):
            con.execute("insert into checks.rule_failures select * from failures")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _whole_mart_outcome(con, rule_id: str) -> RuleOutcome:
    rule = RULES[rule_id]
    rows, reports, assessed = con.execute(
        """select count(*), count(distinct report_id),
                  count(distinct report_id) filter (where lhs is not null and rhs is not null)
           from marts.mart_reconciliation where rule_id = ?""", [rule_id]).fetchone()
    failures = [
        {"report_id": r, "agency": agency, "year": year, "column": column, "lhs": lhs, "rhs": rhs}
        for r, agency, year, column, lhs, rhs in con.execute(
            """select report_id, agency, year, column_key, lhs, rhs from checks.rule_failures where rule_id = ?
               order by agency, year, column_key, report_id""", [rule_id]).fetchall()]
    failed = len({f["report_id"] for f in failures})
    return RuleOutcome(rule_id=rule_id, severity=rule.severity, success=not failures, rows=rows,
                       reports_assessed=assessed, reports_passed=assessed - failed, reports_failed=failed,
                       reports_not_assessable=reports - assessed, failures=failures)



def mart_rule_summary(con) -> list[dict]:
    """Every rule's failing rows over the whole mart, from ``checks.rule_failures`` (what the
    Data Docs index opens on)."""
    from expectations.reconciliation import RULES

    failing: dict[str, list[dict]] = {rule_id: [] for rule_id in RULES}
    for rule_id, report_id, agency, year, column, lhs, rhs in con.execute(
            """select rule_id, report_id, agency, year, column_key, lhs, rhs from checks.rule_failures
               order by rule_id, agency, year, column_key, report_id""").fetchall():
        failing.setdefault(rule_id, []).append({"report_id": report_id, "agency": agency, "year": year,
                                                "column": column, "lhs": lhs, "rhs": rhs})
    assessed = dict(con.execute("""select rule_id, count(*) filter (where lhs is not null and rhs is not null)
                                   from marts.mart_reconciliation group by rule_id""").fetchall())
    return [{"rule_id": rule.rule_id, "severity": rule.severity, "description": rule.description,
             "failing": failing.get(rule.rule_id, []), "assessed_rows": assessed.get(rule.rule_id, 0)}
            for rule in RULES.values()]
