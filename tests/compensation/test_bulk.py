from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.compensation import services
from apps.compensation.engine import evaluate
from apps.compensation.facts import facts_load, rules_in_force, shipments_lock
from apps.compensation.models import ActionKind, Budget, Offer, OfferEvent, OfferStatus
from apps.compensation.services import issue
from apps.compensation.services.proposal_bulk import Explainer
from apps.shipments.models import Shipment
from tests.factories import (
    BudgetFactory,
    CompensationRuleFactory,
    CustomerFactory,
    OfferFactory,
    ShipmentFactory,
)

NOW = timezone.now().replace(microsecond=0)


def _delays():
    customers = [CustomerFactory(language="en"), CustomerFactory(language="ko")]
    shipments = []
    for n in range(12):
        shipments.append(
            ShipmentFactory(
                customer=customers[n % 2],
                is_delayed=True,
                delay_reason="weather" if n % 5 == 0 else "capacity",
                delay_detected_at=NOW - timedelta(days=1),
                delay_hours=10 + 20 * n,
                delay_business_days=n % 6,
                shipping_fee=Decimal(2500 + 500 * (n % 3)),
                order_value=Decimal(20000 * (n % 4 + 1)),
                promised_start=NOW - timedelta(days=3),
                promised_end=NOW - timedelta(days=2),
            )
        )
    # Already granted, and already open: netted off and skipped alike by both paths.
    OfferFactory(shipment=shipments[3], amount=Decimal("1000"), status=OfferStatus.ACCEPTED)
    OfferFactory(shipment=shipments[4], stacking_group="goodwill", status=OfferStatus.PROPOSED)
    return [s.pk for s in shipments]


def _rules():
    CompensationRuleFactory(
        priority=10,
        action=ActionKind.FARE_FORMULA,
        exempt_faults=["force_majeure"],
        approval_threshold=Decimal("4000"),
    )
    CompensationRuleFactory(
        priority=20,
        stacking_group="goodwill",
        min_hours_late=40,
        action=ActionKind.PERCENT_COUPON,
        percent=Decimal("5"),
        per_order_cap=Decimal("7000"),
        choice_group="sorry",
    )
    CompensationRuleFactory(priority=30, stacking_group="points", action=ActionKind.POINTS)


def _written():
    offers = sorted(
        Offer.objects.filter(rule__isnull=False).values_list(
            "shipment_id",
            "ticket_id",
            "rule_id",
            "rule_version",
            "budget_id",
            "stacking_group",
            "choice_group",
            "kind",
            "currency",
            "amount",
            "reserved",
            "explanation",
            "status",
            "decided_at",
            "decision_reason",
            "created_at",
        )
    )
    events = sorted(
        OfferEvent.objects.values_list(
            "offer__shipment_id", "offer__stacking_group", "from_status", "to_status", "note"
        )
    )
    budgets = list(Budget.objects.order_by("pk").values_list("reserved", "spent"))
    return offers, events, budgets


def _queued(monkeypatch, callbacks_context):
    """Run the on-commit callbacks; the (shipment, group) of each offer queued for issue."""
    queued = []
    monkeypatch.setattr(issue, "async_task", lambda _task, ids, **_options: queued.extend(ids))
    callbacks_context()
    return sorted(Offer.objects.filter(pk__in=queued).values_list("shipment_id", "stacking_group"))


@pytest.mark.parametrize("carrier_budget", [False, True], ids=["general", "carrier-first"])
def test_in_bulk_the_same_rows_as_one_shipment_at_a_time(
    db, monkeypatch, django_capture_on_commit_callbacks, carrier_budget
):
    """The bulk path (COPY on PostgreSQL, bulk_create elsewhere) writes what offers_propose
    writes for each shipment in turn: offers, explanations, budget reservations (the carrier's
    own budget first, then the general one), events, and the offers queued for issue."""
    _rules()
    BudgetFactory(amount=Decimal("20000"))  # runs out part of the way: some stay unreserved
    ids = _delays()
    if carrier_budget:
        BudgetFactory(amount=Decimal("3000"), carrier=Shipment.objects.get(pk=ids[0]).carrier)

    def one_at_a_time():
        with django_capture_on_commit_callbacks(execute=True):
            return sum(
                len(services.offers_propose(shipment=Shipment(pk=pk), now=NOW)) for pk in ids
            )

    def in_bulk():
        with django_capture_on_commit_callbacks(execute=True):
            return services.offers_propose_bulk(shipment_ids=reversed(ids), now=NOW, batch=5)

    stored = []
    queued_one = _queued(monkeypatch, lambda: stored.append(one_at_a_time()))
    expected = _written()
    Offer.objects.filter(rule__isnull=False).delete()
    Budget.objects.update(reserved=0, spent=0)
    queued_bulk = _queued(monkeypatch, lambda: stored.append(in_bulk()))

    assert stored[0] > 10
    assert stored[1] == stored[0]
    assert _written() == expected
    statuses = set(Offer.objects.values_list("status", flat=True))
    assert {OfferStatus.APPROVED, OfferStatus.PROPOSED} <= statuses
    assert queued_bulk == queued_one
    assert queued_one == sorted(
        Offer.objects.filter(status=OfferStatus.APPROVED, rule__isnull=False).values_list(
            "shipment_id", "stacking_group"
        )
    )


def test_bulk_again_proposes_nothing_new(db):
    _rules()
    BudgetFactory(amount=Decimal("1000000"))
    ids = _delays()
    first = services.offers_propose_bulk(shipment_ids=ids, now=NOW, batch=4)

    assert first > 10
    assert services.offers_propose_bulk(shipment_ids=ids, now=NOW) == 0
    proposed = OfferEvent.objects.filter(to_status=OfferStatus.PROPOSED, offer__rule__isnull=False)
    assert proposed.count() == first


def test_explanations_are_worded_once_per_set_of_numbers(db):
    _rules()
    ids = _delays()
    explainer = Explainer()
    rules = rules_in_force(NOW)
    rows = facts_load(shipments_lock(shipment_ids=ids))
    proposals = [(row.language, p) for row in rows for p in evaluate(row.facts, rules, NOW)]

    assert [explainer(p, lang) for lang, p in proposals] == [
        p.explanation(lang) for lang, p in proposals
    ]
    assert len(explainer.known) <= len(proposals)
