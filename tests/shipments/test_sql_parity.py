"""Each PostgreSQL statement of apps/shipments/sql.py against its portable path, over generated
cases: both variants return, and write, the same.

Two of them restate a Python rule in SQL, and are checked against it as well: the delay size
(`delays.delay_size`: hours and business days in the destination's time zone, across clock
changes, weekends and holidays) and shipment matching (`matching.shipments_match`: recycled
tracking numbers told apart by order reference, else the newest shipment).

Both variants run on PostgreSQL over the same rows. Each example builds its rows in a savepoint
rolled back at its end; each variant runs in a savepoint of its own, rolled back once what it
returned and wrote is read.
"""

import inspect
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.shipments import sql
from apps.shipments.delays import delay_moment, delay_size
from apps.shipments.intake import EventIn
from apps.shipments.models import (
    DelayReason,
    EstimateRevision,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from apps.shipments.services import SHIPMENT_STATE_FIELDS
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

DB_EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# The delay size is the rule most easily got wrong in SQL: more cases.
SIZE_EXAMPLES = settings(DB_EXAMPLES, max_examples=100)

S = ShipmentStatus
UTC = ZoneInfo("UTC")
MINUTE_US = 60 * 10**6
DAY_US = 24 * 60 * MINUTE_US
# Zones with summer time on either hemisphere, half- and quarter-hour offsets, none at all.
ZONES = [
    "Asia/Seoul", "Europe/London", "America/New_York", "Pacific/Auckland", "Australia/Lord_Howe",
    "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "UTC",
]  # fmt: skip
# Days near which sizes go wrong if anything does: the clocks changing (US, Europe, New
# Zealand, Lord Howe), month and year ends, and Korean public holidays (not subtracted, but
# weekdays all the same).
AROUND = [
    datetime(2025, 3, 9), datetime(2025, 3, 30), datetime(2025, 4, 6), datetime(2025, 9, 28),
    datetime(2025, 10, 5), datetime(2025, 10, 26), datetime(2025, 11, 2), datetime(2025, 12, 31),
    datetime(2025, 1, 28), datetime(2025, 10, 3), datetime(2025, 10, 6), datetime(2024, 2, 29),
]  # fmt: skip
# `now`: within two days of one of those, to the microsecond.
NOW = st.builds(
    lambda day, offset: day.replace(tzinfo=UTC) + timedelta(microseconds=offset),
    st.sampled_from(AROUND),
    st.integers(-2 * DAY_US, 2 * DAY_US),
)
# A moment relative to now: exact hours and days (the edges of rounding up), within the week
# (weekends straddled or not), or anything.
BEFORE = (
    st.sampled_from([0, 1, 3600 * 10**6, DAY_US, 7 * DAY_US])
    | st.integers(-DAY_US, 4 * DAY_US)
    | st.integers(-5 * DAY_US, 40 * DAY_US)
)
OPEN, FINAL = [S.PENDING, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.EXCEPTION], [S.DELIVERED, S.LOST]
PARCEL = st.fixed_dictionaries(
    {
        "zone": st.sampled_from(ZONES),
        "promised_before": BEFORE,  # promised_end, this long before now
        # The estimate's end, this long after now (0: it ends now exactly).
        "estimate_after": st.none() | st.just(0) | st.integers(-3 * DAY_US, 20 * DAY_US),
        "delivered_before": st.none() | st.integers(0, 3 * DAY_US),
        # Mostly parcels the watch acts on: open and not flagged yet.
        "status": st.sampled_from([*OPEN, *OPEN, *FINAL]),
        "flagged": st.sampled_from([False, False, True]),
    }
)
PARCELS = st.lists(PARCEL, min_size=1, max_size=8)
CONDITIONS = st.sampled_from(["all", "window_passed", "in_transit"])
# What COPY's text format escapes, and what Korean carriers write.
TRICKY = st.text(alphabet="\\\t\n\r ,.\"'N한x", max_size=40)


def _in_savepoint(build):
    """Run `build` in a savepoint that is rolled back afterwards; returns what it returned."""
    with transaction.atomic():
        result = build()
        transaction.set_rollback(True)
    return result


def _both(postgres, portable, read):
    """(returned, read()) of each variant on the same rows, each in its own savepoint."""
    return (
        _in_savepoint(lambda: (postgres(), read())),
        _in_savepoint(lambda: (portable(), read())),
    )


def _condition(name: str, now) -> Q:
    return {
        "all": Q(),
        "window_passed": Q(promised_end__lt=now),
        "in_transit": Q(status=S.IN_TRANSIT),
    }[name]


def _parcels(cases: list[dict], now) -> list[Shipment]:
    carrier, customer = CarrierFactory(), CustomerFactory(channel="both")
    shipments = []
    for case in cases:
        promised_end = now - timedelta(microseconds=case["promised_before"])
        estimate_end = (
            None
            if case["estimate_after"] is None
            else now + timedelta(microseconds=case["estimate_after"])
        )
        delivered = case["delivered_before"] is not None and case["status"] == S.DELIVERED
        shipments.append(
            ShipmentFactory(
                carrier=carrier,
                customer=customer,
                destination_time_zone=case["zone"],
                status=case["status"],
                promised_start=promised_end - timedelta(days=1),
                promised_end=promised_end,
                estimate_start=estimate_end and estimate_end - timedelta(days=1),
                estimate_end=estimate_end,
                delivered_at=(
                    now - timedelta(microseconds=case["delivered_before"]) if delivered else None
                ),
                is_delayed=case["flagged"],
                delay_reason=DelayReason.CAPACITY if case["flagged"] else "",
                delay_detected_at=now - timedelta(days=1) if case["flagged"] else None,
            )
        )
    return shipments


_DELAY_COLUMNS = [
    "pk", "is_delayed", "delay_reason", "delay_detected_at", "delay_hours", "delay_business_days",
    "delay_measured_at",
]  # fmt: skip


def _delays() -> list[tuple]:
    return list(Shipment.objects.order_by("pk").values_list(*_DELAY_COLUMNS))


def _python_size(shipment: Shipment, now) -> tuple[int, int]:
    """The rule itself: delays.delay_size against delays.delay_moment."""
    shipment.refresh_from_db()
    moment = delay_moment(
        delivered_at=shipment.delivered_at, estimate_end=shipment.estimate_end, now=now
    )
    return delay_size(
        promised_end=shipment.promised_end, moment=moment, time_zone=shipment.destination_time_zone
    )


# --- The promise watch: delay size in SQL ---------------------------------------------------


@SIZE_EXAMPLES
@given(cases=PARCELS, now=NOW, condition=CONDITIONS)
def test_delays_flag(cases, now, condition):
    def check():
        shipments = _parcels(cases, now)
        ids = [shipment.pk for shipment in shipments]
        where = _condition(condition, now)
        reason = DelayReason.WINDOW_PASSED

        postgres, portable = _both(
            lambda: sql._delays_flag_postgres(ids, where, reason, now),
            lambda: sql._delays_flag_portable(ids, where, reason, now),
            _delays,
        )

        assert postgres == portable
        contacts, rows = postgres
        expected = {
            s.pk
            for s in Shipment.objects.filter(pk__in=ids, is_delayed=False).filter(where)
            if s.status not in (S.DELIVERED, S.RETURNED, S.LOST)
        }
        assert set(contacts) == expected
        for pk, flagged, _reason, _detected, hours, days, _measured in rows:
            if pk in expected:
                assert flagged is True
                shipment = next(s for s in shipments if s.pk == pk)
                assert (hours, days) == _python_size(shipment, now), shipment.destination_time_zone

    _in_savepoint(check)


@SIZE_EXAMPLES
@given(cases=PARCELS, now=NOW)
def test_delays_measure(cases, now):
    def check():
        shipments = _parcels(cases, now)
        ids = [shipment.pk for shipment in shipments]

        postgres, portable = _both(
            lambda: sql._delays_measure_postgres(ids, now),
            lambda: sql._delays_measure_portable(ids, now),
            _delays,
        )

        assert postgres == portable
        measured, rows = postgres
        assert measured == sum(case["flagged"] for case in cases)
        for shipment, row in zip(shipments, rows, strict=True):
            if shipment.is_delayed:
                assert row[4:6] == _python_size(shipment, now), shipment.destination_time_zone

    _in_savepoint(check)


@DB_EXAMPLES
@given(cases=PARCELS, now=NOW, condition=CONDITIONS, picked=st.lists(st.integers(0, 9)))
def test_shipments_claim(cases, now, condition, picked):
    def check():
        shipments = _parcels(cases, now)
        ids = [shipments[n % len(shipments)].pk for n in picked]
        where = _condition(condition, now)
        fields = ["pk", "status", "service_level", "estimate_end", "destination_time_zone"]

        postgres, portable = _both(
            lambda: sql._shipments_claim_postgres(ids, where, fields),
            lambda: sql._shipments_claim_portable(ids, where, fields),
            lambda: None,
        )

        assert postgres == portable
        assert [row[0] for row in postgres[0]] == sorted(
            Shipment.objects.filter(pk__in=ids, is_delayed=False)
            .exclude(status__in=[S.DELIVERED, S.RETURNED, S.LOST])
            .filter(where)
            .values_list("pk", flat=True)
        )

    _in_savepoint(check)


# --- Tracking events in: matching in SQL ----------------------------------------------------

NUMBERS = ["N1", "N2", "N3"]
REFERENCES = ["", "R1", "R2"]
KNOWN_SHIPMENT = st.tuples(
    st.integers(0, 1),  # carrier
    st.sampled_from(NUMBERS),
    st.sampled_from(REFERENCES),
    st.integers(0, 2),  # hours after the first: equal times are decided by id
)
INCOMING = st.fixed_dictionaries(
    {
        "number": st.sampled_from([*NUMBERS, "N4"]),
        "reference": st.sampled_from([*REFERENCES, "R4"]),
        "stored": st.booleans(),  # stored by an earlier batch already
        "message": TRICKY,
        "payload": st.none() | st.dictionaries(st.sampled_from(["hub", "x"]), TRICKY),
        "estimate": st.booleans(),
    }
)
BASE = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)


