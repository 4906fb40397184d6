"""Status from history: events fold into the shipment by when they happened, not when they came."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.services import notifications_dispatch_due
from apps.shipments.models import (
    DelayReason,
    EstimateRevision,
    Fault,
    ShipmentStatus,
    TrackingEvent,
)
from apps.shipments.signing import secret_generate
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory
from tests.shipments.test_webhook import event, post_events

pytestmark = pytest.mark.django_db

S = ShipmentStatus


@pytest.fixture
def now():
    # Whole seconds: ISO strings round-trip exactly, so stored times compare equal.
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def carrier(db):
    return CarrierFactory(code="cj", name="CJ Logistics", webhook_secret=secret_generate())


@pytest.fixture
def shipment(carrier, now):
    return ShipmentFactory(
        carrier=carrier,
        tracking_number="CJ200",
        status=S.PENDING,
        customer=CustomerFactory(name="Jane Public", channel="email"),
        promised_start=now + timedelta(days=1),
        promised_end=now + timedelta(days=2),
    )


def at(moment) -> str:
    return moment.isoformat()


def post(client, carrier, *events):
    response = post_events(client, carrier, list(events))
    assert response.status_code == 200, response.json()
    return response.json()


def stages(shipment) -> list[str]:
    return sorted(
        Notification.objects.filter(subject_type="shipment", subject_id=shipment.pk).values_list(
            "stage", flat=True
        )
    )


# --- Latest occurred wins ----------------------------------------------------------------------


def test_status_follows_the_latest_occurred_event_not_the_latest_received(
    client, carrier, shipment, now
):
    post(
        client,
        carrier,
        event("CJ200", status="OutForDelivery", occurred_at=at(now - timedelta(hours=1))),
    )

    post(
        client,
        carrier,
        event("CJ200", status="InTransit", occurred_at=at(now - timedelta(hours=5))),
    )

    shipment.refresh_from_db()
    assert shipment.status == S.OUT_FOR_DELIVERY
    assert shipment.raw_status == "OutForDelivery"
    assert shipment.last_event_at == now - timedelta(hours=1)
    assert shipment.events.count() == 2


def test_events_of_one_batch_fold_in_the_order_they_happened(client, carrier, shipment, now):
    post(
        client,
        carrier,
        event("CJ200", status="Delivered", occurred_at=at(now - timedelta(hours=1))),
        event("CJ200", status="InTransit", occurred_at=at(now - timedelta(hours=10))),
        event("CJ200", status="OutForDelivery", occurred_at=at(now - timedelta(hours=3))),
    )

    shipment.refresh_from_db()
    assert shipment.status == S.DELIVERED
    assert shipment.delivered_at == shipment.status_changed_at == now - timedelta(hours=1)
    assert shipment.shipped_at == now - timedelta(hours=10)


def test_a_late_in_transit_that_happened_before_delivery_does_not_undo_it(
    client, carrier, shipment, now
):
    post(
        client,
        carrier,
        event("CJ200", status="Delivered", occurred_at=at(now - timedelta(hours=1))),
    )

    post(
        client,
        carrier,
        event("CJ200", status="InTransit", occurred_at=at(now - timedelta(hours=8))),
    )

    shipment.refresh_from_db()
    assert shipment.status == S.DELIVERED
    assert shipment.delivered_at == now - timedelta(hours=1)


def test_an_in_transit_stamped_after_delivery_does_not_undo_it(client, carrier, shipment, now):
    post(
        client,
        carrier,
        event("CJ200", status="Delivered", occurred_at=at(now - timedelta(hours=2))),
    )

    post(
        client,
        carrier,
        event(
            "CJ200", event_id="after", status="InTransit", occurred_at=at(now - timedelta(hours=1))
        ),
    )

    shipment.refresh_from_db()
    assert (shipment.status, shipment.raw_status) == (S.DELIVERED, "Delivered")
    assert shipment.last_event_at == now - timedelta(hours=2)
    # Kept as history all the same, and the customer is not told "on its way" again.
    assert TrackingEvent.objects.get(carrier_event_id="after").shipment == shipment
    assert stages(shipment) == ["delivered"]


def test_a_final_status_can_still_become_another_final_status(client, carrier, shipment, now):
    post(
        client,
        carrier,
        event("CJ200", status="Delivered", occurred_at=at(now - timedelta(hours=5))),
    )

    post(
        client,
        carrier,
        event(
            "CJ200",
            status="Exception",
            substatus="Exception_010",
            occurred_at=at(now - timedelta(hours=1)),
        ),
    )

    shipment.refresh_from_db()
    assert shipment.status == S.RETURNED


# --- Both layers kept --------------------------------------------------------------------------


def test_the_carriers_raw_status_is_kept_verbatim_on_event_and_shipment(client, carrier, shipment):
    post(
        client,
        carrier,
        event("CJ200", event_id="raw", status="Exception", substatus="Exception_017"),
    )

    stored = TrackingEvent.objects.get(carrier_event_id="raw")
    assert (stored.raw_status, stored.raw_substatus) == ("Exception", "Exception_017")
    assert (stored.status, stored.delay_reason) == (S.EXCEPTION, DelayReason.WEATHER)
    shipment.refresh_from_db()
    assert shipment.raw_status == "Exception / Exception_017"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("배송출발", S.OUT_FOR_DELIVERY),
        ("IN_TRANSIT", S.IN_TRANSIT),
        ("in-transit", S.IN_TRANSIT),
        ("pre_transit", S.INFO_RECEIVED),
        ("READY_FOR_PICKUP", S.AVAILABLE_FOR_PICKUP),
        ("AttemptFail", S.ATTEMPT_FAILED),
        ("return_to_sender", S.RETURNED),
    ],
)
def test_carrier_vocabularies_map_to_our_status_and_stay_raw(
    client, carrier, shipment, raw, canonical
):
    post(client, carrier, event("CJ200", event_id="v", status=raw))

    stored = TrackingEvent.objects.get(carrier_event_id="v")
    assert (stored.raw_status, stored.status) == (raw, canonical)
    shipment.refresh_from_db()
    assert (shipment.raw_status, shipment.status) == (raw, canonical)


# --- Shipped at --------------------------------------------------------------------------------


def test_shipped_at_is_the_earliest_moving_event_even_when_it_arrives_last(
    client, carrier, shipment, now
):
    post(
        client,
        carrier,
        event("CJ200", status="InfoReceived", occurred_at=at(now - timedelta(hours=30))),
        event("CJ200", status="InTransit", occurred_at=at(now - timedelta(hours=20))),
    )
    shipment.refresh_from_db()
    assert shipment.shipped_at == now - timedelta(hours=20)

    post(
        client,
        carrier,
        event("CJ200", status="InTransit", occurred_at=at(now - timedelta(hours=25))),
    )

    shipment.refresh_from_db()
    assert shipment.shipped_at == now - timedelta(hours=25)
    assert shipment.last_event_at == now - timedelta(hours=20)


def test_a_label_alone_does_not_make_a_parcel_shipped(client, carrier, shipment):
    post(client, carrier, event("CJ200", status="InfoReceived"))

    shipment.refresh_from_db()
    assert (shipment.status, shipment.shipped_at) == (S.INFO_RECEIVED, None)


# --- Estimates ---------------------------------------------------------------------------------


def test_a_carrier_estimate_sets_the_shipment_estimate_and_writes_a_revision(
    client, carrier, shipment, now
):
    start, end = now + timedelta(hours=20), now + timedelta(hours=30)

    post(
        client,
        carrier,
        event("CJ200", event_id="eta", estimate_start=at(start), estimate_end=at(end)),
    )

    shipment.refresh_from_db()
    assert (shipment.estimate_start, shipment.estimate_end) == (start, end)
    assert shipment.estimate_source == EstimateRevision.Source.CARRIER
    revision = EstimateRevision.objects.get(shipment=shipment)
    assert (revision.estimate_start, revision.estimate_end) == (start, end)
    assert revision.source == EstimateRevision.Source.CARRIER
    assert "eta" in revision.reason
    # A first estimate is not a revision to tell about; within the promise it is no delay.
    assert "estimate_revised" not in stages(shipment)
    assert shipment.is_delayed is False


def test_a_revised_estimate_queues_an_estimate_revised_message(client, carrier, shipment, now):
    post(
        client,
        carrier,
        event(
            "CJ200",
            occurred_at=at(now - timedelta(hours=3)),
            estimate_start=at(now + timedelta(hours=20)),
            estimate_end=at(now + timedelta(hours=30)),
        ),
    )

    post(
        client,
        carrier,
        event(
            "CJ200",
            occurred_at=at(now - timedelta(hours=1)),
            estimate_start=at(now + timedelta(hours=24)),
            estimate_end=at(now + timedelta(hours=40)),
        ),
    )

    assert EstimateRevision.objects.filter(shipment=shipment).count() == 2
    assert stages(shipment) == ["dispatched", "estimate_revised"]
    shipment.refresh_from_db()
    assert shipment.estimate_end == now + timedelta(hours=40)
    # The message, once sent (past any quiet hours), gives the new window in local dates.
    notifications_dispatch_due(now=now + timedelta(days=1))
    (message,) = [m for m in mail.outbox if m.subject == "New delivery estimate"]
    local_end = timezone.localtime(now + timedelta(hours=40), ZoneInfo("Asia/Seoul"))
    assert local_end.strftime("%b ") + str(local_end.day) in message.body


def test_the_same_estimate_again_is_no_revision(client, carrier, shipment, now):
    window = {
        "estimate_start": at(now + timedelta(hours=20)),
        "estimate_end": at(now + timedelta(hours=30)),
    }
    post(client, carrier, event("CJ200", occurred_at=at(now - timedelta(hours=3)), **window))

    post(client, carrier, event("CJ200", occurred_at=at(now - timedelta(hours=1)), **window))

    assert EstimateRevision.objects.filter(shipment=shipment).count() == 1
    assert "estimate_revised" not in stages(shipment)


def test_an_estimate_beyond_the_promise_flags_the_delay_before_the_promise_breaks(
    client, carrier, shipment, now
):
    # Given: promised by now + 2 days; the carrier now expects now + 4 days.
    post(
        client,
        carrier,
        event(
            "CJ200",
            estimate_start=at(now + timedelta(days=3)),
            estimate_end=at(now + timedelta(days=4)),
        ),
    )

    shipment.refresh_from_db()
    assert shipment.is_promise_broken is False
    assert shipment.is_delayed is True
    assert shipment.delay_reason == DelayReason.ESTIMATE_LATE
    assert shipment.delay_detected_at is not None
    assert shipment.delay_hours == 48  # measured against the new estimate's end
    assert "delayed" in stages(shipment)


def test_an_estimate_after_delivery_is_ignored(client, carrier, shipment, now):
    post(
        client,
        carrier,
        event("CJ200", status="Delivered", occurred_at=at(now - timedelta(hours=2))),
    )

    post(
        client,
        carrier,
        event(
            "CJ200",
            occurred_at=at(now - timedelta(hours=1)),
            estimate_start=at(now + timedelta(days=3)),
            estimate_end=at(now + timedelta(days=4)),
        ),
    )

    shipment.refresh_from_db()
    assert (shipment.estimate_end, shipment.is_delayed) == (None, False)
    assert not EstimateRevision.objects.exists()


# --- Delay events ------------------------------------------------------------------------------


def test_an_exception_event_flags_the_delay_with_the_carriers_reason(client, carrier, shipment):
    post(client, carrier, event("CJ200", status="Exception", substatus="Exception_017"))

    shipment.refresh_from_db()
    assert shipment.status == S.EXCEPTION
    assert shipment.is_delayed is True
    assert shipment.delay_reason == DelayReason.WEATHER
    assert shipment.delay_fault == Fault.FORCE_MAJEURE
    assert stages(shipment) == ["delayed", "exception"]


@pytest.mark.parametrize(
    ("status", "substatus", "canonical", "reason"),
    [
        ("Exception", "", S.EXCEPTION, DelayReason.UNKNOWN),
        ("Exception", "Exception_004", S.EXCEPTION, DelayReason.CUSTOMS),
        ("Exception", "Exception_016", S.EXCEPTION, DelayReason.SORTING_ERROR),
        ("Exception", "Exception_013", S.LOST, DelayReason.LOST),
        ("DELAYED", "", S.IN_TRANSIT, DelayReason.UNKNOWN),
        ("in_transit", "weather_delay", S.IN_TRANSIT, DelayReason.WEATHER),
        ("배송지연", "", S.IN_TRANSIT, DelayReason.UNKNOWN),
    ],
)
def test_delay_codes_flag_the_delay_with_their_reason(
    client, carrier, shipment, status, substatus, canonical, reason
):
    post(client, carrier, event("CJ200", status=status, substatus=substatus))

    shipment.refresh_from_db()
    assert (shipment.status, shipment.is_delayed, shipment.delay_reason) == (
        canonical,
        True,
        reason,
    )


def test_an_ordinary_scan_flags_nothing(client, carrier, shipment):
    post(client, carrier, event("CJ200", status="InTransit", substatus="InTransit_001"))

    shipment.refresh_from_db()
    assert (shipment.is_delayed, shipment.delay_reason) == (False, "")


def test_delivery_clears_the_flag_but_keeps_the_reason_and_final_size(client, carrier, now):
    # Given: promised by 30 hours before the delivery; a weather exception flagged it.
    delivered = now - timedelta(hours=1)
    late = ShipmentFactory(
        carrier=carrier,
        tracking_number="LATE1",
        status=S.IN_TRANSIT,
        promised_start=delivered - timedelta(hours=54),
        promised_end=delivered - timedelta(hours=30),
    )
    post(
        client,
        carrier,
        event(
            "LATE1",
            status="Exception",
            substatus="Exception_017",
            occurred_at=at(delivered - timedelta(hours=40)),
        ),
    )

    post(client, carrier, event("LATE1", status="Delivered", occurred_at=at(delivered)))

    late.refresh_from_db()
    assert late.status == S.DELIVERED
    assert late.is_delayed is False
    assert late.delay_reason == DelayReason.WEATHER
    assert late.delay_detected_at is not None
    assert late.delay_hours == 30
    assert late.delivered_at == delivered
    assert late.is_promise_broken is True


def test_delivery_on_time_after_a_late_estimate_leaves_no_size(client, carrier, shipment, now):
    post(
        client,
        carrier,
        event(
            "CJ200",
            occurred_at=at(now - timedelta(hours=2)),
            estimate_start=at(now + timedelta(days=3)),
            estimate_end=at(now + timedelta(days=4)),
        ),
    )

    post(
        client,
        carrier,
        event("CJ200", status="Delivered", occurred_at=at(now - timedelta(hours=1))),
    )

    shipment.refresh_from_db()
    assert (shipment.is_delayed, shipment.delay_reason) == (False, DelayReason.ESTIMATE_LATE)
    assert (shipment.delay_hours, shipment.delay_business_days) == (0, 0)


def test_a_delivery_after_the_promise_records_the_delay_even_if_never_flagged(client, carrier, now):
    delivered = now - timedelta(hours=1)
    late = ShipmentFactory(
        carrier=carrier,
        tracking_number="LATE2",
        status=S.IN_TRANSIT,
        promised_start=delivered - timedelta(hours=30),
        promised_end=delivered - timedelta(hours=6),
    )

    post(client, carrier, event("LATE2", status="Delivered", occurred_at=at(delivered)))

    late.refresh_from_db()
    assert late.is_delayed is False
    assert late.delay_reason == DelayReason.WINDOW_PASSED
    assert late.delay_hours == 6
