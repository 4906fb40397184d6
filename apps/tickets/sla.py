"""SLA targets: how soon a first answer and a resolution are due, by priority and category."""

from datetime import datetime, timedelta

from apps.tickets.models import TicketCategory, TicketPriority

# (first response, resolution) per priority.
TARGETS = {
    TicketPriority.URGENT: (timedelta(hours=1), timedelta(hours=8)),
    TicketPriority.HIGH: (timedelta(hours=2), timedelta(hours=24)),
    TicketPriority.NORMAL: (timedelta(hours=4), timedelta(hours=48)),
    TicketPriority.LOW: (timedelta(hours=8), timedelta(hours=72)),
}

# A lost parcel needs a carrier investigation; give resolution more room but answer as fast.
CATEGORY_RESOLUTION_FACTOR = {TicketCategory.LOST: 2}

# Categories that start above normal priority.
CATEGORY_PRIORITY = {
    TicketCategory.LOST: TicketPriority.HIGH,
    TicketCategory.DAMAGED: TicketPriority.HIGH,
}


def sla_due_times(*, priority: int, category: str, start: datetime) -> tuple[datetime, datetime]:
    first, resolution = TARGETS[TicketPriority(priority)]
    resolution = resolution * CATEGORY_RESOLUTION_FACTOR.get(category, 1)
    return start + first, start + resolution


def default_priority(category: str) -> int:
    return CATEGORY_PRIORITY.get(category, TicketPriority.NORMAL)
