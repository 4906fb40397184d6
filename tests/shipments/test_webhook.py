"""POST /api/v1/webhooks/tracking/<carrier>/: signature, body validation, idempotency, matching.

The helpers at the top (`event`, `post_events`) are shared with the other tracking tests.
"""

import json
from datetime import timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.notifications.models import Notification
from apps.shipments.models import Shipment, ShipmentStatus, TrackingEvent, WebhookDelivery
from apps.shipments.signing import secret_generate, signature_headers
from tests.factories import CarrierFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

_numbers = count(1)


def webhook_url(carrier_code: str) -> str:
    return f"/api/v1/webhooks/tracking/{carrier_code}/"


def event(tracking_number: str = "NOSUCH000", **fields) -> dict:
    """One event as a carrier posts it; an hour old, in transit, with a fresh event id."""
    base = {
        "event_id": f"evt-{next(_numbers)}",
        "tracking_number": tracking_number,
        "status": "InTransit",
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
    }
    return {**base, **fields}


def post_events(
    client,
    carrier,
    payload=None,
    *,
    body: bytes | None = None,
    secret: str | None = None,
    webhook_id: str | None = None,
    at=None,
    headers: dict | None = None,
):
    """Post `payload` (or raw `body`) signed with the carrier's secret, as a carrier would."""
    if body is None:
        body = json.dumps(payload).encode()
    signed = signature_headers(
        secret=secret or carrier.webhook_secret.split()[0],
        body=body,
        webhook_id=webhook_id or f"msg_{next(_numbers)}",
        at=at,
    )
    return client.post(
        webhook_url(carrier.code),
        data=body,
        content_type="application/json",
        headers={**signed, **(headers or {})},
    )


def _row_counts() -> dict:
    return {
        "events": TrackingEvent.objects.count(),
        "deliveries": WebhookDelivery.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def carrier(db):
    return CarrierFactory(code="cj", name="CJ Logistics", webhook_secret=secret_generate())


@pytest.fixture
def shipment(carrier, customer):
    return ShipmentFactory(
        carrier=carrier, customer=customer, tracking_number="CJ100", status=ShipmentStatus.PENDING
    )


# --- Accepted deliveries ---------------------------------------------------------------------


def test_one_event_object_is_stored_on_its_shipment(client, carrier, shipment):
    response = post_events(client, carrier, event("CJ100", event_id="e-1"))

    assert response.status_code == 200
    assert response.json() == {
        "received": 1,
        "created": 1,
        "duplicates": 0,
        "unmatched": 0,
        "duplicate_delivery": False,
    }
    stored = TrackingEvent.objects.get()
    assert (stored.carrier, stored.shipment, stored.carrier_event_id) == (carrier, shipment, "e-1")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT


def test_a_list_of_events_is_stored_and_the_delivery_recorded(client, carrier, shipment):
    response = post_events(
        client, carrier, [event("CJ100"), event("CJ100"), event("CJ100")], webhook_id="msg_list"
    )

    assert response.status_code == 200
    assert response.json()["created"] == 3
    assert shipment.events.count() == 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.carrier, delivery.webhook_id) == (carrier, "msg_list")
    assert (delivery.event_count, delivery.created_count) == (3, 3)


def test_a_batch_of_exactly_1000_events_is_accepted(client, carrier):
    response = post_events(client, carrier, [event(f"UNKNOWN{i}") for i in range(1000)])

    assert response.status_code == 200
    assert response.json()["created"] == 1000
    assert TrackingEvent.objects.count() == 1000


def test_more_than_1000_events_are_refused_and_nothing_is_stored(client, carrier):
    response = post_events(client, carrier, [event(f"UNKNOWN{i}") for i in range(1001)])

    assert response.status_code == 400
    assert "1000" in response.json()["detail"]
    assert _row_counts() == {"events": 0, "deliveries": 0, "notifications": 0}


def test_an_empty_list_is_refused(client, carrier):
    response = post_events(client, carrier, [])

    assert response.status_code == 400
    assert WebhookDelivery.objects.count() == 0


