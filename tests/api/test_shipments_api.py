"""/api/v1/shipments/: integrations read and create shipments and post their tracking events."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.roles import INTEGRATIONS
from apps.notifications.models import Notification
from apps.shipments.intake import KNOWN_FIELDS, events_parse
from apps.shipments.models import (
    Customer,
    DelayReason,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from tests.factories import (
    CarrierFactory,
    CustomerFactory,
    ShipmentFactory,
    TrackingEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SHIPMENTS_URL = "/api/v1/shipments/"

ROW_FIELDS = {
    "id",
    "carrier",
    "tracking_number",
    "order_reference",
    "status",
    "raw_status",
    "is_delayed",
    "delay_reason",
    "delay_hours",
    "delay_business_days",
    "promised_start",
    "promised_end",
    "estimate_start",
    "estimate_end",
    "last_event_at",
    "delivered_at",
    "service_level",
    "promise_type",
}


def _detail_url(shipment) -> str:
    return f"{SHIPMENTS_URL}{shipment.pk}/"


def _events_url(shipment) -> str:
    return f"{SHIPMENTS_URL}{shipment.pk}/events/"


def _client_for(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.fixture
def integration(db):
    """The shop's system: a non-staff user in the Integrations group."""
    user = UserFactory(username="integration-shop", is_staff=False)
    user.groups.add(Group.objects.get(name=INTEGRATIONS))
    return user


@pytest.fixture
def api(integration):
    return _client_for(integration)


@pytest.fixture
def cj(db):
    return CarrierFactory(code="cj", name="CJ Logistics")


@pytest.fixture
def shipment(cj, customer):
    return ShipmentFactory(
        carrier=cj, customer=customer, tracking_number="CJ1000", order_reference="ORD-1"
    )


def _create_body(**overrides) -> dict:
    start = timezone.now() + timedelta(days=1)
    body = {
        "carrier": "cj",
        "tracking_number": "CJ2000",
        "order_reference": "ORD-2",
        "customer": {
            "name": "Lee Jiwoo",
            "email": "jiwoo@example.com",
            "phone": "+821012345678",
            "language": "en",
            "channel": "email",
        },
        "destination_city": "Busan",
        "destination_postal_code": "48058",
        "service_level": "express",
        "promise_type": "guaranteed",
        "promised_start": start.isoformat(),
        "promised_end": (start + timedelta(days=1)).isoformat(),
        "shipping_fee": "3000",
        "order_value": "45000",
        "currency": "KRW",
    }
    body.update(overrides)
    return body


def _event(event_id: str, status: str = "InTransit", **fields) -> dict:
    return {
        "event_id": event_id,
        "status": status,
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        **fields,
    }


def _delayed(**fields):
    return ShipmentFactory(
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=timezone.now(),
        delay_hours=30,
        delay_business_days=1,
        **fields,
    )


# --- Who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "list"),
        ("post", "list"),
        ("get", "detail"),
        ("get", "events"),
        ("post", "events"),
    ],
)
def test_anonymous_requests_are_refused_with_401(shipment, method, url):
    target = {
        "list": SHIPMENTS_URL,
        "detail": _detail_url(shipment),
        "events": _events_url(shipment),
    }[url]

    response = getattr(APIClient(), method)(target, {}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_token_is_refused(shipment):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + "f" * 40)

    assert api.get(SHIPMENTS_URL).status_code == 401


def test_staff_without_a_role_cannot_read_shipments_or_events(stranger, shipment):
    api = _client_for(stranger)

    assert api.get(SHIPMENTS_URL).status_code == 403
    assert api.get(_detail_url(shipment)).status_code == 403
    assert api.get(_events_url(shipment)).status_code == 403


def test_agents_read_shipments_and_events(agent, shipment):
    TrackingEventFactory(shipment=shipment)
    api = _client_for(agent)

    assert api.get(SHIPMENTS_URL).status_code == 200
    assert api.get(_detail_url(shipment)).status_code == 200
    assert api.get(_events_url(shipment)).status_code == 200


