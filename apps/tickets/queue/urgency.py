"""How urgent an open ticket is, in SQL and in Python: SLA state (breached, due within the hour)
and the queue's urgency order, `next_due` (see `apps.tickets.queue.listing`)."""

from datetime import datetime, timedelta

from django.db.models import Case, CharField, DateTimeField, F, Q, Value, When
from django.db.models.functions import Least

from apps.tickets.models import OPEN_STATUSES
from apps.tickets.services.escalation import breached_filter

# "Due soon": an hour is what an agent can still act on before a breach (Ticket.is_sla_at_risk).
SLA_WARNING = timedelta(hours=1)
SLA_BREACHED = "breached"
SLA_AT_RISK = "at_risk"


# --- SLA state in SQL ---------------------------------------------------------------------------


def sla_breached_q(now: datetime) -> Q:
    """Breached as the escalation sees it: open, clock running, past a due time not yet met."""
    return breached_filter(now)


def sla_at_risk_q(now: datetime) -> Q:
    """`Ticket.is_sla_at_risk` in SQL: not breached, clock running, a due time within the hour."""
    soon = now + SLA_WARNING
    return (
        Q(status__in=OPEN_STATUSES, sla_paused_at__isnull=True)
        & ~breached_filter(now)
        & (
            Q(resolution_due_at__lte=soon)
            | Q(first_responded_at__isnull=True, first_response_due_at__lte=soon)
        )
    )


def sla_state_of(ticket, *, now: datetime) -> str:
    """`sla_state` for one ticket already read: the same conditions, in Python.

    `ticket` is anything with the ticket's status, sla_paused_at, resolution_due_at,
    first_responded_at and first_response_due_at (a `Ticket`, a `QueueRow`).
    """
    if ticket.status not in OPEN_STATUSES or ticket.sla_paused_at is not None:
        return ""
    unanswered = ticket.first_responded_at is None
    if ticket.resolution_due_at < now or (unanswered and ticket.first_response_due_at < now):
        return SLA_BREACHED
    soon = now + SLA_WARNING
    if ticket.resolution_due_at <= soon or (unanswered and ticket.first_response_due_at <= soon):
        return SLA_AT_RISK
    return ""


def sla_state(now: datetime) -> Case:
    """ "breached", "at_risk" or "" per row, as the queue's filters see it."""
    return Case(
        When(sla_breached_q(now), then=Value(SLA_BREACHED)),
        When(sla_at_risk_q(now), then=Value(SLA_AT_RISK)),
        default=Value(""),
        output_field=CharField(),
    )


# --- Urgency order -----------------------------------------------------------------------------


def next_due() -> Case:
    """The next due time that matters, in SQL: the queue's order (then id).

    `CASE WHEN first_responded_at IS NULL THEN least(first_response_due_at, resolution_due_at)
    ELSE resolution_due_at END`. The index `ticket_open_next_due_idx` (Ticket.Meta.indexes) is
    on this very expression and id for open tickets: change both together, or PostgreSQL no
    longer matches the index to the queue's query.
    """
    return Case(
        When(
            first_responded_at__isnull=True,
            then=Least("first_response_due_at", "resolution_due_at"),
        ),
        default=F("resolution_due_at"),
        output_field=DateTimeField(),
    )


def next_due_of(ticket) -> datetime:
    """`next_due()` for one ticket already read (a `Ticket`, a `QueueRow`), in Python."""
    if ticket.first_responded_at is None:
        return min(ticket.first_response_due_at, ticket.resolution_due_at)
    return ticket.resolution_due_at
