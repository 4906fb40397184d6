"""Messages to the customer about their compensation: queued in the outbox, worded at send time.

Each message carries a fresh private link to the ticket where the customer answers the offer
(minted when sent, never stored), like every ticket message.
"""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from apps.compensation.models import ActionKind, Offer
from apps.core.money import money_format
from apps.core.names import given_name
from apps.notifications.channels import customer_channels
from apps.notifications.services import LINK_MARK, Draft, notifications_queue
from apps.tickets.telling import ticket_link_new


def offer_tell(*, offer: Offer, stage: str, now=None) -> int:
    """Queue `stage` (offer_issued, offer_accepted, offer_declined, offer_expired) once."""
    ticket = offer.ticket
    customer = ticket.customer
    drafts = [
        Draft(
            channel=channel,
            recipient=recipient,
            language=ticket.language,
            stage=stage,
            subject_type="offer",
            subject_id=offer.pk,
            urgent=False,
            time_zone=customer.time_zone,
        )
        for channel, recipient in customer_channels(customer)
    ]
    return notifications_queue(drafts=drafts, now=now)


def offer_message(notification) -> tuple[str, str]:
    offer = Offer.objects.select_related("ticket__customer", "shipment", "voucher").get(
        pk=notification.subject_id
    )
    context = {
        "offer": offer,
        "ticket": offer.ticket,
        "voucher": getattr(offer, "voucher", None),
        "amount": money_format(offer.amount, offer.currency),
        "first_name": given_name(offer.ticket.customer.name),
        "channel": notification.channel,
        "link": LINK_MARK,
    }
    with translation.override(notification.language):
        context["kind"] = offer_kind_for_customer(offer)
        text = render_to_string(
            f"notifications/{notification.language}/{notification.stage}.txt", context
        ).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def offer_kind_for_customer(offer: Offer) -> str:
    """What the offer is, in the customer's words (the formula's name is for the desk)."""
    if offer.kind == ActionKind.FARE_FORMULA:
        return gettext("Compensation for the late delivery")
    return offer.get_kind_display()


def offer_link_mint(notification) -> str:
    """A new private link to the offer's ticket for the message being sent."""
    ticket_id = Offer.objects.values_list("ticket_id", flat=True).get(pk=notification.subject_id)
    return ticket_link_new(ticket_id=ticket_id)
