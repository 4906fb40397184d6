"""A macro applied to a ticket: a reply, then a priority, an assignment and a status, all or none.

The macro itself (its name, who may edit it) belongs to the desk; this service takes its plain
values, so the tickets app knows nothing of the desk. Each step is the ordinary service
(`ticket_reply`, `ticket_set_priority`, `ticket_assign`, `ticket_transition`): the same locks,
checks and timeline rows as when an agent does them one by one.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.tickets.errors import TicketChangeNotAllowed
from apps.tickets.models import MessageAuthor, Ticket, TicketStatus
from apps.tickets.services.assignment import ticket_assign
from apps.tickets.services.ticket import ticket_reply, ticket_set_priority, ticket_transition
from apps.tickets.telling import ticket_tell

# What a macro does with the assignee.
ASSIGN_KEEP = "keep"
ASSIGN_ME = "me"
ASSIGN_POOL = "pool"
MACRO_PERMISSION = "tickets.change_ticket"


@transaction.atomic
def ticket_macro_apply(
    *,
    ticket: Ticket,
    actor,
    body: str = "",
    set_status: str = "",
    set_priority: int | None = None,
    assign: str = ASSIGN_KEEP,
    seen_message_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Apply one macro's values to the ticket in one transaction; returns the ticket as left.

    `body` is the reply as the customer will read it (placeholders already filled; empty: no
    reply); `set_status` empty and `set_priority` None leave those as they are; `assign` is
    keep, me (the actor) or pool (nobody). `seen_message_id` guards the reply as in
    `ticket_reply` (TicketChanged when someone wrote meanwhile: then nothing at all is done).
    A reply that resolves the ticket reaches the customer as one message, as with
    `ticket_reply_and_resolve`. Refused (TicketChangeNotAllowed) for an actor who may not change
    tickets; a refused step (a status move not allowed, an assignee who cannot take tickets)
    undoes the steps before it.
    """
    if actor is None or not actor.has_perm(MACRO_PERMISSION):
        raise TicketChangeNotAllowed()
    now = now or timezone.now()
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    resolving = bool(set_status) and set_status == TicketStatus.RESOLVED
    message = None
    if body.strip():
        message = ticket_reply(
            ticket=locked,
            body=body,
            author_kind=MessageAuthor.AGENT,
            author=actor,
            tell=not resolving,
            seen_message_id=seen_message_id,
            now=now,
        )
    if set_priority is not None:
        locked = ticket_set_priority(
            ticket=locked, priority=set_priority, actor=actor, note=note, now=now
        )
    if assign == ASSIGN_ME:
        locked = ticket_assign(ticket=locked, assignee=actor, actor=actor, now=now)
    elif assign == ASSIGN_POOL:
        locked = ticket_assign(ticket=locked, assignee=None, actor=actor, now=now)
    moved = False
    if set_status and Ticket.objects.only("status").get(pk=locked.pk).status != set_status:
        locked = ticket_transition(
            ticket=locked,
            to_status=set_status,
            actor=actor,
            note=note,
            quiet=message is not None and resolving,
            now=now,
        )
        moved = True
    if message is not None and resolving:
        # The reply was held back (tell=False) to go out with the resolution as one message.
        stage = "replied_resolved" if moved else "agent_replied"
        ticket_tell(ticket=locked, stage=stage, occurrence=str(message.pk), now=now)
    return Ticket.objects.get(pk=locked.pk)
