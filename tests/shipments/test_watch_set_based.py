"""Promise watch: the set-based flagging (PostgreSQL) and the portable one give the same answers.

On PostgreSQL the sweep locks, flags and sizes thousands of parcels in one statement, the delay
size computed in SQL; elsewhere it loads the rows and sizes them in Python (delays.py). These
tests run on both databases and hold the results to delays.delay_size.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications.models import Notification
from apps.shipments import watch
from apps.shipments.delays import delay_size
from apps.shipments.models import DelayReason, EstimateRevision, Shipment, ShipmentStatus
from apps.shipments.watch import delays_sweep
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory

S = ShipmentStatus
SEOUL = ZoneInfo("Asia/Seoul")
WEDNESDAY = datetime(2025, 6, 11, 10, 0, tzinfo=SEOUL)

ZONES = ["Asia/Seoul", "Europe/London", "America/New_York", "Pacific/Auckland", "UTC"]
# Hours, minutes and microseconds before now: exact hours, a second past, across weekends,
# months, and the spring and autumn changes of the clocks in London and New York.
AGO = [
    timedelta(hours=1),
    timedelta(hours=1, microseconds=1),
    timedelta(minutes=59, seconds=59, microseconds=999_999),
    timedelta(hours=23, minutes=30),
    timedelta(days=2, hours=16),
    timedelta(days=3, hours=7, minutes=1),
    timedelta(days=9, hours=2),
    timedelta(days=40, minutes=17),
    timedelta(days=81, hours=5),
    timedelta(days=230, hours=11),
]


def promised_by(end: datetime, **fields) -> Shipment:
    return ShipmentFactory(promised_start=end - timedelta(days=1), promised_end=end, **fields)


@pytest.mark.django_db
def test_delay_sizes_match_the_python_measure_in_every_zone():
    parcels = [
        promised_by(WEDNESDAY - ago, destination_time_zone=zone) for zone in ZONES for ago in AGO
    ]

    result = delays_sweep(now=WEDNESDAY)

    assert result.flagged == {DelayReason.WINDOW_PASSED: len(parcels)}
    for parcel in parcels:
        parcel.refresh_from_db()
        expected = delay_size(
            promised_end=parcel.promised_end,
            moment=WEDNESDAY,
            time_zone=parcel.destination_time_zone,
        )
        assert (parcel.delay_hours, parcel.delay_business_days) == expected, (
            parcel.destination_time_zone,
            parcel.promised_end,
        )
        assert parcel.delay_detected_at == parcel.delay_measured_at == parcel.updated_at


@pytest.mark.django_db
def test_a_delay_is_sized_against_a_later_estimate_and_remeasured_the_same_way():
    promise_end = WEDNESDAY + timedelta(hours=5)
    estimate_end = WEDNESDAY + timedelta(days=4, hours=3)
    parcel = promised_by(
        promise_end,
        destination_time_zone="America/New_York",
        estimate_start=promise_end + timedelta(hours=1),
        estimate_end=estimate_end,
    )

    delays_sweep(now=WEDNESDAY)
    parcel.refresh_from_db()
    first = (parcel.delay_hours, parcel.delay_business_days)
    later = WEDNESDAY + timedelta(days=6)
    delays_sweep(now=later)
    parcel.refresh_from_db()

    assert first == delay_size(
        promised_end=promise_end, moment=estimate_end, time_zone="America/New_York"
    )
    assert (parcel.delay_hours, parcel.delay_business_days) == delay_size(
        promised_end=promise_end, moment=later, time_zone="America/New_York"
    )
    assert parcel.delay_measured_at == later


@pytest.mark.django_db
def test_a_delay_never_measured_is_measured_by_the_next_sweep():
    # Given: a delay flagged elsewhere without a size (no measuring time).
    parcel = promised_by(WEDNESDAY - timedelta(hours=10))
    Shipment.objects.filter(pk=parcel.pk).update(
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=WEDNESDAY - timedelta(hours=9),
    )

    result = delays_sweep(now=WEDNESDAY)

    parcel.refresh_from_db()
    assert result.remeasured == 1
    assert (parcel.delay_hours, parcel.delay_measured_at) == (10, WEDNESDAY)
    assert parcel.delay_reason == DelayReason.CAPACITY


@pytest.mark.django_db
def test_a_parcel_that_cannot_make_its_promise_gets_our_estimate_and_the_flag():
    # In transit needs at least 8 hours (standard service); the promise ends in 4.
    parcel = promised_by(WEDNESDAY + timedelta(hours=4), status=S.IN_TRANSIT)
    carrier_says_later = promised_by(
        WEDNESDAY + timedelta(hours=4),
        status=S.IN_TRANSIT,
        estimate_start=WEDNESDAY + timedelta(days=2),
        estimate_end=WEDNESDAY + timedelta(days=3),
        estimate_source=EstimateRevision.Source.CARRIER,
    )
    can_make_it = promised_by(WEDNESDAY + timedelta(hours=9), status=S.IN_TRANSIT)

    result = delays_sweep(now=WEDNESDAY)

    assert result.flagged == {DelayReason.ESTIMATE_LATE: 2}
    parcel.refresh_from_db()
    assert (parcel.estimate_start, parcel.estimate_end) == (
        WEDNESDAY + timedelta(hours=8),
        WEDNESDAY + timedelta(hours=30),
    )
    assert parcel.estimate_source == EstimateRevision.Source.PREDICTION
    assert parcel.delay_hours == 26  # against the end of our window
    revision = EstimateRevision.objects.get(shipment=parcel)
    assert revision.reason == "still in_transit when the promise was near"
    carrier_says_later.refresh_from_db()
    assert carrier_says_later.is_delayed is True
    assert carrier_says_later.estimate_source == EstimateRevision.Source.CARRIER
    assert not EstimateRevision.objects.filter(shipment=carrier_says_later).exists()
    can_make_it.refresh_from_db()
    assert can_make_it.is_delayed is False


@pytest.mark.django_db
def test_more_late_parcels_than_a_batch_are_all_flagged_and_told_once(monkeypatch):
    monkeypatch.setattr(watch, "_BATCH", 3)
    customers = [CustomerFactory(channel="both", language="xx"), CustomerFactory(phone="")]
    late = [
        promised_by(WEDNESDAY - timedelta(hours=n + 1), customer=customers[n % 2]) for n in range(8)
    ]

    result = delays_sweep(now=WEDNESDAY)
    again = delays_sweep(now=WEDNESDAY + timedelta(minutes=5))

    assert result.flagged == {DelayReason.WINDOW_PASSED: 8}
    assert again.total_flagged == 0
    notifications = Notification.objects.filter(stage="delayed")
    # Four parcels of a customer with email and SMS, four of one with email only.
    assert notifications.count() == 4 * 2 + 4
    assert {n.subject_id for n in notifications} == {parcel.pk for parcel in late}
    assert set(notifications.values_list("language", flat=True)) == {"en"}
    assert set(notifications.values_list("recipient", flat=True)) == {
        customers[0].email,
        customers[0].phone,
        customers[1].email,
    }


@pytest.mark.django_db
def test_a_sweep_with_nothing_new_asks_little():
    CarrierFactory.create_batch(3)
    promised_by(WEDNESDAY + timedelta(days=3))

    with CaptureQueriesContext(connection) as queries:
        result = delays_sweep(now=WEDNESDAY)

    assert result.total_flagged == 0
    # Estimate, predicted, window passed (probe), the carriers, one probe each, re-measure (2).
    assert len(queries) == 1 + 1 + 1 + 1 + 4 + 2
