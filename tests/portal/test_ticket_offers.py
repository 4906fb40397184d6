"""Compensation on the customer's ticket page: see the offer, accept it, decline it, choose one.

Only through the ticket's own link; every answer is a POST with CSRF, answered in place."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from apps.compensation.models import ActionKind, Budget, Offer, OfferStatus, Voucher
from apps.compensation.services import offer_issue
from apps.notifications.models import Notification
from tests.factories import BudgetFactory, OfferFactory, TicketFactory, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget():
    return BudgetFactory(amount=Decimal("100000"))


def _offer(ticket, budget, **kwargs):
    amount = Decimal(kwargs.pop("amount", "3000"))
    offer = OfferFactory(
        shipment=ticket.shipment,
        ticket=ticket,
        amount=amount,
        reserved=amount,
        budget=budget,
        status=OfferStatus.APPROVED,
        stacking_group=kwargs.pop("stacking_group", f"g{Offer.objects.count()}"),
        **kwargs,
    )
    Budget.objects.filter(pk=budget.pk).update(reserved=F("reserved") + amount)
    offer_issue(offer_id=offer.pk)
    offer.refresh_from_db()
    return offer


def _url(ticket, action=""):
    return f"/t/{token_for(ticket.reference)}/{action}"


def test_issued_offer_shows_with_its_explanation(client, budget):
    ticket = TicketFactory()
    _offer(ticket, budget, explanation="2 days late × ₩3,000 × 50% = ₩3,000, standard terms")
    page = client.get(_url(ticket)).content.decode()
    assert "Our apology" in page
    assert "₩3,000" in page and "2 days late × ₩3,000 × 50% = ₩3,000" in page
    assert "Accept" in page and "No, thank you" in page


def test_proposed_and_rejected_offers_stay_off_the_page(client, budget):
    ticket = TicketFactory()
    OfferFactory(shipment=ticket.shipment, ticket=ticket, explanation="secret proposal")
    OfferFactory(
        shipment=ticket.shipment,
        ticket=ticket,
        status=OfferStatus.REJECTED,
        stacking_group="x",
        explanation="rejected one",
    )
    page = client.get(_url(ticket)).content.decode()
    assert "secret proposal" not in page and "rejected one" not in page
    assert "Our apology" not in page


def test_accept_shows_the_voucher_and_tells_the_customer(client, budget):
    ticket = TicketFactory()
    offer = _offer(ticket, budget)
    response = client.post(_url(ticket, f"offers/{offer.pk}/accept/"))
    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED and offer.responded_at
    assert Voucher.objects.get(offer=offer).code in response.content.decode()
    assert Notification.objects.filter(stage="offer_accepted", subject_id=offer.pk).count() == 1
    budget.refresh_from_db()
    assert budget.spent == Decimal("3000") and budget.reserved == 0


def test_decline_gives_the_money_back(client, budget):
    ticket = TicketFactory()
    offer = _offer(ticket, budget)
    response = client.post(_url(ticket, f"offers/{offer.pk}/decline/"))
    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    budget.refresh_from_db()
    assert budget.spent == 0 and budget.reserved == 0
    # Answered once: a second answer is refused in words, not with an error page.
    again = client.post(_url(ticket, f"offers/{offer.pk}/accept/"))
    assert again.status_code == 409
    assert "This offer cannot be answered any more." in again.content.decode()


def test_choosing_one_alternative_declines_the_other(client, budget):
    ticket = TicketFactory()
    credit = _offer(ticket, budget, kind=ActionKind.STORE_CREDIT, choice_group="apology")
    refund = _offer(
        ticket, budget, kind=ActionKind.SHIPPING_REFUND, amount="2500", choice_group="apology"
    )
    page = client.get(_url(ticket)).content.decode()
    assert "Choose this one" in page
    client.post(_url(ticket, f"offers/{refund.pk}/accept/"))
    credit.refresh_from_db()
    refund.refresh_from_db()
    assert (refund.status, credit.status) == (OfferStatus.ACCEPTED, OfferStatus.DECLINED)
    budget.refresh_from_db()
    assert budget.spent == Decimal("2500")


def test_another_tickets_offer_cannot_be_answered(client, budget):
    mine, theirs = TicketFactory(), TicketFactory()
    offer = _offer(theirs, budget)
    response = client.post(_url(mine, f"offers/{offer.pk}/accept/"))
    assert response.status_code == 409
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ISSUED


def test_wrong_token_answers_nothing(client, budget):
    ticket = TicketFactory()
    offer = _offer(ticket, budget)
    response = client.post(f"/t/not-the-token-{'x' * 30}/offers/{offer.pk}/accept/")
    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ISSUED


def test_expired_offer_cannot_be_accepted(client, budget):
    ticket = TicketFactory()
    offer = _offer(ticket, budget)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(_url(ticket, f"offers/{offer.pk}/accept/"))
    assert response.status_code == 409
    assert "This offer has expired." in response.content.decode()


def test_answers_need_csrf_and_post(budget):
    ticket = TicketFactory()
    offer = _offer(ticket, budget)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(_url(ticket, f"offers/{offer.pk}/accept/")).status_code == 403
    assert strict.get(_url(ticket, f"offers/{offer.pk}/accept/")).status_code == 405
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ISSUED


def test_hostile_explanation_is_escaped(client, budget):
    ticket = TicketFactory()
    _offer(ticket, budget, explanation="<script>alert(1)</script>")
    page = client.get(_url(ticket)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_korean_page(client, budget):
    ticket = TicketFactory(language="ko")
    _offer(ticket, budget)
    page = client.get(_url(ticket), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "수락" in page
