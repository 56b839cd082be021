"""When to refresh: reports appear January–March (departments by 31 January, governments by
31 March), so the pipeline refreshes daily then and weekly the rest of the year."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RefreshSeason:
    season_months: frozenset[int] = frozenset({1, 2, 3, 4})   # April catches the late ones
    offseason_weekday: int = 0                                  # Monday (date.weekday())

    @classmethod
    def from_environment(cls) -> "RefreshSeason":
        """``DISCLOSURE_SEASON_MONTHS`` (e.g. ``1,2,3``) and ``DISCLOSURE_OFFSEASON_WEEKDAY``
        (0 = Monday … 6 = Sunday) override the defaults."""
        months = os.environ.get("DISCLOSURE_SEASON_MONTHS")
        weekday = os.environ.get("DISCLOSURE_OFFSEASON_WEEKDAY")
        default = cls()
        return cls(
            season_months=frozenset(int(m) for m in months.split(",") if m.strip()) if months else default.season_months,
            offseason_weekday=int(weekday) if weekday else default.offseason_weekday)

    def refreshes_on(self, day: date) -> bool:
        return day.month in self.season_months or day.weekday() == self.offseason_weekday

    def cron_schedules(self, hour: int, minute: int = 0) -> list[str]:
        """Cron strings that fire exactly on the days ``refreshes_on`` is true: daily in the
        season's months, on the weekday in the others (cron counts weekdays from Sunday = 0)."""
        season = sorted(self.season_months)
        offseason = [m for m in range(1, 13) if m not in self.season_months]
        crons = []
        if season:
            crons.append(f"{minute} {hour} * {','.join(map(str, season))} *")
        if offseason:
            crons.append(f"{minute} {hour} * {','.join(map(str, offseason))} {(self.offseason_weekday + 1) % 7}")
        return crons

    def describe(self) -> str:
        names = "Mon Tue Wed Thu Fri Sat Sun".split()
        return (f"daily in months {sorted(self.season_months)}, otherwise weekly on "
                f"{names[self.offseason_weekday]}")
