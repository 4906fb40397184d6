"""Promise watch: the sweep that flags late and predicted-late parcels, its command, schedule."""

import threading
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule

from apps.notifications.models import Notification
from apps.shipments import watch
from apps.shipments.models import DelayReason, Shipment, ShipmentStatus
from apps.shipments.signing import secret_generate
from apps.shipments.tasks import sweep_delays
from apps.shipments.watch import delays_sweep
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory
from tests.shipments.test_webhook import event, post_events

S = ShipmentStatus
SEOUL = ZoneInfo("Asia/Seoul")
# A Wednesday morning in Seoul; the promise below ended on the Monday evening before it.
WEDNESDAY = datetime(2025, 6, 11, 10, 0, tzinfo=SEOUL)
MONDAY_EVENING = datetime(2025, 6, 9, 18, 0, tzinfo=SEOUL)


def promised_by(end: datetime, **fields) -> Shipment:
    return ShipmentFactory(promised_start=end - timedelta(days=1), promised_end=end, **fields)


def delayed_stages() -> int:
    return Notification.objects.filter(stage="delayed").count()


# --- Window passed -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_passed_window_flags_the_delay_with_its_size():
    late = promised_by(MONDAY_EVENING)

    result = delays_sweep(now=WEDNESDAY)

    late.refresh_from_db()
    assert result.flagged == {DelayReason.WINDOW_PASSED: 1}
    assert late.is_delayed is True
    assert late.delay_reason == DelayReason.WINDOW_PASSED
    assert late.delay_detected_at == late.delay_measured_at == WEDNESDAY
    assert late.delay_hours == 40  # Monday 18:00 → Wednesday 10:00
    assert late.delay_business_days == 2  # Tuesday and Wednesday
    assert Notification.objects.get(subject_id=late.pk).stage == "delayed"


@pytest.mark.django_db
def test_business_days_skip_the_weekend():
    friday_evening = datetime(2025, 6, 6, 18, 0, tzinfo=SEOUL)
    late = promised_by(friday_evening)

    delays_sweep(now=datetime(2025, 6, 9, 10, 0, tzinfo=SEOUL))  # the Monday after

    late.refresh_from_db()
    assert (late.delay_hours, late.delay_business_days) == (64, 1)


@pytest.mark.django_db
def test_business_days_count_in_the_destinations_time_zone():
    # Given: the promise ended 23:30 Monday in Seoul (14:30 UTC); an hour later it is Tuesday
    # in Seoul but still Monday in London.
    promise_end = datetime(2025, 6, 9, 23, 30, tzinfo=SEOUL)
    in_seoul = promised_by(promise_end, destination_time_zone="Asia/Seoul")
    in_london = promised_by(promise_end, destination_time_zone="Europe/London")

    delays_sweep(now=promise_end + timedelta(hours=1))

    in_seoul.refresh_from_db()
    in_london.refresh_from_db()
    assert (in_seoul.delay_hours, in_seoul.delay_business_days) == (1, 1)
    assert (in_london.delay_hours, in_london.delay_business_days) == (1, 0)


@pytest.mark.django_db
def test_a_window_that_has_not_ended_is_not_flagged():
    # Out for delivery a minute before the promise ends: it can still make it.
    on_time = promised_by(WEDNESDAY + timedelta(minutes=1), status=S.OUT_FOR_DELIVERY)

    result = delays_sweep(now=WEDNESDAY)

    on_time.refresh_from_db()
    assert (result.total_flagged, on_time.is_delayed) == (0, False)
    assert not Notification.objects.exists()


# --- Estimate beyond the promise ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_estimate_beyond_the_promise_is_flagged_before_the_promise_breaks():
    promise_end = WEDNESDAY + timedelta(days=1)
    predicted = promised_by(
        promise_end,
        estimate_start=promise_end + timedelta(days=1),
        estimate_end=promise_end + timedelta(days=2),
    )

    result = delays_sweep(now=WEDNESDAY)

    predicted.refresh_from_db()
    assert result.flagged == {DelayReason.ESTIMATE_LATE: 1}
    assert predicted.is_delayed is True
    assert predicted.delay_reason == DelayReason.ESTIMATE_LATE
    assert predicted.delay_hours == 48  # measured against the end of the new estimate
    assert delayed_stages() == 1


@pytest.mark.django_db
def test_an_estimate_within_the_promise_is_not_flagged():
    promise_end = WEDNESDAY + timedelta(days=1)
    promised_by(promise_end, estimate_start=WEDNESDAY, estimate_end=promise_end)

    assert delays_sweep(now=WEDNESDAY).total_flagged == 0


