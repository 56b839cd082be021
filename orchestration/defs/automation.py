"""Schedules and sensors: when the pipeline runs without anyone asking."""
import dagster as dg

from orchestration.lib.season import RefreshSeason

REFRESH_TIME = "0 6 * * *"   # 06:00 China time, after the night's publications


@dg.schedule(cron_schedule=REFRESH_TIME, execution_timezone="Asia/Shanghai",
             target=dg.AssetSelection.all(), default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Full refresh that follows the publication season: daily January–April, weekly "
                         "otherwise (DISCLOSURE_SEASON_MONTHS, DISCLOSURE_OFFSEASON_WEEKDAY). Switch it off "
                         "in the UI under Automation.")
def seasonal_refresh(context: dg.ScheduleEvaluationContext):
    season = RefreshSeason.from_environment()
    day = context.scheduled_execution_time.date()
    if not season.refreshes_on(day):
        return dg.SkipReason(f"{day} is outside the publication season and not the weekly day "
                             f"({season.describe()})")
    return dg.RunRequest(run_key=f"refresh-{day.isoformat()}", tags={"trigger": "seasonal_refresh"})
