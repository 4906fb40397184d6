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


def shipment_list(*, filters: dict) -> QuerySet[Shipment]:
    """Shipments for an integration's list, filtered by carrier code, status, delay, numbers."""
    shipments = Shipment.objects.select_related("carrier")
    if filters.get("carrier"):
        shipments = shipments.filter(carrier__code=filters["carrier"])
    if filters.get("status"):
        shipments = shipments.filter(status=filters["status"])
    if filters.get("delayed") is not None:
        shipments = shipments.filter(is_delayed=filters["delayed"])
    for name in ("tracking_number", "order_reference"):
        if filters.get(name):
            shipments = shipments.filter(**{name: filters[name]})
    return shipments


def shipment_get_with_events(*, shipment_id: int, limit: int = 50) -> Shipment | None:
    """The shipment with its carrier, customer and latest events (as `latest_events`)."""
    shipment = Shipment.objects.select_related("carrier", "customer").filter(pk=shipment_id).first()
    if shipment is not None:
        shipment.latest_events = list(shipment_timeline(shipment=shipment, limit=limit))
    return shipment
