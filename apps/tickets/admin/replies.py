"""Writes the desk composes from two ticket services, until the services offer them whole."""

from django.db import transaction

from apps.tickets.models import MessageAuthor, Ticket, TicketStatus
from apps.tickets.services import ticket_reply, ticket_transition


@transaction.atomic
def reply_and_resolve(*, ticket: Ticket, body: str, actor) -> Ticket:
    """Send a public reply and resolve the ticket, both or neither.

    The customer hears of the reply and of the resolution (the services tell each). Composed
    here because `apps.tickets.services` has no single service for it yet.
    """
    ticket_reply(ticket=ticket, body=body, author_kind=MessageAuthor.AGENT, author=actor)
    return ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, actor=actor)
