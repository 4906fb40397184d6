"""Each PostgreSQL statement of apps/compensation/sql.py against its portable path: over
generated shipments, offers and tickets, both variants return (or write) the same rows.

Both variants run on PostgreSQL over the same rows. Each example builds its rows in a savepoint
rolled back at its end; a variant that writes runs in a savepoint of its own, rolled back once
what it wrote is read.
"""

import inspect
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.compensation import sql
from apps.compensation.engine import CompiledRule
from apps.compensation.models import ActionKind, Offer, OfferEvent, OfferStatus
from apps.shipments.models import Shipment
from apps.tickets.models import TicketStatus
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    CompensationRuleFactory,
    CustomerFactory,
    OfferFactory,
    ShipmentFactory,
    TicketFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

DB_EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Microseconds left in, so that moments read as microseconds since 1970 are checked to the last.
NOW = timezone.now().replace(microsecond=654321)
DAY_US = 24 * 3600 * 10**6
WINDOW = timedelta(days=30)
GROUPS = ("delay", "goodwill", "guarantee")

# A moment as microseconds before NOW: the window's edges, and anything up to 40 days back.
AGO = st.sampled_from([0, 30 * DAY_US, 30 * DAY_US + 1]) | st.integers(0, 40 * DAY_US)
SHIPMENT = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "carrier": st.integers(0, 1),
        "reason": st.sampled_from(["", "capacity", "weather", "not_home"]),
        "detected": st.none() | AGO,
        "hours": st.integers(0, 200),
        "days": st.integers(0, 8),
        "fee": st.integers(0, 9000),
    }
)
OFFER = st.fixed_dictionaries(
    {
        "shipment": st.integers(0, 7),
        "group": st.sampled_from(GROUPS),
        "status": st.sampled_from(OfferStatus.values),
        "amount": st.integers(0, 20000),
        # Before NOW, or a little after it (not yet counted by the preview).
        "created": AGO | st.integers(-DAY_US, 0),
        "issued": st.none() | AGO | st.integers(-DAY_US, 0),
    }
)
TICKET = st.fixed_dictionaries(
    {
        "shipment": st.integers(0, 7),
        "status": st.sampled_from([TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.CLOSED]),
        # Few distinct times: tickets of one shipment often share their creation time.
        "created": st.integers(0, 3),
    }
)
WORLD = st.fixed_dictionaries(
    {
        "shipments": st.lists(SHIPMENT, min_size=1, max_size=8),
        "offers": st.lists(OFFER, max_size=12),
        "tickets": st.lists(TICKET, max_size=6),
    }
)
# Explanations with what COPY's text format escapes, long enough to be cut for the audit note.
TRICKY = st.text(alphabet="\\\t\n\r ,.₩한x", max_size=700)
EXPLANATION = st.sampled_from(["2 days late × ₩3,000 × 50% = ₩3,000", "", "a\\tb"]) | TRICKY
NEW_OFFER = st.fixed_dictionaries(
    {
        "shipment": st.integers(0, 7),
        "rule": st.integers(0, 2),
        "ticket": st.booleans(),
        "budget": st.sampled_from([None, 0, 1]),
        "kind": st.sampled_from(ActionKind.values),
        "amount": st.decimals(min_value=0, max_value=100000, places=2),
        "reserved": st.booleans(),
        "approved": st.booleans(),
        "explanation": EXPLANATION,
    }
)


def _ago(micros: int):
    return NOW - timedelta(microseconds=micros)


def _world_create(world: dict) -> list[Shipment]:
    """The shipments of `world`, with its offers and tickets."""
    customers = [CustomerFactory(language=language) for language in ("en", "ko", "en")]
    carriers = [CarrierFactory(), CarrierFactory()]
    shipments = []
    for case in world["shipments"]:
        shipments.append(
            ShipmentFactory(
                customer=customers[case["customer"]],
                carrier=carriers[case["carrier"]],
                is_delayed=bool(case["reason"]) and case["detected"] is not None,
                delay_reason=case["reason"],
                delay_detected_at=None if case["detected"] is None else _ago(case["detected"]),
                delay_hours=case["hours"],
                delay_business_days=case["days"],
                shipping_fee=Decimal(case["fee"]),
            )
        )
    live = set()
    for case in world["offers"]:
        shipment = shipments[case["shipment"] % len(shipments)]
        key = (shipment.pk, case["group"])
        if case["status"] in ("proposed", "approved", "issued"):
            # One live offer per promise and group: the database refuses a second.
            if key in live:
                continue
            live.add(key)
        OfferFactory(
            shipment=shipment,
            stacking_group=case["group"],
            status=case["status"],
            amount=Decimal(case["amount"]),
            created_at=_ago(case["created"]),
            issued_at=None if case["issued"] is None else _ago(case["issued"]),
        )
    for case in world["tickets"]:
        shipment = shipments[case["shipment"] % len(shipments)]
        closed = case["status"] == TicketStatus.CLOSED
        TicketFactory(
            shipment=shipment,
            customer=shipment.customer,
            status=case["status"],
            created_at=NOW - timedelta(hours=case["created"]),
            resolved_at=NOW if closed else None,
            closed_at=NOW if closed else None,
        )
    return shipments


