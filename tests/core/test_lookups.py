"""`__any`: the same rows as `__in`, sent to PostgreSQL as one array parameter."""

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.compensation.models import Offer
from apps.shipments.models import Shipment, ShipmentStatus
from tests.factories import CustomerFactory, OfferFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

STATUSES = [status.value for status in ShipmentStatus]


def _sql(queryset) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(queryset)
    return queries.captured_queries[-1]["sql"]


def test_any_matches_the_listed_rows_and_skips_none():
    shipments = ShipmentFactory.create_batch(3)

    found = Shipment.objects.filter(pk__any=[shipments[0].pk, None, shipments[2].pk, 10**9])

    assert {s.pk for s in found} == {shipments[0].pk, shipments[2].pk}


def test_any_of_nothing_matches_nothing_without_a_query():
    ShipmentFactory()

    with CaptureQueriesContext(connection) as queries:
        assert list(Shipment.objects.filter(pk__any=[])) == []
        assert list(Shipment.objects.filter(pk__any=[None])) == []

    assert len(queries) == 0


def test_any_follows_foreign_keys_and_joins():
    customer = CustomerFactory()
    offer = OfferFactory(shipment=ShipmentFactory(customer=customer))
    OfferFactory()

    assert list(Offer.objects.filter(shipment__any={offer.shipment_id})) == [offer]
    assert list(Offer.objects.filter(shipment_id__any=[offer.shipment_id])) == [offer]
    assert list(Offer.objects.filter(shipment__customer_id__any=[customer.pk])) == [offer]


@pytest.mark.postgres
def test_on_postgresql_the_list_is_one_array_parameter():
    ids = list(range(1, 5001))

    sql = _sql(Shipment.objects.filter(pk__any=ids).values_list("pk"))

    assert '"shipments_shipment"."id" = ANY(' in sql
    assert " IN (" not in sql


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="SQLite only: PostgreSQL sends an array"
)
def test_elsewhere_it_is_in():
    assert " IN (" in _sql(Shipment.objects.filter(pk__any=[1, 2]).values_list("pk"))


@pytest.mark.postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    statuses=st.lists(st.sampled_from(STATUSES), max_size=6),
    wanted_statuses=st.lists(st.one_of(st.none(), st.sampled_from(STATUSES)), max_size=5),
    picks=st.lists(st.one_of(st.none(), st.integers(-2, 8)), max_size=10),
)
def test_any_returns_what_in_returns(statuses, wanted_statuses, picks):
    with transaction.atomic():
        shipments = [ShipmentFactory(status=status) for status in statuses]
        ids = [
            None if pick is None else (shipments[pick].pk if 0 <= pick < len(shipments) else -pick)
            for pick in picks
        ]
        for lookup, values in (("pk", ids), ("status", wanted_statuses)):
            by_any = Shipment.objects.filter(**{f"{lookup}__any": values}).values_list("pk")
            by_in = Shipment.objects.filter(**{f"{lookup}__in": values}).values_list("pk")

            assert sorted(by_any) == sorted(by_in)
        transaction.set_rollback(True)


def test_any_with_an_expression_or_a_subquery_falls_back_to_in():
    shipment = ShipmentFactory()

    by_expression = Shipment.objects.filter(pk__any=[F("pk")])
    by_subquery = Shipment.objects.filter(pk__any=Shipment.objects.values("pk"))

    assert list(by_expression) == [shipment]
    assert list(by_subquery) == [shipment]
