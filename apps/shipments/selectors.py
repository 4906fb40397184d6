from django.db.models import QuerySet

from apps.shipments.models import Shipment, TrackingEvent
from apps.shipments.normalize import tracking_number_clean


def shipment_timeline(*, shipment: Shipment, limit: int = 30) -> QuerySet[TrackingEvent]:
    """The newest events first, by when they happened (not when they reached us)."""
    return shipment.events.order_by("-occurred_at", "-id")[:limit]


def shipment_find_for_customer(*, tracking_number: str, contact: str) -> Shipment | None:
    """The parcel with this number whose customer has this email or phone ending (4 digits).

    None when the number, the contact, or both are wrong: the caller must not tell which.
    """
    tracking_number = tracking_number_clean(tracking_number)
    contact = contact.strip()
    if not tracking_number or not contact:
        return None
    candidates = (
        Shipment.objects.filter(tracking_number=tracking_number)
        .select_related("customer", "carrier")
        .order_by("-created_at", "-id")[:10]
    )
    digits = "".join(ch for ch in contact if ch.isdigit())
    is_phone_tail = "@" not in contact and len(digits) == 4 and len(contact) <= 8
    for shipment in candidates:
        customer = shipment.customer
        if "@" in contact and customer.email and customer.email.lower() == contact.lower():
            return shipment
        if is_phone_tail and customer.phone.endswith(digits):
            return shipment
    return None


def shipment_get_for_customer_page(*, shipment_id: int) -> Shipment | None:
    return Shipment.objects.select_related("customer", "carrier").filter(pk=shipment_id).first()


def shipment_estimates(*, shipment: Shipment, limit: int = 10):
    return shipment.estimates.order_by("-created_at", "-id")[:limit]
