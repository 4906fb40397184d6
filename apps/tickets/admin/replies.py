"""Writes the desk composes: resolving with a reply is one service, one customer message."""

from apps.tickets.models import Ticket
from apps.tickets.services import ticket_reply_and_resolve


def reply_and_resolve(*, ticket: Ticket, body: str, actor) -> Ticket:
    """Send a public reply and resolve the ticket, both or neither; the customer gets one
    message with the reply and the resolution."""
    return ticket_reply_and_resolve(ticket=ticket, body=body, actor=actor)
