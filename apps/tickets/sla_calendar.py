"""Working-time arithmetic: business hours, working weekdays and public holidays in one zone.

Pure: no database, no settings. A `WorkingCalendar` answers three questions about instants
(aware datetimes, any zone; answers come back in UTC):

- `add(start, duration)`: the earliest instant at which `duration` of working time has passed
  since `start` (time outside working hours does not count);
- `subtract(end, duration)`: the latest instant from which `duration` of working time runs
  until `end` (`add`'s mirror; used to turn "N working hours ago" into one SQL bound);
- `between(start, end)`: how much working time lies between two instants.

A day's working window is [start, end) in the calendar's zone; an `end` of 00:00 means
midnight at the end of the day, so 00:00–00:00 on every day without holidays is 24×7. Windows
are turned into UTC before any arithmetic, so a zone with daylight saving counts real elapsed
time. Holidays come from the `holidays` package, looked up once per (country, year).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays

ZERO = timedelta(0)
DAY = timedelta(days=1)
# Ten years of consecutive closed days means the calendar has no working time at all.
MAX_DAYS = 3660


class NoWorkingTime(ValueError):
    """The calendar never opens (no working weekday, or an empty working day)."""


@lru_cache(maxsize=64)
def holidays_for(country: str, year: int) -> frozenset[date]:
    """Public holidays of `country` (ISO 3166 code) in `year`; empty for no country."""
    if not country:
        return frozenset()
    return frozenset(holidays.country_holidays(country, years=year))


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class WorkingCalendar:
    time_zone: str = "Asia/Seoul"
    # ISO weekdays worked: 1 = Monday … 7 = Sunday.
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    start: time = time(9, 0)
    end: time = time(18, 0)
    holidays_country: str = "KR"

    def __post_init__(self):
        if not self.working_days or not set(self.working_days) <= set(range(1, 8)):
            raise NoWorkingTime("working days must be a non-empty set of ISO weekdays 1–7")
        if self.end != time(0) and self.end <= self.start:
            raise NoWorkingTime("the working day must end after it starts (00:00: midnight)")
        _zone(self.time_zone)  # an unknown zone fails here, not in the middle of a task

    @property
    def is_always_open(self) -> bool:
        return (
            len(self.working_days) == 7
            and self.start == time(0)
            and self.end == time(0)
            and not self.holidays_country
        )

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.working_days and day not in holidays_for(
            self.holidays_country, day.year
        )

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local `day` in UTC, or None on a closed day."""
        if not self.is_working_day(day):
            return None
        zone = _zone(self.time_zone)
        opens = datetime.combine(day, self.start, tzinfo=zone)
        closes_on = day + DAY if self.end == time(0) else day
        closes = datetime.combine(closes_on, self.end, tzinfo=zone)
        return opens.astimezone(UTC), closes.astimezone(UTC)

    def _local_day(self, instant: datetime) -> date:
        return instant.astimezone(_zone(self.time_zone)).date()

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant with `duration` of working time after `start`."""
        start = start.astimezone(UTC)
        if duration < ZERO:
            return self.subtract(start, -duration)
        if duration == ZERO:
            return start
        if self.is_always_open:
            return start + duration
        remaining = duration
        # The window of the previous local day may still be open (a day ending at midnight).
        day = self._local_day(start) - DAY
        for _ in range(MAX_DAYS):
            window = self.window(day)
            day += DAY
            if window is None or window[1] <= start:
                continue
            opens = max(window[0], start)
            length = window[1] - opens
            if remaining <= length:
                return opens + remaining
            remaining -= length
        raise NoWorkingTime(f"no working time within {MAX_DAYS} days")

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """The latest instant from which `duration` of working time runs until `end`."""
        end = end.astimezone(UTC)
        if duration < ZERO:
            return self.add(end, -duration)
        if duration == ZERO:
            return end
        if self.is_always_open:
            return end - duration
        remaining = duration
        day = self._local_day(end) + DAY
        for _ in range(MAX_DAYS):
            window = self.window(day)
            day -= DAY
            if window is None or window[0] >= end:
                continue
            closes = min(window[1], end)
            length = closes - window[0]
            if remaining <= length:
                return closes - remaining
            remaining -= length
        raise NoWorkingTime(f"no working time within {MAX_DAYS} days")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (negative when `end` comes first)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end < start:
            return -self.between(end, start)
        if self.is_always_open:
            return end - start
        total = ZERO
        day = self._local_day(start) - DAY
        last = self._local_day(end)
        while day <= last:
            window = self.window(day)
            day += DAY
            if window is None:
                continue
            overlap = min(window[1], end) - max(window[0], start)
            if overlap > ZERO:
                total += overlap
        return total


ALWAYS_OPEN = WorkingCalendar(
    working_days=frozenset(range(1, 8)), start=time(0), end=time(0), holidays_country=""
)
