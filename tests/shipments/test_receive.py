"""`services.tracking_receive` and `services.events_attach`: the one way tracking reaches parcels.

Six faces take tracking in: the webhook, the events endpoint, the tracking import, shipment
creation, the shipment import and the desk's attach action. The service tests hold the outcomes
(stored once, told once, nothing told with `notify=False`, a repeated delivery applies nothing,
nothing half-written); the face tests run one scenario through each face and expect the same
outcome; the last test holds each face to one service call instead of the steps.
"""

import ast
import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.roles import INTEGRATIONS
from apps.notifications.models import Notification
from apps.shipments.intake import events_parse
from apps.shipments.models import (
    EstimateRevision,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    WebhookDelivery,
)
from apps.shipments.services import events_attach, tracking_receive
from apps.shipments.signing import secret_generate
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory, UserFactory
from tests.shipments.test_webhook import post_events

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
S = ShipmentStatus


@pytest.fixture
def carrier(db):
    return CarrierFactory(code="cj", name="CJ Logistics", webhook_secret=secret_generate())


@pytest.fixture
def parcel(carrier):
    """A pending parcel whose customer hears by email only: one message per stage."""
    return ShipmentFactory(
        carrier=carrier,
        tracking_number="RCV1",
        order_reference="ORD-1",
        status=S.PENDING,
        customer=CustomerFactory(channel="email"),
    )


def raw(event_id: str, number: str = "RCV1", status: str = "InTransit", **fields) -> dict:
    return {
        "event_id": event_id,
        "tracking_number": number,
        "status": status,
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        **fields,
    }


def parsed(*items: dict) -> list:
    events, errors = events_parse(list(items))
    assert errors == []
    return events


def told(shipment, stage: str = "dispatched") -> int:
    return Notification.objects.filter(
        subject_type="shipment", subject_id=shipment.pk, stage=stage
    ).count()


def _counts() -> dict:
    return {
        "events": TrackingEvent.objects.count(),
        "deliveries": WebhookDelivery.objects.count(),
        "notifications": Notification.objects.count(),
        "revisions": EstimateRevision.objects.count(),
    }


# --- The receive service ---------------------------------------------------------------------


def test_events_are_stored_folded_and_told_once_however_often_they_come(carrier, parcel):
    events = parsed(raw("e1"), raw("e2", status="OutForDelivery"), raw("e1"))

    first = tracking_receive(carrier=carrier, events=events)
    again = tracking_receive(carrier=carrier, events=events)

    assert (first.received, first.created, first.duplicates, first.unmatched) == (3, 2, 1, 0)
    assert (again.created, again.duplicates, again.notified) == (0, 3, 0)
    assert TrackingEvent.objects.filter(shipment=parcel).count() == 2
    parcel.refresh_from_db()
    assert parcel.status == S.OUT_FOR_DELIVERY
    assert first.notified == Notification.objects.count() == 2
    assert (told(parcel), told(parcel, "out_for_delivery")) == (1, 1)


def test_without_notify_the_state_moves_and_nothing_is_told(carrier, parcel):
    result = tracking_receive(carrier=carrier, events=parsed(raw("e1")), notify=False)

    parcel.refresh_from_db()
    assert parcel.status == S.IN_TRANSIT
    assert (result.notified, Notification.objects.count()) == (0, 0)
    # The stages are handed back for a caller that tells in bulk.
    assert result.stages == [(parcel.pk, "dispatched")]


def test_events_without_a_shipment_are_kept_unmatched(carrier):
    result = tracking_receive(carrier=carrier, events=parsed(raw("e1", number="NOBODY")))

    assert (result.created, result.unmatched, result.notified) == (1, 1, 0)
    assert TrackingEvent.objects.get().shipment_id is None


def test_a_repeated_webhook_id_applies_nothing(carrier, parcel):
    first = tracking_receive(carrier=carrier, events=parsed(raw("e1")), webhook_id="msg_1")
    before = _counts()

    # A retry of the delivery, whatever it now says, is answered and not applied.
    repeat = tracking_receive(
        carrier=carrier, events=parsed(raw("e2", status="Delivered")), webhook_id="msg_1"
    )

    assert (first.duplicate_delivery, first.created) == (False, 1)
    assert repeat.duplicate_delivery is True
    assert (repeat.received, repeat.created, repeat.duplicates, repeat.notified) == (1, 0, 1, 0)
    assert _counts() == before
    parcel.refresh_from_db()
    assert parcel.status == S.IN_TRANSIT
    delivery = WebhookDelivery.objects.get()
    assert (delivery.webhook_id, delivery.event_count, delivery.created_count) == ("msg_1", 1, 1)