def _incoming(cases: list[dict]) -> list[EventIn]:
    return [
        EventIn(
            carrier_event_id=f"e{index}",
            tracking_number=case["number"],
            order_reference=case["reference"],
            raw_status="InTransit",
            raw_substatus="",
            status=S.IN_TRANSIT,
            delay_reason="",
            occurred_at=BASE + timedelta(minutes=index),
            location="서울",
            message=case["message"],
            estimate_start=BASE + timedelta(days=1) if case["estimate"] else None,
            estimate_end=BASE + timedelta(days=2) if case["estimate"] else None,
            payload=case["payload"] or {},
        )
        for index, case in enumerate(cases)
    ]


def _events_written() -> list[tuple]:
    columns = [field.attname for field in TrackingEvent._meta.concrete_fields if field.name != "id"]
    ordered = TrackingEvent.objects.order_by("carrier_id", "carrier_event_id")
    return list(ordered.values_list(*columns))


@DB_EXAMPLES
@given(
    known=st.lists(KNOWN_SHIPMENT, max_size=10, unique_by=lambda s: s[:3]),
    cases=st.lists(INCOMING, min_size=1, max_size=12),
)
def test_events_insert(known, cases):
    def check():
        carriers = [CarrierFactory(), CarrierFactory()]
        customer = CustomerFactory()
        for carrier_index, number, reference, hours in known:
            ShipmentFactory(
                carrier=carriers[carrier_index],
                customer=customer,
                tracking_number=number,
                order_reference=reference,
                created_at=BASE + timedelta(hours=hours),
            )
        carrier = carriers[0]
        events = _incoming(cases)
        for event, case in zip(events, cases, strict=True):
            if case["stored"]:
                TrackingEvent.objects.create(
                    carrier=carrier, tracking_number="OLD", carrier_event_id=event.carrier_event_id,
                    raw_status="x", status=S.PENDING, occurred_at=BASE,
                )  # fmt: skip

        postgres, portable = _both(
            lambda: sql._events_insert_postgres(carrier=carrier, events=events, now=BASE),
            lambda: sql._events_insert_portable(carrier=carrier, events=events, now=BASE),
            _events_written,
        )

        assert postgres == portable
        stored, _rows = postgres
        assert set(stored) == {
            event.carrier_event_id
            for event, case in zip(events, cases, strict=True)
            if not case["stored"]
        }
        # The rule, told by hand: the reference decides, else the newest with the number.
        for event in events:
            if event.carrier_event_id not in stored:
                continue
            candidates = Shipment.objects.filter(
                carrier=carrier, tracking_number=event.tracking_number
            ).order_by("-created_at", "-id")
            if event.order_reference:
                candidates = candidates.filter(order_reference=event.order_reference)
            newest = candidates.values_list("pk", flat=True).first()
            assert stored[event.carrier_event_id] == newest, event

    _in_savepoint(check)