def test_query_count_does_not_grow_with_the_batch(client, carrier, django_assert_num_queries):
    # Given: one pending shipment with one event, then twenty with three events each.
    pending = ShipmentStatus.PENDING
    ShipmentFactory(carrier=carrier, tracking_number="Q0", status=pending)
    small = [event("Q0")]
    large = []
    for i in range(1, 21):
        ShipmentFactory(carrier=carrier, tracking_number=f"Q{i}", status=pending)
        large += [event(f"Q{i}", status="InfoReceived"), event(f"Q{i}"), event(f"Q{i}")]
    with CaptureQueriesContext(connection) as one_event:
        assert post_events(client, carrier, small).status_code == 200

    # Expect as many queries for sixty events on twenty shipments as for one event: one
    # statement per step (carrier, delivery, events in, shipments matched, locked and updated,
    # messages queued), never one per event or per shipment.
    with django_assert_num_queries(len(one_event.captured_queries)):
        assert post_events(client, carrier, large).status_code == 200


# --- Signature (401) -------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_signature_header_is_refused(carrier, missing):
    body = json.dumps(event()).encode()
    headers = signature_headers(secret=carrier.webhook_secret, body=body, webhook_id="msg_1")
    del headers[missing]

    response = Client().post(
        webhook_url(carrier.code), data=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 401
    assert _row_counts()["events"] == 0


def test_an_unsigned_post_is_refused(client, carrier):
    response = client.post(
        webhook_url(carrier.code), data=[event()], content_type="application/json"
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    "signature",
    ["v1,bm90IGEgc2lnbmF0dXJl", "garbage", "v2,AAAA", "v1,", "v1,!!!not-base64!!!"],
    ids=["wrong-mac", "no-version", "unknown-version", "empty", "not-base64"],
)
def test_a_bad_signature_is_refused(client, carrier, signature):
    response = post_events(client, carrier, event(), headers={"webhook-signature": signature})

    assert response.status_code == 401
    assert _row_counts()["events"] == 0


def test_a_signature_made_with_another_secret_is_refused(client, carrier):
    response = post_events(client, carrier, event(), secret=secret_generate())

    assert response.status_code == 401
    assert "Signature refused" in response.json()["detail"]


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=-6), timedelta(minutes=6)], ids=["old", "ahead"]
)
def test_a_timestamp_more_than_five_minutes_off_is_refused(client, carrier, skew):
    response = post_events(client, carrier, event(), at=timezone.now() + skew)

    assert response.status_code == 401
    assert _row_counts()["events"] == 0


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=-4), timedelta(minutes=4)], ids=["old", "ahead"]
)
def test_a_timestamp_within_five_minutes_is_accepted(client, carrier, skew):
    response = post_events(client, carrier, event(), at=timezone.now() + skew)

    assert response.status_code == 200


def test_a_body_changed_after_signing_is_refused(client, carrier):
    signed_body = json.dumps(event(status="InTransit")).encode()
    headers = signature_headers(secret=carrier.webhook_secret, body=signed_body, webhook_id="m1")
    tampered = signed_body.replace(b"InTransit", b"Delivered")

    response = client.post(
        webhook_url(carrier.code), data=tampered, content_type="application/json", headers=headers
    )

    assert response.status_code == 401
    assert _row_counts()["events"] == 0


