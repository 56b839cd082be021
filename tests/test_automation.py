"""The refresh schedule follows the publication season."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.defs.automation import seasonal_refresh
from orchestration.season import RefreshSeason

SHANGHAI = ZoneInfo("Asia/Shanghai")


def evaluate(day: date):
    context = dg.build_schedule_context(scheduled_execution_time=datetime(day.year, day.month, day.day, 6,
                                                                          tzinfo=SHANGHAI))
    return seasonal_refresh(context)


@pytest.mark.parametrize("day", [date(2026, 1, 15), date(2026, 2, 3), date(2026, 3, 31), date(2026, 4, 9)])
def test_daily_in_the_publication_season(day):
    result = evaluate(day)
    assert isinstance(result, dg.RunRequest) and result.run_key == f"refresh-{day.isoformat()}"


def test_weekly_outside_the_season():
    june = [date(2026, 6, d) for d in range(1, 15)]
    requests = [d for d in june if isinstance(evaluate(d), dg.RunRequest)]
    assert requests == [date(2026, 6, 1), date(2026, 6, 8)]          # Mondays
    assert isinstance(evaluate(date(2026, 6, 2)), dg.SkipReason)


def test_season_is_configurable(monkeypatch):
    monkeypatch.setenv("DISCLOSURE_SEASON_MONTHS", "1,2,3")
    monkeypatch.setenv("DISCLOSURE_OFFSEASON_WEEKDAY", "4")
    assert isinstance(evaluate(date(2026, 4, 9)), dg.SkipReason)      # April is out; a Thursday
    assert isinstance(evaluate(date(2026, 4, 10)), dg.RunRequest)     # the weekly Friday
    assert RefreshSeason.from_environment().refreshes_on(date(2026, 3, 9))


def test_inbox_sensor_runs_once_per_new_file_and_keeps_its_cursor(pipeline_env, tmp_path):
    from orchestration.defs.automation import inbox_sensor

    inbox = pipeline_env / "inbox"
    inbox.mkdir()
    with dg.instance_for_test() as instance:
        first = inbox_sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(first, dg.SkipReason)

        (inbox / "某县人民政府-2021.html").write_text("<html>report</html>", encoding="utf-8")
        context = dg.build_sensor_context(instance=instance, cursor=None)
        request = inbox_sensor(context)
        assert isinstance(request, dg.RunRequest)
        assert request.run_config["ops"]["raw_documents"]["config"]["source_ids"] == ["inbox"]
        cursor = context.cursor

        # The same file again: no run. The cursor is what a restarted daemon resumes from.
        again = dg.build_sensor_context(instance=instance, cursor=cursor)
        assert isinstance(inbox_sensor(again), dg.SkipReason)

        (inbox / "另一局-2022.pdf").write_bytes(b"%PDF-1.4 second")
        later = dg.build_sensor_context(instance=instance, cursor=cursor)
        second = inbox_sensor(later)
        assert isinstance(second, dg.RunRequest) and second.run_key != request.run_key
        assert second.tags["inbox/new_files"] == "1"
