"""Bulk writes: arrays in binary format, values the same in every row sent once, on any database."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.bulk import bulk_insert_values, bulk_update_rows
from apps.notifications.models import Notification, NotificationStatus
from apps.shipments.models import Shipment
from tests.factories import ShipmentFactory

FIELDS = ["channel", "recipient", "stage", "subject_type", "subject_id", "dedupe_key", "urgent"]


def row(n: int, *, stage: str = "delayed", urgent: bool = False) -> tuple:
    return ("email", f"r{n}@example.com", stage, "shipment", n, f"shipment:{n}:{stage}", urgent)


@pytest.mark.django_db
def test_insert_values_returns_the_new_keys_and_skips_the_rest():
    bulk_insert_values(Notification, FIELDS, [row(1)], unique_field="dedupe_key")

    new = bulk_insert_values(
        Notification, FIELDS, [row(1), row(2), row(3), row(2)], unique_field="dedupe_key"
    )

    assert sorted(new) == ["shipment:2:delayed", "shipment:3:delayed"]
    assert Notification.objects.count() == 3


@pytest.mark.django_db
def test_insert_values_fills_left_out_fields_with_the_model_defaults():
    before = timezone.now()

    bulk_insert_values(
        Notification, FIELDS, [row(1), row(2, urgent=True)], unique_field="dedupe_key"
    )

    first, second = Notification.objects.order_by("subject_id")
    assert (first.status, first.attempts, first.title, first.sent_at) == (
        NotificationStatus.PENDING,
        0,
        "",
        None,
    )
    assert first.language == "ko"
    assert before <= first.created_at <= timezone.now()
    assert (first.urgent, second.urgent) == (False, True)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 2, 5])
def test_insert_values_where_every_column_is_the_same(count):
    # Every value the same but the key: then only the key column travels as an array.
    rows = [("sms", "+8210", "delayed", "shipment", 7, f"k{n}", False) for n in range(count)]

    new = bulk_insert_values(Notification, FIELDS, rows, unique_field="dedupe_key")

    assert sorted(new) == sorted(f"k{n}" for n in range(count))
    assert set(Notification.objects.values_list("recipient", "subject_id")) == {("+8210", 7)}


@pytest.mark.django_db
def test_insert_values_of_identical_rows_stores_one():
    rows = [("sms", "+8210", "delayed", "shipment", 7, "same", False)] * 3

    assert bulk_insert_values(Notification, FIELDS, rows, unique_field="dedupe_key") == ["same"]
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_update_rows_writes_varying_same_and_empty_values():
    shipments = ShipmentFactory.create_batch(3)
    later = timezone.now() + timedelta(days=2)
    for n, shipment in enumerate(shipments):
        shipment.delay_hours = n * 10  # differs per row
        shipment.destination_city = "Busan"  # the same in every row
        shipment.estimate_end = None  # the same (empty) in every row
        shipment.estimate_start = None
        shipment.delivered_at = later

    with CaptureQueriesContext(connection) as queries:
        written = bulk_update_rows(
            Shipment,
            shipments,
            ["delay_hours", "destination_city", "estimate_start", "estimate_end", "delivered_at"],
        )

    assert written == 3
    assert len(queries) >= 1  # logged like any query
    stored = Shipment.objects.order_by("pk").values_list(
        "delay_hours", "destination_city", "estimate_end", "delivered_at"
    )
    assert list(stored) == [(n * 10, "Busan", None, later) for n in range(3)]