def test_agents_cannot_create_shipments_or_events(agent, shipment):
    api = _client_for(agent)

    created = api.post(SHIPMENTS_URL, _create_body(), format="json")
    posted = api.post(_events_url(shipment), _event("e-1"), format="json")

    assert created.status_code == 403
    assert posted.status_code == 403
    assert Shipment.objects.count() == 1
    assert not TrackingEvent.objects.exists()


def test_integrations_hold_exactly_the_permissions_these_endpoints_need(integration):
    assert integration.has_perms(
        [
            "shipments.view_shipment",
            "shipments.add_shipment",
            "shipments.add_customer",
            "shipments.view_trackingevent",
            "shipments.add_trackingevent",
        ]
    )
    assert not integration.has_perm("shipments.change_shipment")
    assert not integration.is_staff


# --- List ------------------------------------------------------------------------------------


def test_list_rows_carry_the_carrier_code_and_the_delay(api, cj):
    _delayed(carrier=cj, tracking_number="CJ9", order_reference="ORD-9")

    response = api.get(SHIPMENTS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    (row,) = body["results"]
    assert set(row) == ROW_FIELDS
    assert row["carrier"] == "cj"
    assert row["tracking_number"] == "CJ9"
    assert row["is_delayed"] is True
    assert row["delay_reason"] == "capacity"
    assert row["delay_hours"] == 30
    assert "customer" not in row


def test_list_is_newest_first_in_cursor_pages(api, cj):
    made = [ShipmentFactory(carrier=cj) for _ in range(5)]

    first = api.get(SHIPMENTS_URL, {"page_size": 3}).json()
    second = api.get(first["next"]).json()

    assert second["next"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [shipment.pk for shipment in reversed(made)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"carrier": "hanjin"}, {"hanjin-late"}),
        ({"status": "delivered"}, {"cj-delivered"}),
        ({"delayed": "true"}, {"hanjin-late"}),
        ({"delayed": "false"}, {"cj-moving", "cj-delivered"}),
        ({"tracking_number": "CJ-MOVING"}, {"cj-moving"}),
        ({"order_reference": "cj-delivered"}, {"cj-delivered"}),
        ({"carrier": "cj", "status": "in_transit"}, {"cj-moving"}),
        ({}, {"cj-moving", "cj-delivered", "hanjin-late"}),
    ],
)
def test_list_filters_by_query_parameters(api, cj, params, expected):
    hanjin = CarrierFactory(code="hanjin")
    ShipmentFactory(carrier=cj, tracking_number="CJ-MOVING", order_reference="cj-moving")
    ShipmentFactory(
        carrier=cj,
        tracking_number="CJ-DONE",
        order_reference="cj-delivered",
        status=ShipmentStatus.DELIVERED,
    )
    _delayed(carrier=hanjin, tracking_number="HJ-LATE", order_reference="hanjin-late")

    response = api.get(SHIPMENTS_URL, params)

    assert response.status_code == 200
    assert {row["order_reference"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "teleported"}, "status"), ({"delayed": "maybe"}, "delayed")],
)
def test_list_refuses_a_bad_filter_naming_it(api, params, field):
    response = api.get(SHIPMENTS_URL, params)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("rows", [3, 30])
def test_list_runs_a_constant_number_of_queries(api, cj, rows, django_assert_max_num_queries):
    for _ in range(rows):
        ShipmentFactory(carrier=CarrierFactory())

    # Expect 4 queries: the token with its user, the user's permissions, the groups'
    # permissions, the page of shipments joined with their carriers.
    with django_assert_max_num_queries(4):
        response = api.get(SHIPMENTS_URL)

    assert len(response.json()["results"]) == rows


# --- Detail ----------------------------------------------------------------------------------


