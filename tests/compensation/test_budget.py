"""Money in the period's budget: reserved on proposal, spent on issue, never exceeded."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.compensation.errors import BudgetExhausted, NoBudget
from apps.compensation.models import Budget, OfferStatus
from apps.compensation.services import (
    offer_approve,
    offer_decline,
    offer_issue,
    offer_propose_manual,
    offer_reject,
    offers_expire,
    offers_propose,
)
from tests.compensation.test_services import late_shipment, ticket_of, wide_budget
from tests.factories import BudgetFactory, CarrierFactory, CompensationRuleFactory


def money(budget) -> tuple[Decimal, Decimal]:
    budget.refresh_from_db()
    return budget.reserved, budget.spent


def manual(agent, amount, **fields):
    fields.setdefault("shipment", late_shipment())
    return offer_propose_manual(
        agent=agent, kind="store_credit", amount=amount, reason="x", **fields
    )


def test_reserved_on_proposal_spent_on_issue(db, agent, manager):
    budget = wide_budget(amount=Decimal("10000"))
    offer = manual(agent, 3000)
    assert money(budget) == (Decimal("3000"), Decimal("0"))
    offer_approve(offer=offer, manager=manager)
    assert money(budget) == (Decimal("3000"), Decimal("0"))
    offer_issue(offer_id=offer.pk)
    assert money(budget) == (Decimal("0"), Decimal("3000"))


def test_released_on_rejection(db, agent, manager):
    budget = wide_budget(amount=Decimal("10000"))
    offer = manual(agent, 3000)
    rejected = offer_reject(offer=offer, manager=manager, reason="No")
    assert rejected.reserved == 0
    assert money(budget) == (Decimal("0"), Decimal("0"))


def test_released_on_decline(db):
    budget = wide_budget(amount=Decimal("10000"))
    CompensationRuleFactory(amount=Decimal("2500"))
    ticket = ticket_of(late_shipment())
    [offer] = offers_propose(ticket=ticket)
    offer_issue(offer_id=offer.pk)
    assert money(budget) == (Decimal("0"), Decimal("2500"))
    offer_decline(ticket=ticket, offer_id=offer.pk)
    assert money(budget) == (Decimal("0"), Decimal("0"))


def test_released_on_expiry_of_a_proposal_and_of_an_issued_offer(db, agent):
    budget = wide_budget(amount=Decimal("10000"))
    now = timezone.now()
    waiting = manual(agent, 3000, now=now - timedelta(days=8))
    CompensationRuleFactory(amount=Decimal("2000"))
    [issued] = offers_propose(shipment=late_shipment(), now=now - timedelta(days=20))
    offer_issue(offer_id=issued.pk, now=now - timedelta(days=20))
    assert money(budget) == (Decimal("3000"), Decimal("2000"))

    assert offers_expire(now=now) == 2

    assert money(budget) == (Decimal("0"), Decimal("0"))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.reserved) == (OfferStatus.EXPIRED, Decimal("0"))


def test_no_budget_means_the_proposal_waits_and_approval_is_refused(db, agent, manager):
    offer = manual(agent, 3000)
    assert (offer.status, offer.reserved, offer.budget) == (OfferStatus.PROPOSED, 0, None)
    with pytest.raises(NoBudget) as refused:
        offer_approve(offer=offer, manager=manager)
    assert refused.value.status_code == 409
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PROPOSED


def test_a_budget_of_another_period_or_currency_does_not_pay(db, agent, manager):
    today = timezone.localdate()
    BudgetFactory(period_start=today - timedelta(days=60), period_end=today - timedelta(days=31))
    BudgetFactory(currency="USD")
    offer = manual(agent, 3000)
    with pytest.raises(NoBudget):
        offer_approve(offer=offer, manager=manager)


def test_an_offer_that_does_not_fit_is_not_reserved_and_cannot_be_approved(db, agent, manager):
    budget = wide_budget(amount=Decimal("5000"))
    first = manual(agent, 4000)
    second = manual(agent, 2000)
    assert (first.reserved, second.reserved) == (Decimal("4000"), Decimal("0"))
    with pytest.raises(BudgetExhausted) as refused:
        offer_approve(offer=second, manager=manager)
    assert refused.value.extra == {"budget": budget.name, "available": "₩1,000"}
    assert money(budget) == (Decimal("4000"), Decimal("0"))
    # Once the first is rejected, the second fits.
    offer_reject(offer=first, manager=manager, reason="No")
    offer_approve(offer=second, manager=manager)
    assert money(budget) == (Decimal("2000"), Decimal("0"))


def test_an_automatic_offer_over_the_budget_waits_for_a_manager(db):
    wide_budget(amount=Decimal("1000"))
    CompensationRuleFactory(amount=Decimal("3000"), approval_threshold=Decimal("5000"))
    [offer] = offers_propose(shipment=late_shipment())
    assert (offer.status, offer.reserved) == (OfferStatus.PROPOSED, Decimal("0"))


def test_the_budget_is_never_exceeded_by_the_proposals_of_one_batch(db):
    budget = wide_budget(amount=Decimal("10000"))
    CompensationRuleFactory(amount=Decimal("3000"))
    shipments = [late_shipment() for _ in range(5)]
    offers = [offer for s in shipments for offer in offers_propose(shipment=s)]
    assert [offer.status for offer in offers] == [OfferStatus.APPROVED] * 3 + [
        OfferStatus.PROPOSED
    ] * 2
    assert money(budget) == (Decimal("9000"), Decimal("0"))


def test_the_database_refuses_a_budget_over_its_amount(db):
    budget = wide_budget(amount=Decimal("100"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=budget.pk).update(reserved=60, spent=50)


def test_the_carriers_own_budget_pays_before_the_general_one(db, agent, manager):
    carrier = CarrierFactory(code="cj")
    general = wide_budget(name="General", amount=Decimal("100000"))
    own = wide_budget(name="CJ", carrier=carrier, amount=Decimal("5000"))
    first = manual(agent, 4000, shipment=late_shipment(carrier=carrier))
    assert first.budget == own
    # The carrier's budget has ₩1,000 left: the general one pays the next ₩2,000.
    second = manual(agent, 2000, shipment=late_shipment(carrier=carrier))
    assert second.budget == general
    other = manual(agent, 2000, shipment=late_shipment())
    assert other.budget == general
    assert money(own) == (Decimal("4000"), Decimal("0"))
    assert money(general) == (Decimal("4000"), Decimal("0"))


def test_approval_uses_the_carriers_budget_then_the_general_one(db, manager, other_manager):
    carrier = CarrierFactory(code="cj")
    proposer = manager
    offers = [manual(proposer, 3000, shipment=late_shipment(carrier=carrier)) for _ in range(2)]
    own = wide_budget(name="CJ", carrier=carrier, amount=Decimal("4000"))
    general = wide_budget(name="General", amount=Decimal("4000"))
    approved = [offer_approve(offer=offer, manager=other_manager) for offer in offers]
    assert [offer.budget for offer in approved] == [own, general]
    assert money(own) == (Decimal("3000"), Decimal("0"))
    assert money(general) == (Decimal("3000"), Decimal("0"))
    third = manual(proposer, 3000, shipment=late_shipment(carrier=carrier))
    assert third.reserved == 0
    with pytest.raises(BudgetExhausted):
        offer_approve(offer=third, manager=other_manager)
