"""One ticket with everything its desk workspace shows."""

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from apps.tickets.models import DeliveryChangeRequest, Message, Ticket, TicketEvent
from apps.tickets.queue.listing import sla_state


def ticket_get_for_workspace(*, ticket_id: int, now: datetime | None = None) -> Ticket | None:
    """One ticket with everything its workspace shows, one query per section.

    Joined: customer, shipment, carrier, assignee; annotated with `sla_state` as in the queue.
    Prefetched: every message (internal notes
    included: this is the agents' page) with its author and attachments as `conversation`,
    the timeline with actors as `timeline`, and the delivery changes as `delivery_change_list`.
    """
    now = now or timezone.now()
    return (
        Ticket.objects.select_related("customer", "shipment__carrier", "assignee")
        .annotate(sla_state=sla_state(now))
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author")
                .prefetch_related("attachments")
                .order_by("created_at", "id"),
                to_attr="conversation",
            ),
            Prefetch(
                "events",
                queryset=TicketEvent.objects.select_related("actor").order_by("created_at", "id"),
                to_attr="timeline",
            ),
            Prefetch(
                "delivery_changes",
                queryset=DeliveryChangeRequest.objects.order_by("-created_at", "-id"),
                to_attr="delivery_change_list",
            ),
        )
        .filter(pk=ticket_id)
        .first()
    )
