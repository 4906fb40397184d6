"""Parallel deliveries of the same events (carriers retry, at least once, unordered): PostgreSQL."""

import json
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from apps.notifications.models import Notification
from apps.shipments.models import ShipmentStatus, TrackingEvent, WebhookDelivery
from apps.shipments.signing import secret_generate, signature_headers
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory
from tests.shipments.test_webhook import event, webhook_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _post_together(carrier, body: bytes, webhook_ids: list[str]) -> tuple[list, list]:
    """Post `body` once per delivery id, all threads released at the same moment."""
    start = threading.Barrier(len(webhook_ids))
    responses, errors = [], []

    def post(webhook_id):
        try:
            headers = signature_headers(
                secret=carrier.webhook_secret, body=body, webhook_id=webhook_id
            )
            api = Client(raise_request_exception=False)
            start.wait()
            response = api.post(
                webhook_url(carrier.code),
                data=body,
                content_type="application/json",
                headers=headers,
            )
            responses.append((response.status_code, response.json()))
        except Exception as exc:  # any failure is reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(wid,)) for wid in webhook_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses, errors


@pytest.fixture
def carrier():
    return CarrierFactory(code="cj", webhook_secret=secret_generate())


def test_parallel_posts_of_one_batch_store_each_event_once(carrier):
    # Given: ten parcels with customers on email and SMS; a batch of 30 events about them.
    for i in range(10):
        ShipmentFactory(
            carrier=carrier,
            tracking_number=f"PAR{i}",
            status=ShipmentStatus.PENDING,
            customer=CustomerFactory(channel="both"),
        )
    batch = []
    for i in range(10):
        batch += [
            event(f"PAR{i}", event_id=f"p{i}-label", status="InfoReceived"),
            event(f"PAR{i}", event_id=f"p{i}-moving", status="InTransit"),
            event(
                f"PAR{i}", event_id=f"p{i}-exception", status="Exception", substatus="Exception_017"
            ),
        ]
    body = json.dumps(batch).encode()

    responses, errors = _post_together(carrier, body, [f"msg_{n}" for n in range(THREADS)])

    assert errors == []
    assert [status for status, _ in responses] == [200] * THREADS, responses
    assert sum(result["created"] for _, result in responses) == 30
    assert all(result["created"] + result["duplicates"] == 30 for _, result in responses)
    assert TrackingEvent.objects.count() == 30
    assert (
        Counter(TrackingEvent.objects.values_list("carrier_event_id", flat=True)).most_common(1)[0][
            1
        ]
        == 1
    )
    assert WebhookDelivery.objects.count() == THREADS
    # One message per (shipment, stage, channel): dispatched, exception, delayed × email, SMS.
    assert Notification.objects.count() == 10 * 3 * 2
    assert set(
        TrackingEvent.objects.values_list("shipment__status", "shipment__delay_reason").distinct()
    ) == {(ShipmentStatus.EXCEPTION, "weather")}


def test_parallel_posts_of_one_delivery_apply_it_once(carrier):
    ShipmentFactory(carrier=carrier, tracking_number="ONE", status=ShipmentStatus.PENDING)
    body = json.dumps([event("ONE", event_id="only")]).encode()

    responses, errors = _post_together(carrier, body, ["msg_same"] * THREADS)

    assert errors == []
    assert [status for status, _ in responses] == [200] * THREADS, responses
    applied = [result for _, result in responses if not result["duplicate_delivery"]]
    assert len(applied) == 1
    assert applied[0]["created"] == 1
    assert WebhookDelivery.objects.count() == 1
    assert TrackingEvent.objects.count() == 1
    assert Notification.objects.filter(stage="dispatched").count() == 1