def test_detail_shows_the_customer_contact_and_the_latest_50_events(
    api, shipment, customer, django_assert_max_num_queries
):
    now = timezone.now()
    TrackingEvent.objects.bulk_create(
        TrackingEvent(
            carrier=shipment.carrier,
            shipment=shipment,
            tracking_number=shipment.tracking_number,
            carrier_event_id=f"evt-{n}",
            raw_status="InTransit",
            status=ShipmentStatus.IN_TRANSIT,
            location=f"Hub {n}",
            occurred_at=now - timedelta(hours=60 - n),
        )
        for n in range(60)
    )

    # Expect 5 queries: token with user, user and group permissions, the shipment joined with
    # carrier and customer, its latest events.
    with django_assert_max_num_queries(5):
        response = api.get(_detail_url(shipment))

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= ROW_FIELDS
    assert body["carrier"] == "cj"
    assert body["customer"] == {
        "name": "Kim Minji",
        "email": "minji@example.com",
        "phone": customer.phone,
        "language": "ko",
        "channel": "email",
    }
    assert len(body["events"]) == 50
    assert body["events"][0]["event_id"] == "evt-59"
    assert body["events"][-1]["event_id"] == "evt-10"
    assert body["events"][0]["location"] == "Hub 59"


def test_detail_hides_the_customer_from_a_role_without_view_customer(shipment):
    reader = UserFactory(username="reader", is_staff=False)
    reader.user_permissions.add(Permission.objects.get(codename="view_shipment"))

    response = _client_for(reader).get(_detail_url(shipment))

    assert response.status_code == 200
    assert response.json()["customer"] is None
    assert "minji@example.com" not in response.content.decode()


def test_detail_of_an_unknown_shipment_is_404(api):
    assert api.get(f"{SHIPMENTS_URL}999999/").status_code == 404


# --- Create ----------------------------------------------------------------------------------


