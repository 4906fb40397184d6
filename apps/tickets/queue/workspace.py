"""One ticket with everything its desk workspace shows."""

from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from apps.tickets.models import (
    OPEN_STATUSES,
    DeliveryChangeRequest,
    Message,
    Ticket,
    TicketEvent,
)
from apps.tickets.queue.urgency import sla_state_of


def ticket_get_for_workspace(
    *, ticket_id: int, now: datetime | None = None, with_timeline: bool = True
) -> Ticket | None:
    """One ticket with everything its workspace shows, one query per section.

    Joined: customer, shipment, carrier, assignee; with `sla_state` as in the queue (worked out
    in Python from the row: `sla_state_of`).
    Prefetched: every message (internal notes
    included: this is the agents' page) with its author and attachments as `conversation`,
    the timeline with actors as `timeline` (not with `with_timeline=False`: the desk draws it
    when asked, `ticket_timeline`), and the delivery changes as `delivery_change_list`.
    """
    now = now or timezone.now()
    sections = [
        Prefetch(
            "messages",
            queryset=Message.objects.select_related("author")
            .prefetch_related("attachments")
            .order_by("created_at", "id"),
            to_attr="conversation",
        ),
        Prefetch(
            "delivery_changes",
            queryset=DeliveryChangeRequest.objects.order_by("-created_at", "-id"),
            to_attr="delivery_change_list",
        ),
    ]
    if with_timeline:
        sections.append(Prefetch("events", queryset=ticket_timeline_rows(), to_attr="timeline"))
    ticket = (
        Ticket.objects.select_related("customer", "shipment__carrier", "assignee")
        .prefetch_related(*sections)
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is not None:
        ticket.sla_state = sla_state_of(ticket, now=now)
    return ticket


def ticket_timeline_rows():
    """A ticket's timeline events with their actors, oldest first (filter by ticket)."""
    return TicketEvent.objects.select_related("actor").order_by("created_at", "id")


def ticket_timeline(*, ticket_id: int) -> list[TicketEvent]:
    return list(ticket_timeline_rows().filter(ticket_id=ticket_id))


def ticket_messages_after(*, ticket_id: int, after_id: int) -> list[Message]:
    """The ticket's messages newer than `after_id` (the page's poll), with authors and
    attachments: two queries whatever their number."""
    return list(
        Message.objects.filter(ticket_id=ticket_id, pk__gt=after_id)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def ticket_neighbour(*, ticket: Ticket, forward: bool = True) -> int | None:
    """The next (or previous) open ticket after this one in the order of their resolution due
    time, then id: the desk's "next ticket" key. One query."""
    due, pk = ticket.resolution_due_at, ticket.pk
    rows = Ticket.objects.filter(status__in=OPEN_STATUSES).exclude(pk=pk)
    if forward:
        rows = rows.filter(Q(resolution_due_at__gt=due) | Q(resolution_due_at=due, pk__gt=pk))
        rows = rows.order_by("resolution_due_at", "pk")
    else:
        rows = rows.filter(Q(resolution_due_at__lt=due) | Q(resolution_due_at=due, pk__lt=pk))
        rows = rows.order_by("-resolution_due_at", "-pk")
    return rows.values_list("pk", flat=True).first()
