"""The schedule that asks the rules about parcels delivered late."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.compensation.models import ActionKind, Offer, OfferStatus
from apps.compensation.tasks import propose_for_late_deliveries
from tests.factories import BudgetFactory, CompensationRuleFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def _delivered(*, late_hours: int, delivered_hours_ago: int = 1, reason="capacity"):
    now = timezone.now()
    delivered = now - timedelta(hours=delivered_hours_ago)
    return ShipmentFactory(
        status="delivered",
        promised_start=delivered - timedelta(hours=late_hours + 24),
        promised_end=delivered - timedelta(hours=late_hours),
        delivered_at=delivered,
        delay_reason=reason,
        delay_detected_at=delivered - timedelta(hours=late_hours),
        delay_hours=late_hours,
        delay_business_days=max(1, late_hours // 24),
    )


def test_late_deliveries_get_their_offers_once(django_capture_on_commit_callbacks):
    CompensationRuleFactory(
        action=ActionKind.FARE_FORMULA,
        rate=Decimal("0.5"),
        approval_threshold=Decimal("5000"),
        exempt_faults=["force_majeure"],
    )
    BudgetFactory()
    late = _delivered(late_hours=50)
    _delivered(late_hours=50, delivered_hours_ago=30)  # outside the window
    _delivered(late_hours=50, reason="weather")  # exempt
    on_time = ShipmentFactory(status="delivered", delivered_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert propose_for_late_deliveries() == 1
    offer = Offer.objects.get()
    assert offer.shipment == late and offer.amount == Decimal("3000")
    assert offer.status == OfferStatus.ISSUED
    assert offer.ticket is not None and offer.ticket.is_proactive
    # The next run finds the same parcel and adds nothing.
    assert propose_for_late_deliveries() == 0
    assert not Offer.objects.filter(shipment=on_time).exists()
