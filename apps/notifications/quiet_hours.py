"""Quiet hours: non-urgent messages wait until morning in the customer's time zone.

Korean law asks separate consent for advertising sent 21:00–08:00; delivery notices are exempt,
but a non-urgent one (dispatched, delayed, delivered) can wait. Urgent ones (out for delivery,
action needed) go at once.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings


def _window() -> tuple[time, time]:
    start, _, end = settings.DELAYDESK["QUIET_HOURS"].partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def quiet_release(*, moment: datetime, time_zone: str) -> datetime:
    """`moment` itself outside quiet hours, else the end of the quiet period (local morning)."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    start, end = _window()
    local = moment.astimezone(zone)
    now_t = local.timetz().replace(tzinfo=None)
    if start > end:  # spans midnight, e.g. 21:00–08:00
        if now_t >= start:
            release_day = local.date() + timedelta(days=1)
        elif now_t < end:
            release_day = local.date()
        else:
            return moment
    else:
        if not (start <= now_t < end):
            return moment
        release_day = local.date()
    return datetime.combine(release_day, end, tzinfo=zone)