# --- Folding: lock, write back, revisions ---------------------------------------------------


@DB_EXAMPLES
@given(cases=PARCELS, now=NOW, picked=st.lists(st.integers(0, 9), max_size=10))
def test_shipments_lock(cases, now, picked):
    def check():
        shipments = _parcels(cases, now)
        missing = max(s.pk for s in shipments) + 1000
        ids = [shipments[n % len(shipments)].pk for n in picked] + [missing]
        names = [field.attname for field in Shipment._meta.concrete_fields]

        def loaded(variant):
            return [tuple(getattr(shipment, name) for name in names) for shipment in variant(ids)]

        postgres, portable = _both(
            lambda: loaded(sql._shipments_lock_postgres),
            lambda: loaded(sql._shipments_lock_portable),
            lambda: None,
        )

        assert postgres == portable
        assert [row[0] for row in postgres[0]] == sorted(set(ids) - {missing})

    _in_savepoint(check)


STATE = st.fixed_dictionaries(
    {
        "status": st.sampled_from(S.values),
        "raw_status": TRICKY,
        "seen": st.none() | st.integers(-3 * DAY_US, 3 * DAY_US),
        "estimate": st.none() | st.integers(0, 5 * DAY_US),
        "reason": st.sampled_from(["", DelayReason.WEATHER, DelayReason.NO_SCAN]),
        "hours": st.integers(0, 500),
        "days": st.integers(0, 30),
    }
)


