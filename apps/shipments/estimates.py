"""Our own estimate when the carrier gives none: from the service level and where the parcel is.

A parcel still in transit late in the afternoon of its promised day will not come that day; one
that only has a label a day before will not either. These hours are the least and the most a
parcel in each status still needs, for standard service (express takes half). They drive the
estimate shown to customers and the "predicted late" flag that lets us tell them first.
"""

from datetime import datetime, timedelta

from apps.shipments.models import ServiceLevel, ShipmentStatus

S = ShipmentStatus

# Hours still needed from the last scan: (at least, at most), standard service.
REMAINING_HOURS = {
    S.PENDING: (30, 72),
    S.INFO_RECEIVED: (20, 48),
    S.IN_TRANSIT: (8, 30),
    S.ATTEMPT_FAILED: (20, 48),
    S.EXCEPTION: (24, 72),
    S.OUT_FOR_DELIVERY: (0, 10),
    S.AVAILABLE_FOR_PICKUP: (0, 0),
}

SPEED = {ServiceLevel.STANDARD: 1.0, ServiceLevel.EXPRESS: 0.5, ServiceLevel.SAME_DAY: 0.25}


def remaining(status: str, service_level: str) -> tuple[timedelta, timedelta] | None:
    """(least, most) time a parcel in `status` still needs; None for final statuses."""
    hours = REMAINING_HOURS.get(status)
    if hours is None:
        return None
    factor = SPEED.get(service_level, 1.0)
    return timedelta(hours=hours[0] * factor), timedelta(hours=hours[1] * factor)


def estimate_predict(*, status: str, service_level: str, since: datetime):
    """Predicted (start, end) of delivery counting from `since`, or None."""
    window = remaining(status, service_level)
    if window is None:
        return None
    least, most = window
    return since + least, since + most


def late_statuses_by_deadline(now: datetime, service_level: str) -> dict[str, datetime]:
    """Status → the promise end before which a parcel in that status can no longer make it.

    A parcel whose promise ends before `now + least remaining time` is predicted late.
    """
    result = {}
    for status in REMAINING_HOURS:
        least, _ = remaining(status, service_level)
        if least > timedelta(0):
            result[status] = now + least
    return result