def test_a_batch_that_fails_midway_leaves_nothing_half_written(carrier, parcel):
    # An estimate window ending before it starts gets past no validation of ours but the
    # database's: the fold has stored the events and the delivery by the time it is refused.
    start = timezone.now() + timedelta(days=3)
    good = parsed(raw("e1"))[0]
    bad = parsed(raw("e2", status="OutForDelivery"))[0]
    bad.estimate_start, bad.estimate_end = start, start - timedelta(days=1)
    before = _counts()
    state = Shipment.objects.values().get(pk=parcel.pk)

    # On PostgreSQL core.bulk writes through psycopg itself: its error, not Django's wrapper.
    with pytest.raises((IntegrityError, psycopg.IntegrityError)):
        tracking_receive(carrier=carrier, events=[good, bad], webhook_id="msg_1")

    assert _counts() == before
    assert Shipment.objects.values().get(pk=parcel.pk) == state
    # Nothing of the delivery was kept either: a corrected retry with its id is applied.
    retry = tracking_receive(carrier=carrier, events=parsed(raw("e1")), webhook_id="msg_1")
    assert (retry.duplicate_delivery, retry.created, retry.notified) == (False, 1, 1)


def test_attaching_early_events_folds_them_and_tells_once(carrier):
    tracking_receive(carrier=carrier, events=parsed(raw("e1", number="EARLY")))
    shipment = ShipmentFactory(
        carrier=carrier, tracking_number="EARLY", status=S.PENDING, customer__channel="email"
    )

    first = events_attach(shipments=[shipment])
    again = events_attach(shipments=[shipment])

    shipment.refresh_from_db()
    assert shipment.status == S.IN_TRANSIT
    assert (first.attached, first.notified) == (1, 1)
    assert (again.attached, again.notified) == (0, 0)
    assert told(shipment) == 1


def test_attaching_without_notify_tells_nothing(carrier):
    tracking_receive(carrier=carrier, events=parsed(raw("e1", number="EARLY")))
    shipment = ShipmentFactory(carrier=carrier, tracking_number="EARLY", status=S.PENDING)

    result = events_attach(shipments=[shipment], notify=False)

    shipment.refresh_from_db()
    assert (shipment.status, result.attached, result.notified) == (S.IN_TRANSIT, 1, 0)
    assert Notification.objects.count() == 0


# --- Every face, one outcome -----------------------------------------------------------------


