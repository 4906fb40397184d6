"""Tell first: turn stage changes of shipments into messages in the customer's language."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.names import given_name
from apps.notifications.models import NotificationChannel
from apps.notifications.services import Draft, notifications_queue
from apps.shipments.models import Channel, Customer, Shipment

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


def _channels(customer) -> list[tuple[str, str]]:
    wanted = []
    if customer.channel in (Channel.EMAIL, Channel.BOTH) and customer.email:
        wanted.append((NotificationChannel.EMAIL, customer.email))
    if customer.channel in (Channel.SMS, Channel.BOTH) and customer.phone:
        wanted.append((NotificationChannel.SMS, customer.phone))
    if not wanted:  # the preferred channel has no address: use whatever we have
        if customer.email:
            wanted.append((NotificationChannel.EMAIL, customer.email))
        elif customer.phone:
            wanted.append((NotificationChannel.SMS, customer.phone))
    return wanted


def stage_drafts(
    *, customer: Customer, shipment_id: int, stage: str, occurrence: str = ""
) -> list[Draft]:
    """Who hears of this stage, how and in which language; the words come at send time."""
    language = customer.language if customer.language in dict(settings.LANGUAGES) else "en"
    return [
        Draft(
            channel=channel,
            recipient=recipient,
            language=language,
            stage=stage,
            subject_type="shipment",
            subject_id=shipment_id,
            urgent=stage in URGENT_STAGES,
            time_zone=customer.time_zone,
            occurrence=occurrence,
        )
        for channel, recipient in _channels(customer)
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
        # SMS carries no personal data beyond a first name (DOMAIN.md); neither does email here.
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


def stages_tell(*, stages: list[tuple], now: datetime | None = None) -> int:
    """Queue the messages for (shipment id, stage[, occurrence]) items.

    Once per shipment, stage (and occurrence) and channel: the outbox's unique key decides.
    """
    if not stages:
        return 0
    wanted = list(dict.fromkeys(stages))
    # Only the customer's contact columns: thousands of flagged parcels at a time come here.
    customers = {
        row[0]: Customer(
            email=row[1], phone=row[2], channel=row[3], language=row[4], time_zone=row[5]
        )
        for row in Shipment.objects.filter(pk__in={item[0] for item in wanted}).values_list(
            "pk",
            "customer__email",
            "customer__phone",
            "customer__channel",
            "customer__language",
            "customer__time_zone",
        )
    }
    drafts = [
        draft
        for shipment_id, stage, *occurrence in wanted
        if shipment_id in customers
        for draft in stage_drafts(
            customer=customers[shipment_id],
            shipment_id=shipment_id,
            stage=stage,
            occurrence="".join(occurrence),
        )
    ]
    return notifications_queue(drafts=drafts, now=now)