# --- No scan for too long ----------------------------------------------------------------------


@pytest.mark.django_db
def test_no_scan_for_the_carriers_hours_while_in_transit_is_flagged():
    # Given: a carrier that counts 24 hours, another with the default 48; promises far off.
    strict, relaxed = CarrierFactory(stale_after_hours=24), CarrierFactory(stale_after_hours=48)
    far = WEDNESDAY + timedelta(days=10)
    silent = promised_by(
        far, carrier=strict, status=S.IN_TRANSIT, last_event_at=WEDNESDAY - timedelta(hours=25)
    )
    recent = promised_by(
        far, carrier=strict, status=S.IN_TRANSIT, last_event_at=WEDNESDAY - timedelta(hours=23)
    )
    patient = promised_by(
        far, carrier=relaxed, status=S.IN_TRANSIT, last_event_at=WEDNESDAY - timedelta(hours=25)
    )
    waiting = promised_by(
        far,
        carrier=strict,
        status=S.AVAILABLE_FOR_PICKUP,
        last_event_at=WEDNESDAY - timedelta(hours=100),
    )

    result = delays_sweep(now=WEDNESDAY)

    assert result.flagged == {DelayReason.NO_SCAN: 1}
    flagged = set(Shipment.objects.filter(is_delayed=True).values_list("pk", flat=True))
    assert flagged == {silent.pk}
    assert {recent.pk, patient.pk, waiting.pk}.isdisjoint(flagged)
    silent.refresh_from_db()
    assert (silent.delay_reason, silent.delay_hours) == (DelayReason.NO_SCAN, 0)


# --- Never twice, never after the end ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.DELIVERED, S.RETURNED, S.LOST])
def test_final_shipments_are_never_flagged(status):
    carrier = CarrierFactory(stale_after_hours=1)
    finished = promised_by(
        MONDAY_EVENING,
        carrier=carrier,
        status=status,
        last_event_at=MONDAY_EVENING,
        estimate_start=MONDAY_EVENING,
        estimate_end=WEDNESDAY,
    )

    result = delays_sweep(now=WEDNESDAY)

    finished.refresh_from_db()
    assert (result.total_flagged, finished.is_delayed) == (0, False)
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_flagged_shipment_is_not_flagged_again():
    late = promised_by(
        MONDAY_EVENING,
        status=S.IN_TRANSIT,
        last_event_at=MONDAY_EVENING - timedelta(days=5),
        customer=CustomerFactory(channel="both"),
    )
    delays_sweep(now=WEDNESDAY)
    notifications = Notification.objects.count()

    again = delays_sweep(now=WEDNESDAY + timedelta(minutes=5))

    late.refresh_from_db()
    assert notifications == 2  # email and SMS, once
    assert again.total_flagged == 0
    assert Notification.objects.count() == notifications
    assert (late.delay_reason, late.delay_detected_at) == (DelayReason.WINDOW_PASSED, WEDNESDAY)


@pytest.mark.django_db
def test_one_sweep_flags_a_parcel_late_on_every_count_once():
    carrier = CarrierFactory(stale_after_hours=24)
    everything_wrong = promised_by(
        MONDAY_EVENING,
        carrier=carrier,
        status=S.IN_TRANSIT,
        last_event_at=WEDNESDAY - timedelta(days=3),
        estimate_start=MONDAY_EVENING,
        estimate_end=WEDNESDAY + timedelta(days=1),
    )

    result = delays_sweep(now=WEDNESDAY)

    everything_wrong.refresh_from_db()
    assert result.total_flagged == 1
    assert everything_wrong.delay_reason == DelayReason.ESTIMATE_LATE
    assert delayed_stages() == 1


@pytest.mark.django_db
def test_open_delays_are_remeasured_while_the_parcel_is_still_out():
    late = promised_by(MONDAY_EVENING)
    delays_sweep(now=WEDNESDAY)

    soon = delays_sweep(now=WEDNESDAY + timedelta(minutes=30))
    later = delays_sweep(now=WEDNESDAY + timedelta(hours=3))

    late.refresh_from_db()
    assert (soon.remeasured, later.remeasured) == (0, 1)
    assert late.delay_hours == 43
    assert late.delay_measured_at == WEDNESDAY + timedelta(hours=3)
    assert late.delay_detected_at == WEDNESDAY