def _integration_api() -> APIClient:
    user = UserFactory(username="integration-shop", is_staff=False)
    user.groups.add(Group.objects.get(name=INTEGRATIONS))
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def _import(command: str, tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command(
        command, str(path), "--no-progress", "--notify", "--carrier", "cj",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    return out.getvalue()


def _deliver(face: str, *, client, carrier, parcel, tmp_path, attempt: int) -> None:
    """Bring event e1 (in transit) for the parcel in through `face`."""
    item = raw("e1", order_reference=parcel.order_reference)
    if face == "webhook":
        response = post_events(client, carrier, [item], webhook_id=f"msg_{attempt}")
        assert response.status_code == 200
    elif face == "events_api":
        response = _integration_api().post(
            f"/api/v1/shipments/{parcel.pk}/events/", [item], format="json"
        )
        assert response.status_code == 200
    else:
        header = "event_id,tracking_number,order_reference,status,occurred_at\n"
        row = ",".join(item[name] for name in header.strip().split(",")) + "\n"
        _import("import_tracking", tmp_path, f"events{attempt}.csv", header + row)


@pytest.mark.parametrize("face", ["webhook", "events_api", "import_tracking"])
def test_every_way_in_stores_folds_and_tells_once(client, carrier, parcel, tmp_path, face):
    for attempt in (1, 2):
        _deliver(face, client=client, carrier=carrier, parcel=parcel, tmp_path=tmp_path,
                 attempt=attempt)  # fmt: skip

    assert TrackingEvent.objects.get().shipment_id == parcel.pk
    parcel.refresh_from_db()
    assert parcel.status == S.IN_TRANSIT
    assert told(parcel) == Notification.objects.count() == 1


def _appear(face: str, *, client, carrier, tmp_path) -> Shipment:
    """Make the parcel EARLY appear through `face`; returns it."""
    if face == "shipment_api":
        start = timezone.now() + timedelta(days=1)
        response = _integration_api().post(
            "/api/v1/shipments/",
            {
                "carrier": "cj",
                "tracking_number": "EARLY",
                "order_reference": "ORD-9",
                "customer": {"name": "Kim Minji", "email": "minji@example.com"},
                "promised_start": start.isoformat(),
                "promised_end": (start + timedelta(days=1)).isoformat(),
            },
            format="json",
        )
        assert response.status_code == 201
    elif face == "shipment_import":
        header = (
            "tracking_number,order_reference,customer_name,customer_email,promised_start,"
            "promised_end\n"
        )
        start = timezone.now() + timedelta(days=1)
        window = f"{start.isoformat()},{(start + timedelta(days=1)).isoformat()}"
        row = f"EARLY,ORD-9,Kim Minji,minji@example.com,{window}\n"
        _import("import_shipments", tmp_path, "shipments.csv", header + row)
    else:
        ShipmentFactory(
            carrier=carrier, tracking_number="EARLY", order_reference="ORD-9",
            status=S.PENDING, customer__channel="email",
        )  # fmt: skip
        resolver = UserFactory(username="resolver")
        resolver.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="shipments",
                codename__in=["view_trackingevent", "attach_trackingevent"],
            )
        )
        client.force_login(resolver)
        response = client.post(
            "/admin/shipments/trackingevent/?matched=no",
            {
                "action": "attach_to_shipment",
                "_selected_action": list(TrackingEvent.objects.values_list("pk", flat=True)),
                "index": "0",
            },
        )
        assert response.status_code == 302
    return Shipment.objects.get(tracking_number="EARLY")


@pytest.mark.parametrize("face", ["shipment_api", "shipment_import", "desk_attach"])
def test_every_way_a_parcel_appears_gives_it_its_early_events_and_tells_once(
    client, carrier, tmp_path, face
):
    post_events(client, carrier, [raw("e1", number="EARLY")])
    assert TrackingEvent.objects.get().shipment_id is None

    shipment = _appear(face, client=client, carrier=carrier, tmp_path=tmp_path)

    assert TrackingEvent.objects.get().shipment_id == shipment.pk
    assert shipment.status == S.IN_TRANSIT
    assert told(shipment) == Notification.objects.count() == 1


# The faces, and the one service each calls instead of the steps it is made of.
FACES = {
    "apps/api/webhooks.py": "tracking_receive",
    "apps/api/shipment_events.py": "tracking_receive",
    "apps/shipments/imports/tracking.py": "tracking_receive",
    "apps/shipments/admin/events.py": "events_attach",
    "apps/shipments/imports/shipments.py": "events_attach",
    "apps/shipments/services/shipment.py": "events_attach",
}
STEPS = {"delivery_register", "events_ingest", "unmatched_attach", "shipments_fold", "stages_tell"}


@pytest.mark.parametrize(("module", "service"), FACES.items())
def test_each_face_calls_the_service_not_its_steps(module, service):
    tree = ast.parse((ROOT / module).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("apps.shipments")
        for alias in node.names
    }
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }

    assert service in imported & called
    assert imported & STEPS == set()


def test_the_webhook_answers_a_repeated_delivery_from_the_service(client, carrier, parcel):
    body = json.dumps([raw("e1")]).encode()
    first = post_events(client, carrier, body=body, webhook_id="msg_same").json()
    second = post_events(client, carrier, body=body, webhook_id="msg_same").json()

    assert first == {
        "received": 1, "created": 1, "duplicates": 0, "unmatched": 0, "duplicate_delivery": False
    }  # fmt: skip
    assert second == {
        "received": 1, "created": 0, "duplicates": 1, "unmatched": 0, "duplicate_delivery": True
    }  # fmt: skip
    assert told(parcel) == 1
