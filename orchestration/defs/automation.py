"""Schedules and sensors: when the pipeline runs without anyone asking."""
import dagster as dg

from orchestration.defs.shared import REFRESH, catalogue_years, full_refresh_tags
from orchestration.season import RefreshSeason

REFRESH_HOUR = 6   # 06:00 China time, after the night's publications


# The cron strings name exactly the days the season refreshes, so "Next tick" in the UI shows
# only days that will run; the check in the body stays as a guard.
@dg.schedule(cron_schedule=RefreshSeason.from_environment().cron_schedules(REFRESH_HOUR),
             execution_timezone="Asia/Shanghai", job=REFRESH, default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Full refresh that follows the publication season: daily January–April, weekly "
                         "otherwise (DISCLOSURE_SEASON_MONTHS, DISCLOSURE_OFFSEASON_WEEKDAY). Switch it off "
                         "in the UI under Automation.")
def seasonal_refresh(context: dg.ScheduleEvaluationContext):
    season = RefreshSeason.from_environment()
    day = context.scheduled_execution_time.date()
    if not season.refreshes_on(day):
        return dg.SkipReason(f"{day} is outside the publication season and not the weekly day "
                             f"({season.describe()})")
    # Every source, over the year partitions the catalogue has years in: the UI shows those years
    # refreshed by this run, not the empty ones before and after.
    return dg.RunRequest(run_key=f"refresh-{day.isoformat()}",
                         tags={"trigger": "seasonal_refresh", **full_refresh_tags(catalogue_years())})


INBOX_SOURCE_ID = "inbox"   # the catalogue row (data/sources/inbox.csv) of the inbox folder


def inbox_files(inbox) -> dict[str, str]:
    """Every document in the inbox with a signature that changes when the file does."""
    if not inbox.is_dir():
        return {}
    return {str(path.relative_to(inbox)): f"{path.stat().st_size}:{path.stat().st_mtime_ns}"
            for path in sorted(inbox.rglob("*"))
            if path.is_file() and not path.name.startswith(".")}


@dg.sensor(job=REFRESH, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Runs the pipeline on the inbox folder (data/inbox) once for every new or changed "
                       "file dropped there; the cursor remembers what was seen.")
def inbox_sensor(context: dg.SensorEvaluationContext):
    import hashlib
    import json

    from orchestration.config import paths
    from orchestration.defs.ingest import ingest_run_config

    seen = json.loads(context.cursor) if context.cursor else {}
    current = inbox_files(paths().data_dir / "inbox")
    new = {name: signature for name, signature in current.items() if seen.get(name) != signature}
    if not new:
        return dg.SkipReason(f"no new file in the inbox ({len(current)} seen before)")
    context.update_cursor(json.dumps(current, sort_keys=True))
    run_key = hashlib.sha256(json.dumps(new, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=f"inbox-{run_key}", run_config=ingest_run_config(source_ids=[INBOX_SOURCE_ID]),
                         tags={"trigger": "inbox_sensor", "inbox/new_files": str(len(new)),
                               **full_refresh_tags(catalogue_years())})
