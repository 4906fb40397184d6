"""Offers nobody answered in time: expired, money back, the customer told once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.compensation.errors import OfferExpired
from apps.compensation.models import OfferStatus
from apps.compensation.services import (
    offer_accept,
    offer_decline,
    offer_issue,
    offer_propose_manual,
    offers_expire,
    offers_propose,
)
from apps.notifications.models import Notification
from tests.compensation.test_services import late_shipment, ticket_of, wide_budget
from tests.factories import CompensationRuleFactory


@pytest.fixture
def budget(db):
    return wide_budget(amount=Decimal("100000"))


@pytest.fixture
def issued(budget):
    """An offer issued 15 days ago on its ticket: its 14 days to answer are over."""
    CompensationRuleFactory(amount=Decimal("2000"))
    ticket = ticket_of(late_shipment())
    then = timezone.now() - timedelta(days=15)
    [offer] = offers_propose(ticket=ticket, now=then)
    offer = offer_issue(offer_id=offer.pk, now=then)
    assert offer.expires_at == then + timedelta(days=14)
    return ticket, offer


def test_a_proposal_older_than_the_proposal_days_expires_silently(budget, agent):
    now = timezone.now()
    old = offer_propose_manual(
        shipment=late_shipment(),
        agent=agent,
        kind="points",
        amount=500,
        reason="x",
        now=now - timedelta(days=7, seconds=1),
    )
    young = offer_propose_manual(
        shipment=late_shipment(),
        agent=agent,
        kind="points",
        amount=500,
        reason="x",
        now=now - timedelta(days=6, hours=23),
    )

    assert offers_expire(now=now) == 1

    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.status, young.status) == (OfferStatus.EXPIRED, OfferStatus.PROPOSED)
    assert old.events.last().note == "No manager decided in time."
    assert not Notification.objects.filter(subject_type="offer").exists()
    budget.refresh_from_db()
    assert budget.reserved == Decimal("500")


def test_an_approved_offer_is_issued_not_expired_by_age(db):
    now = timezone.now()
    wide_budget()
    CompensationRuleFactory()
    [offer] = offers_propose(shipment=late_shipment(), now=now - timedelta(days=30))
    assert offer.status == OfferStatus.APPROVED
    assert offers_expire(now=now) == 0
    offer.refresh_from_db()
    assert offer.status == OfferStatus.APPROVED


def test_an_issued_offer_expires_after_its_answer_time_and_the_customer_is_told_once(issued):
    ticket, offer = issued
    assert offers_expire(now=offer.expires_at - timedelta(seconds=1)) == 0

    assert offers_expire() == 1
    assert offers_expire() == 0

    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert offer.events.last().note == "The customer did not answer in time."
    told = Notification.objects.filter(subject_type="offer", stage="offer_expired")
    assert list(told.values_list("subject_id", "channel")) == [(offer.pk, "email")]
    offer.budget.refresh_from_db()
    assert (offer.budget.reserved, offer.budget.spent) == (Decimal("0"), Decimal("0"))


def test_the_customer_cannot_accept_or_decline_past_the_answer_time(issued):
    ticket, offer = issued
    # Before the expiry run has seen it...
    with pytest.raises(OfferExpired):
        offer_accept(ticket=ticket, offer_id=offer.pk)
    with pytest.raises(OfferExpired):
        offer_decline(ticket=ticket, offer_id=offer.pk)
    # ...and after.
    offers_expire()
    with pytest.raises(OfferExpired) as refused:
        offer_accept(ticket=ticket, offer_id=offer.pk)
    assert refused.value.status_code == 409
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED


def test_an_offer_can_be_accepted_until_its_last_moment(issued):
    ticket, offer = issued
    accepted = offer_accept(
        ticket=ticket, offer_id=offer.pk, now=offer.expires_at - timedelta(seconds=1)
    )
    assert accepted.status == OfferStatus.ACCEPTED
    assert offers_expire() == 0
