"""How late is late: flagging a delay and sizing it in hours and business days.

Sizes are counted in the destination's time zone. The promise watch computes the same size in SQL
for thousands of parcels at once (`sql.delays_flag`, `sql.delays_measure`); the parity tests hold
both to these functions.
"""

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


def delay_moment(
    *, delivered_at: datetime | None, estimate_end: datetime | None, now: datetime
) -> datetime:
    """What a delay is measured to: the delivery; else the estimate's end if later than now."""
    if delivered_at:
        return delivered_at
    if estimate_end and estimate_end > now:
        return estimate_end
    return now


def delay_measure(*, shipment, now: datetime) -> None:
    """Size the (in-memory) shipment's delay as of `now`; sets the size and when it was measured."""
    moment = delay_moment(
        delivered_at=shipment.delivered_at, estimate_end=shipment.estimate_end, now=now
    )
    shipment.delay_hours, shipment.delay_business_days = delay_size(
        promised_end=shipment.promised_end,
        moment=moment,
        time_zone=shipment.destination_time_zone,
    )
    shipment.delay_measured_at = now


def delay_mark(*, shipment, reason: str, now: datetime) -> bool:
    """Flag the (locked, in-memory) shipment delayed; returns True if it was not before."""
    if shipment.is_delayed:
        return False
    shipment.is_delayed = True
    shipment.delay_reason = reason
    shipment.delay_detected_at = now
    delay_measure(shipment=shipment, now=now)
    return True