def test_a_webhook_id_changed_after_signing_is_refused(client, carrier):
    body = json.dumps(event()).encode()
    headers = signature_headers(secret=carrier.webhook_secret, body=body, webhook_id="msg_a")
    headers["webhook-id"] = "msg_b"

    response = client.post(
        webhook_url(carrier.code), data=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 401


@pytest.mark.parametrize("which", ["old", "new"])
def test_during_a_rotation_both_secrets_verify(client, which):
    old, new = secret_generate(), secret_generate()
    rotating = CarrierFactory(code="rotating", webhook_secret=f"{old} {new}")

    response = post_events(client, rotating, event(), secret={"old": old, "new": new}[which])

    assert response.status_code == 200


def test_after_a_rotation_the_retired_secret_is_refused(client):
    old, new = secret_generate(), secret_generate()
    rotated = CarrierFactory(code="rotated", webhook_secret=new)

    response = post_events(client, rotated, event(), secret=old)

    assert response.status_code == 401


def test_a_carrier_without_a_secret_refuses_everything(client):
    unconfigured = CarrierFactory(code="nosecret", webhook_secret="")

    response = post_events(client, unconfigured, event(), secret=secret_generate())

    assert response.status_code == 401


def test_headers_signed_with_a_local_time_verify(client, carrier):
    seoul_now = timezone.now().astimezone(ZoneInfo("Asia/Seoul"))

    response = post_events(client, carrier, event(), at=seoul_now)

    assert response.status_code == 200


# --- Carrier (404) ---------------------------------------------------------------------------


def test_an_unknown_carrier_is_not_found_even_before_the_signature(client):
    response = client.post(webhook_url("nobody"), data=[event()], content_type="application/json")

    assert response.status_code == 404


def test_an_inactive_carrier_is_not_found(client):
    retired = CarrierFactory(code="retired", webhook_secret=secret_generate(), is_active=False)

    response = post_events(client, retired, event())

    assert response.status_code == 404
    assert _row_counts()["events"] == 0


# --- Body (400, nothing written) -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[1, 2", b"{'single': 'quotes'}"],
    ids=["broken", "empty", "unterminated", "single-quotes"],
)
def test_a_body_that_is_not_json_is_refused(client, carrier, body):
    response = post_events(client, carrier, body=body)

    assert response.status_code == 400
    assert response.json()["detail"] == "The body is not valid JSON."
    assert _row_counts() == {"events": 0, "deliveries": 0, "notifications": 0}


def test_a_body_that_is_not_utf8_fails_closed(client, carrier):
    headers = signature_headers(secret=carrier.webhook_secret, body=b"[]", webhook_id="msg_1")

    response = client.post(
        webhook_url(carrier.code),
        data="\u00e9t\u00e9".encode("latin-1"),
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"event_id": None}, "event_id"),
        ({"tracking_number": ""}, "tracking_number"),
        ({"status": None}, "status"),
        ({"occurred_at": None}, "occurred_at"),
        ({"event_id": 17}, "event_id"),
        ({"event_id": "x" * 129}, "event_id"),
        ({"tracking_number": "9" * 65}, "tracking_number"),
        ({"message": "m" * 301}, "message"),
        ({"location": ["Seoul"]}, "location"),
        ({"status": "Teleported"}, "status"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2025-06-01T10:00:00"}, "occurred_at"),
        ({"occurred_at": 1748772000}, "occurred_at"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"estimate_start": "2025-06-02T10:00:00Z"}, "estimate_end"),
        (
            {"estimate_start": "2025-06-03T10:00:00Z", "estimate_end": "2025-06-02T10:00:00Z"},
            "estimate_end",
        ),
    ],
    ids=[
        "event-id-missing",
        "tracking-number-empty",
        "status-missing",
        "occurred-missing",
        "event-id-not-string",
        "event-id-too-long",
        "tracking-number-too-long",
        "message-too-long",
        "location-a-list",
        "status-unknown",
        "occurred-not-a-date",
        "occurred-naive",
        "occurred-a-number",
        "occurred-in-the-future",
        "estimate-half",
        "estimate-reversed",
    ],
)
def test_a_bad_field_is_named_with_its_event_index(client, carrier, shipment, bad, field):
    # Given: a batch whose second event has one bad field; the other two are fine.
    batch = [event("CJ100"), {**event("CJ100"), **bad}, event("CJ100")]

    response = post_events(client, carrier, batch)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(error["index"], error["field"]) for error in errors} == {(1, field)}
    assert all(error["error"] for error in errors)
    assert _row_counts() == {"events": 0, "deliveries": 0, "notifications": 0}
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PENDING


def test_every_bad_event_and_field_is_named_and_nothing_of_the_batch_is_written(
    client, carrier, shipment
):
    before = _row_counts()
    batch = [
        event("CJ100"),
        {"tracking_number": "CJ100", "status": "InTransit"},  # no event_id, no occurred_at
        "not an object",
        event("CJ100", status="Teleported", estimate_start="2025-06-01T00:00:00Z"),
        event("CJ100", status="Delivered"),
    ]

    response = post_events(client, carrier, batch)

    assert response.status_code == 400
    body = response.json()
    assert {(error["index"], error["field"]) for error in body["errors"]} == {
        (1, "event_id"),
        (1, "occurred_at"),
        (2, ""),
        (3, "status"),
        (3, "estimate_end"),
    }
    assert body["detail"].startswith("3 of 5 events are invalid")
    assert _row_counts() == before
    shipment.refresh_from_db()
    assert (shipment.status, shipment.last_event_at) == (ShipmentStatus.PENDING, None)