def _in_savepoint(build):
    """Run `build` in a savepoint that is rolled back afterwards; returns what it returned."""
    with transaction.atomic():
        result = build()
        transaction.set_rollback(True)
    return result


@DB_EXAMPLES
@given(world=WORLD, days=st.integers(0, 40))
def test_preview_delays(world, days):
    def check():
        _world_create(world)
        since = NOW - timedelta(days=days)
        expected = sorted(sql._preview_delays_portable(since, NOW, 3))

        assert sorted(sql._preview_delays_postgres(since, NOW, 3)) == expected
        assert all(isinstance(row[-1], int) for row in expected)

    _in_savepoint(check)


@DB_EXAMPLES
@given(world=WORLD, days=st.integers(0, 40))
def test_preview_grants(world, days):
    def check():
        _world_create(world)
        since = NOW - timedelta(days=days)
        expected = sorted(sql._preview_grants_portable(since, NOW, NOW))

        assert sorted(sql._preview_grants_postgres(since, NOW, NOW)) == expected

    _in_savepoint(check)


def _new_offers(cases: list[dict], shipments: list[Shipment]) -> list[sql.NewOffer]:
    rules = [
        CompiledRule(CompensationRuleFactory(stacking_group=group, choice_group=choice))
        for group, choice in (("delay", ""), ("goodwill", "sorry"), ("guarantee", "sorry"))
    ]
    budgets = [BudgetFactory(), BudgetFactory(currency="USD")]
    tickets = {s.pk: TicketFactory(shipment=s, customer=s.customer).pk for s in shipments}
    offers, live = [], set()
    for case in cases:
        shipment_id = shipments[case["shipment"] % len(shipments)].pk
        rule = rules[case["rule"]]
        if (shipment_id, rule.stacking_group) in live:
            continue
        live.add((shipment_id, rule.stacking_group))
        budget = None if case["budget"] is None else budgets[case["budget"]]
        offers.append(
            sql.NewOffer(
                shipment_id=shipment_id,
                ticket_id=tickets[shipment_id] if case["ticket"] else None,
                rule=rule,
                budget_id=None if budget is None else budget.pk,
                kind=case["kind"],
                currency="KRW",
                amount=case["amount"],
                reserved=case["reserved"],
                approved=case["reserved"] and case["approved"],
                explanation=case["explanation"],
            )
        )
    return offers


def _written(approved_ids: list[int]) -> tuple:
    """The offers and events written, without their ids, and which offers came back approved."""
    columns = [column for column in sql.OFFER_COLUMNS if column != "id"]
    offers = list(Offer.objects.order_by("shipment_id", "stacking_group").values_list(*columns))
    events = list(
        OfferEvent.objects.order_by(
            "offer__shipment_id", "offer__stacking_group", "pk"
        ).values_list(
            "offer__shipment_id",
            "offer__stacking_group",
            "actor_id",
            "from_status",
            "to_status",
            "note",
            "created_at",
        )
    )
    approved = list(
        Offer.objects.filter(pk__in=approved_ids)
        .order_by("pk")
        .values_list("shipment_id", "stacking_group", "status")
    )
    return offers, events, approved


@DB_EXAMPLES
@given(
    world=WORLD,
    cases=st.lists(NEW_OFFER, max_size=15),
    note=st.sampled_from(["At or under the approval threshold: approved automatically.", "a\tb"]),
)
def test_offers_insert_bulk(world, cases, note):
    def check():
        # No offers before: the new ones would clash with the live ones in their groups.
        offers = _new_offers(cases, _world_create({**world, "offers": []}))

        def written(variant):
            return _in_savepoint(lambda: _written(variant(offers, approval_note=note, now=NOW)))

        expected = written(sql._offers_insert_bulk_portable)

        assert written(sql._offers_insert_bulk_postgres) == expected
        assert len(expected[0]) == len(offers)
        assert len(expected[2]) == sum(offer.approved for offer in offers)

    _in_savepoint(check)


def test_every_statement_has_both_variants_and_a_parity_test():
    statements = [
        name
        for name, function in inspect.getmembers(sql, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == sql.__name__
    ]
    here = globals()

    assert set(statements) == {
        "is_postgres",
        "offers_insert_bulk",
        "preview_delays",
        "preview_grants",
    }
    for name in set(statements) - {"is_postgres"}:
        assert callable(getattr(sql, f"_{name}_postgres")), name
        assert callable(getattr(sql, f"_{name}_portable")), name
        assert f"test_{name}" in here, name
