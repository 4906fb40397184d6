"""Tell first: turn stage changes of shipments into messages in the customer's language."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from apps.notifications.models import NotificationChannel
from apps.notifications.services import Draft, notifications_queue
from apps.shipments.models import Channel, Shipment

# Action needed or imminent: these go at once, even in quiet hours.
URGENT_STAGES = frozenset({"out_for_delivery", "attempt_failed", "ready_for_pickup", "exception"})
STAGES = (
    "dispatched", "out_for_delivery", "attempt_failed", "ready_for_pickup", "delivered",
    "exception", "delayed", "estimate_revised",
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


def shipment_drafts(*, shipment: Shipment, stage: str) -> list[Draft]:
    customer = shipment.customer
    language = customer.language if customer.language in dict(settings.LANGUAGES) else "en"
    context = {
        "shipment": shipment,
        "first_name": customer.name.split()[0] if customer.name else "",
        "carrier": shipment.carrier.name,
        "estimate_start": shipment.estimate_start,
        "estimate_end": shipment.estimate_end,
        "promised_end": shipment.promised_end,
        "track_url": settings.DELAYDESK["SITE_URL"].rstrip("/")
        + reverse("portal:track") + f"?number={shipment.tracking_number}",
    }
    drafts = []
    # Dates in the destination's time zone, words in the customer's language.
    with translation.override(language), timezone.override(
        ZoneInfo(shipment.destination_time_zone)
    ):
        for channel, recipient in _channels(customer):
            # SMS carries no personal data beyond a first name (DOMAIN.md).
            text = render_to_string(
                f"notifications/{language}/shipment_{stage}.txt", {**context, "channel": channel}
            ).strip()
            title, _, body = text.partition("\n")
            drafts.append(
                Draft(
                    channel=channel, recipient=recipient, language=language, stage=stage,
                    subject_type="shipment", subject_id=shipment.pk, title=title.strip(),
                    body=body.strip(), urgent=stage in URGENT_STAGES,
                    time_zone=customer.time_zone,
                )
            )
    return drafts


def stages_tell(*, stages: list[tuple[int, str]], now: datetime | None = None) -> int:
    """Queue the messages for (shipment id, stage) pairs; once per shipment, stage and channel."""
    if not stages:
        return 0
    wanted = list(dict.fromkeys(stages))
    shipments = Shipment.objects.select_related("customer", "carrier").in_bulk(
        {shipment_id for shipment_id, _ in wanted}
    )
    drafts = []
    for shipment_id, stage in wanted:
        shipment = shipments.get(shipment_id)
        if shipment is not None:
            drafts.extend(shipment_drafts(shipment=shipment, stage=stage))
    return notifications_queue(drafts=drafts, now=now)
