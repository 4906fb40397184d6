"""Our own estimate when the carrier gives none: from the service level and the latest scan."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from apps.shipments.models import DelayReason, EstimateRevision, ShipmentStatus
from apps.shipments.signing import secret_generate
from tests.factories import CarrierFactory, ShipmentFactory
from tests.shipments.test_webhook import event, post_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def carrier(db):
    return CarrierFactory(code="cj", webhook_secret=secret_generate())


def parcel(carrier, now, *, promised_in: timedelta, service_level="standard"):
    return ShipmentFactory(
        carrier=carrier,
        tracking_number="CJ300",
        status=ShipmentStatus.PENDING,
        service_level=service_level,
        promised_start=now + promised_in - timedelta(hours=12),
        promised_end=now + promised_in,
    )


def scan(client, carrier, event_id, status, occurred_at):
    response = post_events(
        client,
        carrier,
        [event("CJ300", event_id=event_id, status=status, occurred_at=occurred_at.isoformat())],
    )
    assert response.status_code == 200, response.json()


def test_an_in_transit_scan_without_a_carrier_estimate_gives_our_window(client, carrier, now):
    shipment = parcel(carrier, now, promised_in=timedelta(days=2))

    scan(client, carrier, "e1", "InTransit", now)

    shipment.refresh_from_db()
    # Standard service, in transit: at least 8 and at most 30 hours from the scan.
    assert (shipment.estimate_start, shipment.estimate_end) == (
        now + timedelta(hours=8),
        now + timedelta(hours=30),
    )
    assert shipment.estimate_source == EstimateRevision.Source.PREDICTION
    assert shipment.estimates.count() == 1
    assert not shipment.is_delayed


def test_express_service_halves_the_predicted_time(client, carrier, now):
    shipment = parcel(carrier, now, promised_in=timedelta(days=2), service_level="express")

    scan(client, carrier, "e1", "InTransit", now)

    shipment.refresh_from_db()
    assert shipment.estimate_end == now + timedelta(hours=15)


def test_a_scan_that_barely_moves_the_prediction_writes_no_revision(client, carrier, now):
    shipment = parcel(carrier, now, promised_in=timedelta(days=2))
    scan(client, carrier, "e1", "InTransit", now - timedelta(hours=2))

    scan(client, carrier, "e2", "InTransit", now)

    assert shipment.estimates.count() == 1


def test_our_revised_prediction_is_not_sent_as_a_new_estimate(client, carrier, now):
    shipment = parcel(carrier, now, promised_in=timedelta(days=3))
    scan(client, carrier, "e1", "InfoReceived", now - timedelta(hours=40))

    scan(client, carrier, "e2", "InTransit", now)

    assert shipment.estimates.count() == 2
    assert not Notification.objects.filter(stage="estimate_revised").exists()


def test_a_prediction_whose_earliest_arrival_is_after_the_promise_flags_the_delay(
    client, carrier, now
):
    # Only a label, 10 hours before the promise ends: at least 20 hours still to go.
    shipment = parcel(carrier, now, promised_in=timedelta(hours=10))

    scan(client, carrier, "e1", "InfoReceived", now)

    shipment.refresh_from_db()
    assert shipment.is_delayed
    assert shipment.delay_reason == DelayReason.ESTIMATE_LATE
    assert Notification.objects.filter(stage="delayed").exists()


def test_a_prediction_that_may_still_make_it_does_not_flag(client, carrier, now):
    # In transit, promise ends in 20 hours: the window (8–30 h) straddles it.
    shipment = parcel(carrier, now, promised_in=timedelta(hours=20))

    scan(client, carrier, "e1", "InTransit", now)

    shipment.refresh_from_db()
    assert shipment.estimate_end > shipment.promised_end
    assert not shipment.is_delayed


def test_a_carrier_estimate_is_never_replaced_by_ours(client, carrier, now):
    shipment = parcel(carrier, now, promised_in=timedelta(days=3))
    start, end = now + timedelta(days=1), now + timedelta(days=1, hours=6)
    post_events(
        client,
        carrier,
        [
            event(
                "CJ300",
                event_id="c1",
                status="InTransit",
                occurred_at=(now - timedelta(hours=12)).isoformat(),
                estimate_start=start.isoformat(),
                estimate_end=end.isoformat(),
            )
        ],
    )

    scan(client, carrier, "e2", "InTransit", now)

    shipment.refresh_from_db()
    assert (shipment.estimate_start, shipment.estimate_end) == (start, end)
    assert shipment.estimate_source == EstimateRevision.Source.CARRIER