def _changed(shipment: Shipment, state: dict, now) -> Shipment:
    seen = None if state["seen"] is None else now - timedelta(microseconds=state["seen"])
    ahead = state["estimate"]
    estimate = None if ahead is None else now + timedelta(microseconds=ahead)
    shipment.status, shipment.raw_status = state["status"], state["raw_status"]
    shipment.status_changed_at = shipment.last_event_at = shipment.shipped_at = seen
    shipment.delivered_at = seen if state["status"] == S.DELIVERED else None
    shipment.estimate_start = estimate and estimate - timedelta(hours=12)
    shipment.estimate_end = estimate
    shipment.estimate_source = "carrier" if estimate else ""
    shipment.is_delayed = bool(state["reason"])
    shipment.delay_reason = state["reason"]
    shipment.delay_detected_at = shipment.delay_measured_at = now if state["reason"] else None
    shipment.delay_hours, shipment.delay_business_days = state["hours"], state["days"]
    shipment.updated_at = now
    return shipment


@DB_EXAMPLES
@given(cases=PARCELS, now=NOW, states=st.lists(STATE, min_size=1, max_size=8))
def test_shipment_states_write(cases, now, states):
    def check():
        shipments = _parcels(cases, now)
        locked = list(Shipment.objects.filter(pk__in=[s.pk for s in shipments]).order_by("pk"))
        changed = [
            _changed(shipment, state, now) for shipment, state in zip(locked, states, strict=False)
        ]
        # updated_at is auto_now: the portable write (core.bulk) stamps the time of writing.
        fields = [name for name in SHIPMENT_STATE_FIELDS if name != "updated_at"]

        def state():
            return list(Shipment.objects.order_by("pk").values_list("pk", *fields))

        postgres, portable = _both(
            lambda: sql._shipment_states_write_postgres(changed, SHIPMENT_STATE_FIELDS),
            lambda: sql._shipment_states_write_portable(changed, SHIPMENT_STATE_FIELDS),
            state,
        )

        assert postgres == portable
        written = {row[0]: row[1:] for row in postgres[1]}
        for shipment in changed:
            assert written[shipment.pk] == tuple(getattr(shipment, name) for name in fields)

    _in_savepoint(check)


REVISION = st.fixed_dictionaries(
    {
        "shipment": st.integers(0, 7),
        "start": st.integers(-DAY_US, 10 * DAY_US),
        "length": st.integers(0, 3 * DAY_US),
        "source": st.sampled_from(EstimateRevision.Source.values),
        "reason": TRICKY,
    }
)


@DB_EXAMPLES
@given(cases=PARCELS, now=NOW, revisions=st.lists(REVISION, max_size=10))
def test_revisions_insert(cases, now, revisions):
    def check():
        shipments = _parcels(cases, now)
        new = []
        for case in revisions:
            start = now + timedelta(microseconds=case["start"])
            new.append(
                EstimateRevision(
                    shipment=shipments[case["shipment"] % len(shipments)],
                    estimate_start=start,
                    estimate_end=start + timedelta(microseconds=case["length"]),
                    source=case["source"],
                    reason=case["reason"],
                    created_at=now,
                )
            )
        columns = [
            "shipment_id", "estimate_start", "estimate_end", "source", "reason", "created_at"
        ]  # fmt: skip

        def written():
            return sorted(EstimateRevision.objects.values_list(*columns))

        postgres, portable = _both(
            lambda: sql._revisions_insert_postgres(new),
            lambda: sql._revisions_insert_portable(new),
            written,
        )

        assert postgres[1] == portable[1]
        assert len(postgres[1]) == len(new)

    _in_savepoint(check)


def test_every_statement_has_both_variants_and_a_parity_test():
    statements = {
        name
        for name, function in inspect.getmembers(sql, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == sql.__name__
    }
    here = globals()

    assert statements == {
        "copy_supported",
        "delays_flag",
        "delays_measure",
        "events_insert",
        "revisions_insert",
        "shipment_states_write",
        "shipments_claim",
        "shipments_lock",
    }
    for name in statements - {"copy_supported"}:
        assert callable(getattr(sql, f"_{name}_postgres")), name
        assert callable(getattr(sql, f"_{name}_portable")), name
        assert f"test_{name}" in here, name
    assert sql.copy_supported() is True