@pytest.mark.django_db
def test_delivery_clears_the_flag_the_sweep_set(client):
    # Given: a real-time promise that ended yesterday, flagged by the sweep.
    now = timezone.now().replace(microsecond=0)
    carrier = CarrierFactory(code="watched", webhook_secret=secret_generate())
    late = promised_by(now - timedelta(days=1), carrier=carrier, tracking_number="W1")
    delays_sweep(now=now)

    response = post_events(
        client, carrier, [event("W1", status="Delivered", occurred_at=now.isoformat())]
    )

    assert response.status_code == 200
    late.refresh_from_db()
    assert (late.status, late.is_delayed) == (S.DELIVERED, False)
    assert late.delay_reason == DelayReason.WINDOW_PASSED
    assert late.delay_hours == 24
    assert delays_sweep(now=now + timedelta(days=1)).total_flagged == 0


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["scan", "estimate"])
def test_a_parcel_that_recovers_between_read_and_lock_is_not_flagged(monkeypatch, change):
    far = WEDNESDAY + timedelta(days=10)
    if change == "scan":
        parcel = promised_by(
            far,
            carrier=CarrierFactory(stale_after_hours=24),
            status=S.IN_TRANSIT,
            last_event_at=WEDNESDAY - timedelta(days=2),
        )
        recovered = {"last_event_at": WEDNESDAY}
    else:
        parcel = promised_by(far, estimate_start=far, estimate_end=far + timedelta(days=1))
        recovered = {"estimate_start": far - timedelta(days=1), "estimate_end": far}
    read_ids = watch._in_batches

    def a_webhook_lands_meanwhile(queryset):
        for ids in read_ids(queryset):
            Shipment.objects.filter(pk__in=ids).update(**recovered)
            yield ids

    monkeypatch.setattr(watch, "_in_batches", a_webhook_lands_meanwhile)

    delays_sweep(now=WEDNESDAY)

    parcel.refresh_from_db()
    assert parcel.is_delayed is False


# --- Task, command, schedule -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_returns_what_it_flagged():
    promised_by(timezone.now() - timedelta(hours=2))

    assert sweep_delays() == {"flagged": {DelayReason.WINDOW_PASSED: 1}, "remeasured": 0}


@pytest.mark.django_db
def test_the_command_prints_a_summary():
    promised_by(timezone.now() - timedelta(hours=2))
    out = StringIO()

    call_command("sweep_delays", stdout=out)

    assert out.getvalue().strip() == "flagged 1 (window_passed 1); re-measured 0"


@pytest.mark.django_db
def test_the_command_with_nothing_to_do_says_so():
    out = StringIO()

    call_command("sweep_delays", stdout=out)

    assert out.getvalue().strip() == "flagged 0; re-measured 0"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "func", "minutes"),
    [
        ("Promise watch", "apps.shipments.tasks.sweep_delays", 5),
        ("Send due notifications", "apps.notifications.tasks.dispatch_due", 1),
    ],
)
def test_the_schedules_exist_after_migrations(name, func, minutes):
    schedule = Schedule.objects.get(name=name)

    assert schedule.func == func
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, minutes)
    assert schedule.repeats == -1


# --- Concurrent sweeps (PostgreSQL) ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_flag_each_late_shipment_once(settings):
    # Given: 30 late parcels whose customers want email and SMS; 8 sweeps start together.
    settings.SMS_BACKEND = "tests.shipments.test_promise_watch.RecordingSms"
    RecordingSms.keys = []
    late = [
        promised_by(MONDAY_EVENING, customer=CustomerFactory(channel="both")) for _ in range(30)
    ]
    start = threading.Barrier(8)
    results, errors = [], []

    def sweep():
        try:
            start.wait()
            results.append(delays_sweep(now=WEDNESDAY))
        except Exception as exc:  # any failure is reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(result.total_flagged for result in results) == 30
    assert Shipment.objects.filter(pk__in=[s.pk for s in late], is_delayed=True).count() == 30
    assert Notification.objects.filter(stage="delayed").count() == 60
    # Whichever thread committed a flag also dispatched its messages: each went out once.
    email_keys = [message.extra_headers["Idempotency-Key"] for message in mail.outbox]
    assert len(email_keys) == len(set(email_keys)) == 30
    assert len(RecordingSms.keys) == len(set(RecordingSms.keys)) == 30


class RecordingSms:
    keys: list[str] = []
    _lock = threading.Lock()

    def send(self, *, to, body, idempotency_key):
        with self._lock:
            self.keys.append(idempotency_key)