def test_integration_creates_a_shipment_with_a_new_customer(api, cj):
    response = api.post(SHIPMENTS_URL, _create_body(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    shipment = Shipment.objects.get(pk=body["id"])
    assert (shipment.carrier, shipment.tracking_number, shipment.order_reference) == (
        cj,
        "CJ2000",
        "ORD-2",
    )
    assert shipment.service_level == "express"
    assert shipment.promise_type == "guaranteed"
    assert shipment.destination_city == "Busan"
    assert shipment.status == ShipmentStatus.PENDING
    assert body["carrier"] == "cj"
    assert body["customer"]["email"] == "jiwoo@example.com"
    assert body["shipping_fee"] == "3000.00"
    assert body["events"] == []
    customer = shipment.customer
    assert (customer.name, customer.phone, customer.language, customer.channel) == (
        "Lee Jiwoo",
        "+821012345678",
        "en",
        "email",
    )


def test_create_reuses_the_customer_with_the_same_email_in_any_case(api, cj, customer):
    body = _create_body(customer={"name": "Minji K.", "email": "MINJI@Example.com"})

    response = api.post(SHIPMENTS_URL, body, format="json")

    assert response.status_code == 201
    assert Shipment.objects.get(pk=response.json()["id"]).customer == customer
    assert Customer.objects.count() == 1
    customer.refresh_from_db()
    assert customer.name == "Kim Minji"  # reused as stored, not overwritten


def test_create_without_email_reuses_the_customer_with_the_same_phone(api, cj):
    known = CustomerFactory(email="", phone="+821055501234")
    body = _create_body(customer={"name": "Park", "phone": "+821055501234"})

    response = api.post(SHIPMENTS_URL, body, format="json")

    assert response.status_code == 201
    assert Shipment.objects.get(pk=response.json()["id"]).customer == known


def test_create_with_a_new_email_makes_a_new_customer_even_if_the_phone_is_known(api, cj):
    known = CustomerFactory(email="old@example.com", phone="+821055501234")
    body = _create_body(
        customer={"name": "Park", "email": "new@example.com", "phone": "+821055501234"}
    )

    response = api.post(SHIPMENTS_URL, body, format="json")

    assert response.status_code == 201
    assert Shipment.objects.get(pk=response.json()["id"]).customer != known


def test_create_attaches_events_that_came_first_and_tells_the_customer(api, cj):
    # Given an event the carrier sent before the shop told us about the parcel
    TrackingEvent.objects.create(
        carrier=cj,
        shipment=None,
        tracking_number="CJ2000",
        carrier_event_id="early-1",
        raw_status="InTransit",
        status=ShipmentStatus.IN_TRANSIT,
        occurred_at=timezone.now() - timedelta(hours=2),
    )

    response = api.post(SHIPMENTS_URL, _create_body(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "in_transit"
    assert [event["event_id"] for event in body["events"]] == ["early-1"]
    assert Notification.objects.filter(
        subject_type="shipment", subject_id=body["id"], stage="dispatched"
    ).exists()


def test_a_duplicate_shipment_is_409(api, shipment):
    body = _create_body(tracking_number="CJ1000", order_reference="ORD-1")

    response = api.post(SHIPMENTS_URL, body, format="json")

    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    assert Shipment.objects.count() == 1


def test_an_unknown_carrier_is_400_on_the_carrier_field(api, cj):
    response = api.post(SHIPMENTS_URL, _create_body(carrier="pigeon"), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"carrier"}


def test_an_inactive_carrier_is_refused(api):
    CarrierFactory(code="gone", is_active=False)

    response = api.post(SHIPMENTS_URL, _create_body(carrier="gone"), format="json")

    assert response.status_code == 400
    assert "carrier" in response.json()


def test_a_promise_ending_before_it_starts_is_400_naming_promised_end_and_stores_nothing(api, cj):
    start = timezone.now() + timedelta(days=2)
    body = _create_body(
        promised_start=start.isoformat(), promised_end=(start - timedelta(days=1)).isoformat()
    )

    response = api.post(SHIPMENTS_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == "promised_end"
    assert not Shipment.objects.exists()
    assert not Customer.objects.exists()


REACHABLE = {"name": "X", "email": "x@example.com"}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"tracking_number": ""}, ["tracking_number"]),
        ({"tracking_number": "X" * 65}, ["tracking_number"]),
        ({"promised_start": "next tuesday"}, ["promised_start"]),
        ({"shipping_fee": "-1"}, ["shipping_fee"]),
        ({"currency": "XYZ"}, ["currency"]),
        ({"service_level": "teleport"}, ["service_level"]),
        ({"destination_time_zone": "Mars/Olympus"}, ["destination_time_zone"]),
        ({"customer": {"name": "No Contact"}}, ["customer", "email"]),
        ({"customer": {"name": "X", "email": "not-an-email"}}, ["customer", "email"]),
        ({"customer": {"name": "X", "phone": "010-1234"}}, ["customer", "phone"]),
        ({"customer": {**REACHABLE, "language": "fr"}}, ["customer", "language"]),
        ({"customer": {**REACHABLE, "channel": "fax"}}, ["customer", "channel"]),
    ],
)
def test_invalid_input_is_400_naming_the_field(api, cj, change, path):
    response = api.post(SHIPMENTS_URL, _create_body(**change), format="json")

    assert response.status_code == 400
    errors = response.json()
    for key in path:
        assert key in errors, errors
        errors = errors[key]
    assert not Shipment.objects.exists()


def test_missing_required_fields_are_each_named(api):
    response = api.post(SHIPMENTS_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {
        "carrier",
        "tracking_number",
        "order_reference",
        "customer",
        "promised_start",
        "promised_end",
    }


# --- Events ----------------------------------------------------------------------------------


def test_posting_one_event_moves_the_shipment_and_tells_the_customer(api, shipment):
    body = _event("cj-1", "OutForDelivery", location="Seoul Gangnam", message="Driver 12")

    response = api.post(_events_url(shipment), body, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {"received": 1, "created": 1, "duplicates": 0, "unmatched": 0}
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    event = shipment.events.get()
    assert (event.carrier_event_id, event.location, event.message) == (
        "cj-1",
        "Seoul Gangnam",
        "Driver 12",
    )
    assert Notification.objects.filter(subject_id=shipment.pk, stage="out_for_delivery").exists()


def test_posting_a_list_is_idempotent_on_event_id(api, shipment):
    events = [_event("cj-1"), _event("cj-2", "Delivered")]

    first = api.post(_events_url(shipment), events, format="json")
    again = api.post(_events_url(shipment), events, format="json")

    assert first.json() == {"received": 2, "created": 2, "duplicates": 0, "unmatched": 0}
    assert again.status_code == 200
    assert again.json() == {"received": 2, "created": 0, "duplicates": 2, "unmatched": 0}
    assert shipment.events.count() == 2


def test_posted_events_belong_to_the_shipment_whatever_the_body_says(api, shipment, cj):
    # Given a recycled tracking number: an older parcel with the same number, another order
    older = ShipmentFactory(carrier=cj, tracking_number="CJ1000", order_reference="ORD-OLD")
    body = _event("cj-1", tracking_number="SOMETHING-ELSE", order_reference="ORD-OLD")

    response = api.post(_events_url(shipment), body, format="json")

    assert response.json()["created"] == 1
    event = TrackingEvent.objects.get()
    assert event.shipment == shipment
    assert event.tracking_number == "CJ1000"
    assert not older.events.exists()


def test_invalid_events_are_400_per_event_and_field_and_store_nothing(api, shipment):
    events = [
        _event("ok-1"),
        {"event_id": "bad-1", "status": "Teleported", "occurred_at": "yesterday"},
        {"status": "InTransit", "occurred_at": "2024-01-01T10:00:00"},
    ]

    response = api.post(_events_url(shipment), events, format="json")

    assert response.status_code == 400
    body = response.json()
    assert "2 of 3 events are invalid" in body["detail"]
    problems = {(error["index"], error["field"]) for error in body["errors"]}
    assert {(1, "status"), (1, "occurred_at"), (2, "event_id"), (2, "occurred_at")} <= problems
    assert not TrackingEvent.objects.exists()


@pytest.mark.parametrize("body", [[], "not an object"], ids=["empty-list", "a-string"])
def test_an_empty_or_shapeless_body_is_400(api, shipment, body):
    response = api.post(_events_url(shipment), body, format="json")

    assert response.status_code == 400
    assert not TrackingEvent.objects.exists()


def test_more_than_1000_events_are_refused(api, shipment):
    response = api.post(
        _events_url(shipment), [_event(f"e-{n}") for n in range(1001)], format="json"
    )

    assert response.status_code == 400
    assert "At most 1000" in response.json()["detail"]


def test_events_for_an_unknown_shipment_are_404(api):
    assert api.post(f"{SHIPMENTS_URL}999999/events/", _event("x"), format="json").status_code == 404
    assert api.get(f"{SHIPMENTS_URL}999999/events/").status_code == 404


def test_events_list_newest_occurred_first_in_cursor_pages(api, shipment):
    now = timezone.now()
    # Received in a different order from the one they happened in.
    for event_id, hours_ago in [("b", 2), ("d", 0), ("a", 3), ("c", 1)]:
        TrackingEventFactory(
            shipment=shipment,
            carrier_event_id=event_id,
            occurred_at=now - timedelta(hours=hours_ago),
        )
    TrackingEventFactory(carrier_event_id="elsewhere")

    first = api.get(_events_url(shipment), {"page_size": 3}).json()
    second = api.get(first["next"]).json()

    ids = [event["event_id"] for event in first["results"] + second["results"]]
    assert ids == ["d", "c", "b", "a"]
    assert second["next"] is None


@pytest.mark.parametrize("count", [3, 30])
def test_events_list_runs_a_constant_number_of_queries(
    api, shipment, count, django_assert_max_num_queries
):
    for _ in range(count):
        TrackingEventFactory(shipment=shipment)

    # Expect 5 queries: token with user, user and group permissions, the shipment, the page.
    with django_assert_max_num_queries(5):
        response = api.get(_events_url(shipment))

    assert len(response.json()["results"]) == count


# --- Schema ----------------------------------------------------------------------------------


def test_schema_documents_shipments_and_events():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    components = response.json()["components"]["schemas"]
    assert set(paths[SHIPMENTS_URL]) == {"get", "post"}
    assert set(paths[SHIPMENTS_URL + "{shipment_id}/"]) == {"get"}
    assert set(paths[SHIPMENTS_URL + "{shipment_id}/events/"]) == {"get", "post"}
    list_parameters = {p["name"] for p in paths[SHIPMENTS_URL]["get"]["parameters"]}
    assert {"carrier", "status", "delayed", "tracking_number", "order_reference", "cursor"} <= (
        list_parameters
    )
    assert {"ShipmentRow", "ShipmentDetail", "ShipmentCreate", "ShipmentEvent"} <= set(components)
    assert "customer" in components["ShipmentCreate"]["properties"]


def test_schema_generates_without_warnings(tmp_path):
    # A fresh process: drf-spectacular counts warnings per process, and the command must see
    # the settings production uses.
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": "sqlite://:memory:",
    }
    schema = tmp_path / "schema.yaml"

    result = subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(schema),
        ],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "/api/v1/shipments/{shipment_id}/events/" in schema.read_text()


# --- The tracking-event schema is the validator's --------------------------------------------


def _event_component(document: dict, path: str) -> dict:
    """The schema of one event in the JSON body `path` takes (a list of them)."""
    content = document["paths"][path]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json"}
    reference = content["application/json"]["schema"]["items"]["$ref"]
    return document["components"]["schemas"][reference.rsplit("/", 1)[1]]


def _sample(name: str, schema: dict):
    """A value the validator takes for this property."""
    if schema.get("format") == "date-time":
        return (timezone.now() - timedelta(hours=1)).isoformat()
    if "x-known-values" in schema:
        return schema["x-known-values"][0]
    return f"{name}-1"


def _problems(event: dict) -> dict[str, list[str]]:
    """Field → what `intake.events_parse` says is wrong with it."""
    _events, errors = events_parse([event])
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.field, []).append(error.error)
    return found


