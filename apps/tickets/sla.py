"""SLA targets: how soon a first answer and a resolution are due, by priority and category.

Targets count WORKING time of the ticket's policy (`SlaPolicy`, per category, else the default):
a 4 h first-response target for a ticket filed on Friday at 17:00 (09:00–18:00, Mon–Fri) is
due on Monday at 12:00, or on Tuesday if Monday is a public holiday.
"""

from datetime import datetime, timedelta

from apps.tickets.models import SlaPolicy, Ticket, TicketCategory, TicketPriority
from apps.tickets.sla_calendar import WorkingCalendar

# (first response, resolution) per priority, in working time.
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

# Used when no active policy fits (none in the database, e.g. right after a test flushed every
# table): the same as the default policy the migrations create.
DEFAULT_CALENDAR = WorkingCalendar()
DEFAULT_SILENCE = timedelta(hours=4)


def sla_policy_for(category: str) -> SlaPolicy | None:
    """The active policy of `category`, else the active default policy; one query."""
    policies = SlaPolicy.objects.filter(is_active=True, category__in=[category, ""])
    by_category = {policy.category: policy for policy in policies}
    return by_category.get(category) or by_category.get("")


def sla_calendar_for(category: str) -> WorkingCalendar:
    policy = sla_policy_for(category)
    return policy.calendar() if policy else DEFAULT_CALENDAR


def sla_due_times(*, priority: int, category: str, start: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a ticket opened at `start`, in working time."""
    first, resolution = TARGETS[TicketPriority(priority)]
    resolution = resolution * CATEGORY_RESOLUTION_FACTOR.get(category, 1)
    calendar = sla_calendar_for(category)
    return calendar.add(start, first), calendar.add(start, resolution)


def sla_due_times_resumed(*, ticket: Ticket, now: datetime) -> tuple[datetime, datetime]:
    """The ticket's due times once its clock runs again at `now` after waiting on the customer
    since `ticket.sla_paused_at`: each moves by the WORKING time the pause took, so the working
    time left to each due time is what it was when the clock stopped."""
    if ticket.sla_paused_at is None:
        return ticket.first_response_due_at, ticket.resolution_due_at
    calendar = sla_calendar_for(ticket.category)
    paused = calendar.between(ticket.sla_paused_at, now)
    if paused <= timedelta(0):
        return ticket.first_response_due_at, ticket.resolution_due_at
    return (
        calendar.add(ticket.first_response_due_at, paused),
        calendar.add(ticket.resolution_due_at, paused),
    )


def default_priority(category: str) -> int:
    return CATEGORY_PRIORITY.get(category, TicketPriority.NORMAL)