@pytest.mark.parametrize("payload", ["just a string", 42, None], ids=["string", "number", "null"])
def test_a_body_that_is_not_an_event_is_refused(client, carrier, payload):
    response = post_events(client, carrier, payload)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "", "error": "each event must be a JSON object"}
    ]


def test_a_corrected_retry_with_the_same_delivery_id_is_applied(client, carrier, shipment):
    good = event("CJ100")
    refused = post_events(client, carrier, [good, {"status": "InTransit"}], webhook_id="msg_fix")

    retried = post_events(client, carrier, [good], webhook_id="msg_fix")

    assert refused.status_code == 400
    assert retried.status_code == 200
    assert retried.json()["duplicate_delivery"] is False
    assert shipment.events.count() == 1


def test_a_blank_status_is_refused_by_name(carrier, shipment):
    api = Client(raise_request_exception=False)

    response = post_events(api, carrier, [event("CJ100", status="   ")])

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize("field", ["event_id", "tracking_number"])
def test_a_blank_required_text_is_refused_by_name(client, carrier, field):
    response = post_events(client, carrier, [event(**{field: "   "})])

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert TrackingEvent.objects.count() == 0


def test_our_own_canonical_status_names_are_accepted(client, carrier, shipment):
    batch = [
        event(
            "CJ100",
            status=status.value,
            occurred_at=(timezone.now() - timedelta(hours=20 - i)).isoformat(),
        )
        for i, status in enumerate(ShipmentStatus)
    ]

    response = post_events(client, carrier, batch)

    assert response.status_code == 200, response.json()


@pytest.mark.postgres
def test_an_overlong_webhook_id_is_refused_not_a_server_error(carrier):
    api = Client(raise_request_exception=False)

    response = post_events(api, carrier, [event()], webhook_id="msg_" + "x" * 200)

    # WebhookDelivery.webhook_id holds 128 characters; PostgreSQL refuses a longer value.
    assert response.status_code in (200, 400)


# --- Replays and duplicates ------------------------------------------------------------------


def test_the_same_delivery_twice_is_answered_but_applied_once(client, carrier, shipment):
    batch = [event("CJ100", event_id="r-1"), event("CJ100", event_id="r-2")]
    first = post_events(client, carrier, batch, webhook_id="msg_replayed")
    after_first = _row_counts()

    second = post_events(client, carrier, batch, webhook_id="msg_replayed")

    assert first.status_code == second.status_code == 200
    assert first.json()["duplicate_delivery"] is False
    assert second.json() == {
        "received": 2,
        "created": 0,
        "duplicates": 2,
        "unmatched": 0,
        "duplicate_delivery": True,
    }
    assert _row_counts() == after_first
    assert shipment.events.count() == 2
    assert WebhookDelivery.objects.count() == 1


def test_one_delivery_id_is_separate_per_carrier(client, carrier):
    other = CarrierFactory(code="hanjin", webhook_secret=secret_generate())

    first = post_events(client, carrier, [event()], webhook_id="msg_shared")
    second = post_events(client, other, [event()], webhook_id="msg_shared")

    assert first.json()["duplicate_delivery"] is False
    assert second.json()["duplicate_delivery"] is False
    assert WebhookDelivery.objects.count() == 2


def test_a_duplicate_event_inside_one_batch_is_stored_once(client, carrier, shipment):
    same = event("CJ100", event_id="twice")

    response = post_events(client, carrier, [same, same, event("CJ100")])

    assert response.json()["created"] == 2
    assert response.json()["duplicates"] == 1
    assert TrackingEvent.objects.filter(carrier_event_id="twice").count() == 1


def test_a_duplicate_event_across_deliveries_is_stored_once(client, carrier, shipment):
    same = event("CJ100", event_id="again", status="OutForDelivery")
    post_events(client, carrier, [same], webhook_id="msg_1st")
    notifications = Notification.objects.count()

    response = post_events(client, carrier, [same, event("CJ100")], webhook_id="msg_2nd")

    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert response.json()["duplicates"] == 1
    assert TrackingEvent.objects.filter(carrier_event_id="again").count() == 1
    assert Notification.objects.filter(stage="out_for_delivery").count() == notifications