@pytest.mark.parametrize(
    ("path", "omitted"),
    [
        ("/api/v1/webhooks/tracking/{carrier_code}/", set()),
        (SHIPMENTS_URL + "{shipment_id}/events/", {"tracking_number", "order_reference"}),
    ],
)
def test_the_event_schema_lists_exactly_what_the_validator_takes(path, omitted):
    document = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    component = _event_component(document.json(), path)
    properties, required = component["properties"], set(component["required"])
    # The events endpoint fills these in from the shipment before validating.
    given = {name: f"{name}-1" for name in omitted}
    minimal = {**given, **{name: _sample(name, properties[name]) for name in required}}

    # The fields: exactly those the validator reads; anything else is kept as given.
    assert set(properties) | omitted == set(KNOWN_FIELDS)
    full = {**given, **{name: _sample(name, schema) for name, schema in properties.items()}}
    full["estimate_end"] = full["estimate_start"]
    events, errors = events_parse([{**full, "carrier_extra": "kept"}])
    assert errors == []
    assert events[0].payload == {"carrier_extra": "kept"}
    # Required: exactly the fields the validator refuses to go without.
    assert _problems(minimal) == {}
    for name in required:
        without = {key: value for key, value in minimal.items() if key != name}
        assert _problems(without) == {name: ["is required"]}, name
        assert _problems({**minimal, name: None}) == {name: ["is required"]}, name
    for name in set(properties) - required:
        assert properties[name]["nullable"] is True
        assert name not in _problems({**minimal, name: None}), name
    for name, schema in properties.items():
        problems = _problems({**minimal, name: 12345})
        # Types: text is a string; a date and time is ISO 8601 with its offset.
        if schema.get("format") == "date-time":
            assert problems[name] == ["must be an ISO 8601 date and time"]
            naive = {**minimal, name: "2025-03-02T09:00:00"}
            assert _problems(naive)[name] == ["needs a time zone offset (e.g. +09:00 or Z)"]
        else:
            assert problems[name] == ["must be a string"], name
        # Lengths: the longest the schema allows passes the length check, one more does not.
        if "maxLength" in schema:
            limit = schema["maxLength"]
            at_limit = _problems({**minimal, name: "x" * limit}).get(name, [])
            over = _problems({**minimal, name: "x" * (limit + 1)})[name]
            assert f"must be at most {limit} characters" not in at_limit, name
            assert f"must be at most {limit} characters" in over, name
        # Enums: no strict enum anywhere; a text lists the values it knows iff it refuses others.
        assert "enum" not in schema
        if schema.get("format") != "date-time":
            refused = name in _problems({**minimal, name: "zz no such value"})
            assert refused == ("x-known-values" in schema), name
        for value in schema.get("x-known-values", []):
            assert name not in _problems({**minimal, name: value}), (name, value)
