"""Parallel approvals and proposals on PostgreSQL: row locks and the budget's conditional UPDATE."""

from collections import Counter
from decimal import Decimal

import pytest

from apps.compensation.errors import BudgetExhausted, OfferTransitionRefused
from apps.compensation.models import Budget, Offer, OfferStatus, Voucher
from apps.compensation.services import (
    offer_approve,
    offer_issue,
    offer_propose_manual,
    offers_propose,
)
from tests.compensation.test_services import late_shipment, wide_budget
from tests.concurrency import together
from tests.factories import CompensationRuleFactory, OfferFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_approvals_of_one_offer_approve_it_once(agent, manager):
    wide_budget(amount=Decimal("100000"))
    offer = offer_propose_manual(
        shipment=late_shipment(), agent=agent, kind="store_credit", amount=5000, reason="Lost"
    )
    assert offer.status == OfferStatus.PROPOSED

    results, errors = together([lambda: offer_approve(offer=offer.pk, manager=manager)] * 20)

    assert len(results) == 1
    assert len(errors) == 19
    assert all(isinstance(error, OfferTransitionRefused) for error in errors), errors
    assert {error.status_code for error in errors} == {409}
    # The issue task ran once the approval committed; running it again issues nothing.
    assert offer_issue(offer_id=offer.pk) is None
    assert Voucher.objects.filter(offer=offer).count() == 1
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ISSUED
    assert list(offer.events.values_list("to_status", flat=True)) == [
        "proposed",
        "approved",
        "issued",
    ]
    budget = Budget.objects.get()
    assert (budget.reserved, budget.spent) == (Decimal("0"), Decimal("5000"))


def test_fifty_approvals_against_a_budget_for_ten_approve_exactly_ten(manager):
    budget = wide_budget(amount=Decimal("10000"))
    offers = [OfferFactory(amount=Decimal("1000")) for _ in range(50)]

    results, errors = together(
        [lambda pk=offer.pk: offer_approve(offer=pk, manager=manager) for offer in offers]
    )

    assert len(results) == 10
    assert len(errors) == 40
    assert all(isinstance(error, BudgetExhausted) for error in errors), errors
    statuses = Counter(Offer.objects.values_list("status", flat=True))
    assert statuses == {OfferStatus.ISSUED: 10, OfferStatus.PROPOSED: 40}
    budget.refresh_from_db()
    assert budget.reserved + budget.spent <= budget.amount
    assert (budget.reserved, budget.spent) == (Decimal("0"), Decimal("10000"))
    assert Voucher.objects.count() == 10


def test_concurrent_proposals_for_one_delay_leave_one_live_offer_per_group():
    budget = wide_budget(amount=Decimal("100000"))
    CompensationRuleFactory(amount=Decimal("3000"), approval_threshold=Decimal("0"))
    CompensationRuleFactory(stacking_group="goodwill", amount=Decimal("2000"))
    shipment = late_shipment()

    results, errors = together([lambda: offers_propose(shipment=shipment)] * 10)

    assert errors == []
    assert sorted(len(offers) for offers in results) == [0] * 9 + [2]
    live = Offer.objects.filter(shipment=shipment, status__in=["proposed", "approved", "issued"])
    assert Counter(live.values_list("stacking_group", flat=True)) == {"delay": 1, "goodwill": 1}
    assert Offer.objects.count() == 2
    budget.refresh_from_db()
    # ₩3,000 held for the manager's decision, ₩2,000 approved and issued at once.
    assert (budget.reserved, budget.spent) == (Decimal("3000"), Decimal("2000"))


def test_concurrent_manual_proposals_in_one_group_leave_one(agent):
    wide_budget(amount=Decimal("100000"))
    shipment = late_shipment()

    results, errors = together(
        [
            lambda: offer_propose_manual(
                shipment=shipment, agent=agent, kind="points", amount=500, reason="Sorry"
            )
        ]
        * 10
    )

    assert len(results) == 1
    assert len(errors) == 9 and {error.status_code for error in errors} == {409}
    assert Offer.objects.count() == 1
    assert Budget.objects.get().reserved == Decimal("500")
