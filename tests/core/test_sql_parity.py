"""Each PostgreSQL statement of apps/core/bulk.py against its portable path: over generated rows,
both variants return the same keys and leave the same rows behind.

Both run on PostgreSQL over the same starting rows, each in a savepoint rolled back once what it
wrote has been read.
"""

import inspect
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core import bulk
from apps.notifications.models import Notification
from apps.shipments.models import Shipment, ShipmentStatus
from tests.factories import ShipmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

DB_EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FIELDS = ["channel", "recipient", "stage", "subject_type", "subject_id", "dedupe_key", "urgent"]
STORED = ["channel", "recipient", "language", "stage", "subject_id", "dedupe_key", "urgent"]
NOW = timezone.now().replace(microsecond=0)

NOTIFICATION_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["email", "sms"]),
        st.sampled_from(["a@example.com", "+821012345678", "b@example.com"]),
        st.sampled_from(["delayed", "delivered", "estimate_revised"]),
        st.just("shipment"),
        st.integers(1, 50),
        st.integers(0, 12).map(lambda n: f"key:{n}"),
        st.booleans(),
    ),
    max_size=25,
)


def _variants(run):
    """What `run(variant)` returns and leaves in the notifications, for each variant."""
    results = {}
    for variant in ("postgres", "portable"):
        with transaction.atomic():
            returned = run(variant)
            stored = sorted(Notification.objects.values_list(*STORED))
            results[variant] = (sorted(returned), stored)
            transaction.set_rollback(True)
    return results


def _existing(keys: list[int]) -> None:
    for key in keys:
        Notification.objects.create(
            channel="email",
            recipient="old@example.com",
            stage="delayed",
            subject_type="shipment",
            subject_id=key,
            dedupe_key=f"key:{key}",
        )


@DB_EXAMPLES
@given(rows=NOTIFICATION_ROWS, existing=st.lists(st.integers(0, 12), unique=True, max_size=5))
def test_bulk_insert_values(rows, existing):
    def run(variant):
        _existing(existing)
        if variant == "postgres":
            return bulk._bulk_insert_values_postgres(
                connection, Notification, FIELDS, rows, "dedupe_key"
            )
        return bulk._bulk_insert_values_portable(Notification, FIELDS, rows, "dedupe_key", None)

    if rows:
        results = _variants(run)
        assert results["postgres"] == results["portable"]


@DB_EXAMPLES
@given(rows=NOTIFICATION_ROWS, existing=st.lists(st.integers(0, 12), unique=True, max_size=5))
def test_bulk_insert_rows(rows, existing):
    def run(variant):
        _existing(existing)
        objs = [Notification(**dict(zip(FIELDS, row, strict=True))) for row in rows]
        if variant == "postgres":
            return bulk._bulk_insert_rows_postgres(connection, Notification, objs, "dedupe_key")
        return bulk._bulk_insert_rows_portable(Notification, objs, "dedupe_key", None)

    if rows:
        results = _variants(run)
        assert results["postgres"] == results["portable"]


SHIPMENT_CHANGES = st.lists(
    st.fixed_dictionaries(
        {
            "delay_hours": st.integers(0, 500),
            "destination_city": st.sampled_from(["Busan", "Seoul", "", "Jeju-si"]),
            "status": st.sampled_from([status.value for status in ShipmentStatus]),
            "estimate_end": st.one_of(st.none(), st.integers(-48, 48)),
            "delay_business_days": st.integers(0, 30),
        }
    ),
    min_size=1,
    max_size=8,
)
UPDATED = ["delay_hours", "destination_city", "status", "estimate_end", "delay_business_days"]


@DB_EXAMPLES
@given(changes=SHIPMENT_CHANGES)
def test_bulk_update_rows(changes):
    results = {}
    with transaction.atomic():
        shipments = ShipmentFactory.create_batch(len(changes))
        ids = [shipment.pk for shipment in shipments]
        for variant in ("postgres", "portable"):
            with transaction.atomic():
                objs = list(Shipment.objects.filter(pk__in=ids).order_by("pk"))
                for obj, change in zip(objs, changes, strict=True):
                    for name, value in change.items():
                        if name == "estimate_end" and value is not None:
                            value = NOW + timedelta(hours=value)
                        setattr(obj, name, value)
                # Window order is a constraint: an estimate end only with a start before it.
                for obj in objs:
                    obj.estimate_start = (
                        None if obj.estimate_end is None else NOW - timedelta(days=9)
                    )
                fields = [*UPDATED, "estimate_start"]
                if variant == "postgres":
                    written = bulk._bulk_update_rows_postgres(connection, Shipment, objs, fields)
                else:
                    written = bulk._bulk_update_rows_portable(Shipment, objs, fields)
                stored = list(
                    Shipment.objects.filter(pk__in=ids).order_by("pk").values_list(*fields)
                )
                results[variant] = (written, stored)
                transaction.set_rollback(True)
        transaction.set_rollback(True)

    assert results["postgres"] == results["portable"]


def test_every_statement_has_both_variants_and_a_parity_test():
    statements = {
        name[1:].removesuffix("_postgres")
        for name, _function in inspect.getmembers(bulk, inspect.isfunction)
        if name.startswith("_") and name.endswith("_postgres")
    }

    assert statements == {"bulk_update_rows", "bulk_insert_rows", "bulk_insert_values"}
    for name in statements:
        assert callable(getattr(bulk, name))
        assert callable(getattr(bulk, f"_{name}_portable"))
        assert f"test_{name}" in globals()
