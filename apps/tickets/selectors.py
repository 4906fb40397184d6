from django.db.models import Prefetch, Q
from django.utils import timezone

from apps.core.tokens import token_hash
from apps.tickets.models import Message, Ticket, TicketLink

# A URL-safe token from core.tokens is 43 characters; anything far longer is not one of ours.
_MAX_TOKEN_LENGTH = 128


def ticket_get_for_token(*, token: str) -> Ticket | None:
    """The ticket a customer link opens, or None if the token is wrong, revoked or expired.

    Fetches the ticket with its shipment, carrier and customer, and its public messages only:
    internal notes never leave this selector for a customer page.
    """
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    now = timezone.now()
    digest = token_hash(token)
    # The ticket's first link, or one minted for a message since; revoked or expired: none.
    link_ticket = TicketLink.objects.filter(token_hash=digest, revoked_at__isnull=True).values(
        "ticket_id"
    )
    return (
        Ticket.objects.filter(Q(token_hash=digest) | Q(pk__in=link_ticket))
        .filter(token_revoked_at__isnull=True)
        .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now))
        .select_related("customer", "shipment__carrier")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.filter(is_internal=False).order_by("created_at", "id"),
                to_attr="public_messages",
            )
        )
        .first()
    )
