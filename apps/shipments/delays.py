"""How late is late: delay size in hours and business days, in the destination's time zone."""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def business_days_between(start: datetime, end: datetime, time_zone: str) -> int:
    """Weekdays after `start`'s date up to and including `end`'s date, in `time_zone`.

    Promised Monday, delivered Wednesday → 2. Public holidays are not subtracted.
    """
    if end <= start:
        return 0
    zone = ZoneInfo(time_zone)
    first = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    days = (last - first).days
    if days <= 0:
        return 0
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    day = first + timedelta(days=full_weeks * 7)
    for _ in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return count


def delay_size(*, promised_end: datetime, moment: datetime, time_zone: str) -> tuple[int, int]:
    """(hours late, business days late) of `moment` against the end of the promised window."""
    if moment <= promised_end:
        return 0, 0
    hours = math.ceil((moment - promised_end).total_seconds() / 3600)
    return hours, business_days_between(promised_end, moment, time_zone)
