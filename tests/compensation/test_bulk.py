from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.compensation import bulk, services
from apps.compensation.models import ActionKind, Budget, Offer, OfferEvent, OfferStatus
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
    budget = Budget.objects.values_list("reserved", "spent").get()
    return offers, events, budget


def test_the_fast_path_writes_what_the_service_writes(db, django_capture_on_commit_callbacks):
    _rules()
    BudgetFactory(amount=Decimal("20000"))  # runs out part of the way: some stay unreserved
    ids = _delays()

    with django_capture_on_commit_callbacks() as service_callbacks:
        stored = services.offers_propose_bulk(shipment_ids=ids, now=NOW, batch=5)
    expected = _written()
    Offer.objects.filter(rule__isnull=False).delete()
    Budget.objects.update(reserved=0, spent=0)
    with django_capture_on_commit_callbacks() as fast_callbacks:
        assert bulk.offers_propose_bulk(shipment_ids=ids, now=NOW, batch=5) == stored

    assert stored > 10
    assert _written() == expected
    statuses = set(Offer.objects.values_list("status", flat=True))
    assert {OfferStatus.APPROVED, OfferStatus.PROPOSED} <= statuses
    assert len(fast_callbacks) == len(service_callbacks)


def test_explanations_are_worded_once_per_set_of_numbers(db):
    _rules()
    ids = _delays()
    explainer = bulk.Explainer()
    rules = services.rules_in_force(NOW)
    rows = services._facts_load(services._lock_shipments(ids))
    proposals = [
        (row.language, p) for row in rows for p in services.evaluate(row.facts, rules, NOW)
    ]

    assert [explainer(p, lang) for lang, p in proposals] == [
        p.explanation(lang) for lang, p in proposals
    ]
    assert len(explainer.known) <= len(proposals)
