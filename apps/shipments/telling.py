"""Tell first: turn stage changes of shipments into messages in the customer's language."""

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.names import given_name
from apps.notifications.channels import customer_channels
from apps.notifications.services import Draft, notifications_queue
from apps.shipments.models import Customer, Shipment

# Action needed or imminent: these go at once, even in quiet hours.
URGENT_STAGES = frozenset({"out_for_delivery", "attempt_failed", "ready_for_pickup", "exception"})
STAGES = (
    "dispatched",
    "out_for_delivery",
    "attempt_failed",
    "ready_for_pickup",
    "delivered",
    "exception",
    "delayed",
    "estimate_revised",
)


class Contact(NamedTuple):
    """What telling needs of a customer: a Customer instance or this lighter stand-in will do."""

    email: str
    phone: str
    channel: str
    language: str
    time_zone: str


# The customer columns a Contact is read from (through the shipment: "customer__<name>").
CONTACT_FIELDS = Contact._fields


_language_codes: list = [None, frozenset()]


def _languages() -> frozenset[str]:
    """The codes of settings.LANGUAGES, worked out again only when the setting changes."""
    languages = settings.LANGUAGES
    if _language_codes[0] is not languages:
        _language_codes[:] = [languages, frozenset(code for code, _name in languages)]
    return _language_codes[1]


def stage_drafts(
    *, customer: Customer | Contact, shipment_id: int, stage: str, occurrence: str = ""
) -> list[Draft]:
    """Who hears of this stage, how and in which language; the words come at send time."""
    language = customer.language if customer.language in _languages() else "en"
    urgent = stage in URGENT_STAGES
    time_zone = customer.time_zone
    return [
        Draft(
            channel=channel,
            recipient=recipient,
            language=language,
            stage=stage,
            subject_type="shipment",
            subject_id=shipment_id,
            urgent=urgent,
            time_zone=time_zone,
            occurrence=occurrence,
        )
        for channel, recipient in customer_channels(customer)
    ]


def shipment_message(notification) -> tuple[str, str]:
    """Title and body of a shipment notification, rendered when it is sent.

    Rendering at send time keeps the promise watch and the webhook fast (a template render costs
    more than the rest of flagging a parcel) and tells the customer the freshest estimate.
    """
    shipment = Shipment.objects.select_related("customer", "carrier").get(
        pk=notification.subject_id
    )
    customer = shipment.customer
    context = {
        "shipment": shipment,
        "channel": notification.channel,
        # SMS carries no personal data beyond a first name (docs/domain.md); nor does email here.
        "first_name": given_name(customer.name),
        "carrier": shipment.carrier.name,
        "estimate_start": shipment.estimate_start,
        "estimate_end": shipment.estimate_end,
        "promised_end": shipment.promised_end,
        "track_url": settings.DELAYDESK["SITE_URL"].rstrip("/")
        + reverse("portal:track")
        + f"?number={shipment.tracking_number}",
    }
    # Dates in the destination's time zone, words in the customer's language.
    with (
        translation.override(notification.language),
        timezone.override(ZoneInfo(shipment.destination_time_zone)),
    ):
        text = render_to_string(
            f"notifications/{notification.language}/shipment_{notification.stage}.txt", context
        ).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def stages_tell(
    *,
    stages: list[tuple],
    now: datetime | None = None,
    contacts: dict[int, Contact] | None = None,
) -> int:
    """Queue the messages for (shipment id, stage[, occurrence]) items.

    Once per shipment, stage (and occurrence) and channel: the outbox's unique key decides.
    `contacts` (shipment id → Contact) spares the read of the customers when the caller has them.
    """
    if not stages:
        return 0
    wanted = list(dict.fromkeys(stages))
    if contacts is None:
        contacts = contacts_read({item[0] for item in wanted})
    drafts = [
        draft
        for shipment_id, stage, *occurrence in wanted
        if shipment_id in contacts
        for draft in stage_drafts(
            customer=contacts[shipment_id],
            shipment_id=shipment_id,
            stage=stage,
            occurrence="".join(occurrence),
        )
    ]
    return notifications_queue(drafts=drafts, now=now)


def contacts_read(shipment_ids) -> dict[int, Contact]:
    """Shipment id → its customer's Contact; only the contact columns (thousands at a time)."""
    columns = [f"customer__{name}" for name in CONTACT_FIELDS]
    return {
        row[0]: Contact._make(row[1:])
        for row in Shipment.objects.filter(pk__in=shipment_ids).values_list("pk", *columns)
    }
