from collections import defaultdict

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.core.tokens import token_hash
from apps.tickets.models import (
    Attachment,
    DeliveryChangeRequest,
    Message,
    Ticket,
    TicketDraft,
    TicketLink,
)

# A URL-safe token from core.tokens is 43 characters; anything far longer is not one of ours.
_MAX_TOKEN_LENGTH = 128
# The customer page lists this many of the latest delivery-change requests.
_DELIVERY_CHANGES_SHOWN = 10


def _tickets_for_token(token: str) -> QuerySet[Ticket] | None:
    """The tickets (zero or one) a customer link opens: not revoked, not expired."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    digest = token_hash(token)
    # The ticket's first link, or one minted for a message since; revoked or expired: none.
    # Looked up first, on its own index: an OR with a subquery would scan every ticket.
    link_ticket = (
        TicketLink.objects.filter(token_hash=digest, revoked_at__isnull=True)
        .values_list("ticket_id", flat=True)
        .first()
    )
    by_token = Q(token_hash=digest) | Q(pk=link_ticket) if link_ticket else Q(token_hash=digest)
    return (
        Ticket.objects.filter(by_token)
        .filter(token_revoked_at__isnull=True)
        .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=timezone.now()))
    )


def ticket_get_for_token(*, token: str, flags: dict | None = None) -> Ticket | None:
    """The ticket a customer link opens, or None if the token is wrong, revoked or expired.

    Fetches the ticket with its shipment, carrier and customer, and its public messages only:
    internal notes never leave this selector for a customer page. Each public message gets
    `public_attachments` and the ticket `delivery_change_list` (latest first); both are fetched
    only when the ticket has any (flags on the ticket's row), so a ticket with neither costs
    two queries and one with both four, whatever the number of messages. `flags` adds more
    such annotations from the page's other sections (name → expression on the ticket row).
    """
    tickets = _tickets_for_token(token)
    if tickets is None:
        return None
    public_files = Attachment.objects.filter(
        message__ticket=OuterRef("pk"), message__is_internal=False
    )
    ticket = (
        tickets.select_related("customer", "shipment__carrier")
        .annotate(
            **(flags or {}),
            has_public_files=Exists(public_files),
            has_delivery_changes=Exists(
                DeliveryChangeRequest.objects.filter(ticket=OuterRef("pk"))
            ),
        )
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.filter(is_internal=False).order_by("created_at", "id"),
                to_attr="public_messages",
            )
        )
        .first()
    )
    if ticket is None:
        return None
    files_by_message = defaultdict(list)
    if ticket.has_public_files:
        for attachment in Attachment.objects.filter(
            message__ticket=ticket, message__is_internal=False
        ).order_by("created_at", "id"):
            files_by_message[attachment.message_id].append(attachment)
    for message in ticket.public_messages:
        message.public_attachments = files_by_message.get(message.pk, [])
    ticket.delivery_change_list = (
        list(ticket.delivery_changes.order_by("-created_at", "-id")[:_DELIVERY_CHANGES_SHOWN])
        if ticket.has_delivery_changes
        else []
    )
    return ticket


def attachment_get_for_token(*, token: str, attachment_id: int) -> Attachment | None:
    """A file of one of the public messages of the ticket this link opens; else None."""
    tickets = _tickets_for_token(token)
    if tickets is None:
        return None
    return Attachment.objects.filter(
        pk=attachment_id, message__is_internal=False, message__ticket__in=tickets.values("pk")
    ).first()


def ticket_draft_get_for_token(*, token: str) -> TicketDraft | None:
    """The draft a confirmation link still confirms: not used and not expired; else None."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return TicketDraft.objects.filter(
        token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