def test_the_same_event_id_from_two_carriers_is_two_events(client, carrier):
    other = CarrierFactory(code="hanjin", webhook_secret=secret_generate())

    post_events(client, carrier, [event(event_id="shared-id")])
    post_events(client, other, [event(event_id="shared-id")])

    assert TrackingEvent.objects.filter(carrier_event_id="shared-id").count() == 2


# --- Matching ----------------------------------------------------------------------------------


def test_an_unknown_tracking_number_is_kept_unmatched_and_counted(client, carrier, shipment):
    response = post_events(client, carrier, [event("NOBODY1"), event("NOBODY2"), event("CJ100")])

    assert response.json()["unmatched"] == 2
    unmatched = TrackingEvent.objects.filter(shipment__isnull=True)
    assert sorted(unmatched.values_list("tracking_number", flat=True)) == ["NOBODY1", "NOBODY2"]
    assert not any(row.is_matched for row in unmatched)


def test_a_number_of_another_carrier_is_not_matched(client, carrier):
    ShipmentFactory(carrier=CarrierFactory(code="hanjin"), tracking_number="SHARED")

    response = post_events(client, carrier, [event("SHARED")])

    assert response.json()["unmatched"] == 1


def test_recycled_numbers_are_told_apart_by_order_reference(client, carrier):
    # Given: the carrier reused one tracking number for two orders; the newer one was made last.
    older = ShipmentFactory(carrier=carrier, tracking_number="REUSED", order_reference="ORD-OLD")
    newer = ShipmentFactory(carrier=carrier, tracking_number="REUSED", order_reference="ORD-NEW")

    post_events(
        client,
        carrier,
        [
            event("REUSED", event_id="for-old", order_reference="ORD-OLD"),
            event("REUSED", event_id="for-new", order_reference="ORD-NEW"),
            event("REUSED", event_id="no-reference"),
        ],
    )

    assert TrackingEvent.objects.get(carrier_event_id="for-old").shipment == older
    assert TrackingEvent.objects.get(carrier_event_id="for-new").shipment == newer
    assert TrackingEvent.objects.get(carrier_event_id="no-reference").shipment == newer


def test_without_an_order_reference_the_newest_shipment_wins_whatever_the_id_order(client, carrier):
    now = timezone.now()
    newer = ShipmentFactory(carrier=carrier, tracking_number="REUSED", created_at=now)
    ShipmentFactory(carrier=carrier, tracking_number="REUSED", created_at=now - timedelta(days=90))

    post_events(client, carrier, [event("REUSED", event_id="plain")])

    assert TrackingEvent.objects.get(carrier_event_id="plain").shipment == newer


def test_an_order_reference_we_do_not_know_is_kept_unmatched_not_guessed(client, carrier):
    ShipmentFactory(carrier=carrier, tracking_number="REUSED", order_reference="ORD-1")

    response = post_events(client, carrier, [event("REUSED", order_reference="ORD-404")])

    assert response.json()["unmatched"] == 1


def test_unknown_fields_are_kept_in_the_payload(client, carrier, shipment):
    post_events(client, carrier, [event("CJ100", event_id="extra", courier={"name": "Park"})])

    assert TrackingEvent.objects.get(carrier_event_id="extra").payload == {
        "courier": {"name": "Park"}
    }


def test_shipments_are_untouched_by_a_refused_batch(client, carrier, shipment):
    before = Shipment.objects.values().get(pk=shipment.pk)

    post_events(client, carrier, [event("CJ100", status="Delivered"), {"event_id": "x"}])

    assert Shipment.objects.values().get(pk=shipment.pk) == before


def test_a_full_batch_at_the_field_limits_is_accepted(client, carrier):
    batch = [
        event(
            f"T{i:063d}",
            event_id=f"{i:0128d}",
            order_reference="R" * 64,
            status="배송지연",
            substatus="지" * 120,
            location="서" * 120,
            message="늦" * 300,
        )
        for i in range(1000)
    ]

    response = post_events(client, carrier, batch)

    assert response.status_code == 200
    assert response.json()["created"] == 1000
