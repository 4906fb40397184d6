"""Messages to the customer about their ticket: queued in the outbox, worded at send time.

Links are never stored: a message's text holds `{ticket_link}`, and a fresh private link is
minted into the copy that is sent (`ticket_link_mint`), so the outbox keeps no working token.
"""

from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.names import given_name
from apps.core.tokens import token_generate, token_hash
from apps.notifications.channels import customer_channels
from apps.notifications.models import NotificationChannel
from apps.notifications.services import Draft, notifications_queue
from apps.tickets.models import Ticket, TicketDraft, TicketLink

LINK_MARK = "{ticket_link}"


def _site(path: str) -> str:
    return settings.DELAYDESK["SITE_URL"].rstrip("/") + path


def ticket_tell(*, ticket: Ticket, stage: str, occurrence: str = "", now=None) -> int:
    """Queue a message about `stage` of this ticket to its customer, once per occurrence."""
    customer = ticket.customer
    drafts = []
    for channel, recipient in customer_channels(customer):
        drafts.append(
            Draft(
                channel=channel,
                recipient=recipient,
                language=ticket.language,
                stage=stage,
                subject_type="ticket",
                subject_id=ticket.pk,
                # A reply or a change the customer should see is not held for quiet hours
                # only when it asks something of them.
                urgent=stage == "status_pending_customer",
                time_zone=customer.time_zone,
                occurrence=occurrence,
            )
        )
    return notifications_queue(drafts=drafts, now=now)


def ticket_message(notification) -> tuple[str, str]:
    """Title and body of a ticket notification; the link is left as {ticket_link}."""
    ticket = Ticket.objects.select_related("customer", "shipment").get(pk=notification.subject_id)
    reply = ""
    if notification.stage in ("agent_replied", "replied_resolved"):
        message = ticket.messages.filter(pk=_int(notification.dedupe_key.rsplit(":", 1)[-1]))
        reply = message.values_list("body", flat=True).first() or ""
    context = {
        "ticket": ticket,
        "first_name": given_name(ticket.customer.name),
        "reply": reply,
        "channel": notification.channel,
        "link": LINK_MARK,
    }
    with translation.override(notification.language):
        text = render_to_string(
            f"notifications/{notification.language}/ticket_{notification.stage}.txt", context
        ).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def ticket_link_mint(notification) -> str:
    """A new private link for the message being sent (stored as a hash only)."""
    return ticket_link_new(ticket_id=notification.subject_id)


def ticket_link_new(*, ticket_id: int) -> str:
    token = token_generate()
    TicketLink.objects.create(
        ticket_id=ticket_id, token_hash=token_hash(token), created_at=timezone.now()
    )
    return _site(reverse("portal:ticket", kwargs={"token": token}))


def draft_tell(*, draft: TicketDraft, now: datetime | None = None) -> int:
    """Email the one-time confirmation link for a ticket filed without a verified parcel."""
    return notifications_queue(
        drafts=[
            Draft(
                channel=NotificationChannel.EMAIL,
                recipient=draft.email,
                language=draft.language,
                stage="confirm",
                subject_type="draft",
                subject_id=draft.pk,
                urgent=True,
                time_zone="Asia/Seoul",
            )
        ],
        now=now,
    )


def draft_message(notification) -> tuple[str, str]:
    draft = TicketDraft.objects.get(pk=notification.subject_id)
    with translation.override(notification.language):
        text = render_to_string(
            f"notifications/{notification.language}/draft_confirm.txt",
            {"draft": draft, "first_name": given_name(draft.name), "link": LINK_MARK},
        ).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def draft_link_mint(notification) -> str:
    """The draft's confirmation link: a fresh token replaces the draft's stored hash."""
    token = token_generate()
    TicketDraft.objects.filter(pk=notification.subject_id, used_at__isnull=True).update(
        token_hash=token_hash(token)
    )
    return _site(reverse("portal:draft-confirm", kwargs={"token": token}))
