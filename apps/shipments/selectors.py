from django.db.models import QuerySet

from apps.shipments.models import Shipment, TrackingEvent


def shipment_timeline(*, shipment: Shipment, limit: int = 30) -> QuerySet[TrackingEvent]:
    """The newest events first, by when they happened (not when they reached us)."""
    return shipment.events.order_by("-occurred_at", "-id")[:limit]
