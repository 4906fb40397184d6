"""The managers' approval queue and the cost per carrier export."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.compensation.models import Offer, OfferStatus
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    CompensationRuleFactory,
    OfferFactory,
    ShipmentFactory,
    TicketFactory,
)

APPROVALS = "/admin/compensation/offer/approvals/"


def _proposed(n, *, proposer=None, budget=None):
    offers = []
    for i in range(n):
        ticket = TicketFactory()
        offers.append(
            OfferFactory(
                shipment=ticket.shipment,
                ticket=ticket,
                amount=Decimal("12000"),
                budget=budget,
                proposed_by=proposer,
                manual_reason="Customer waited a week" if proposer else "",
                explanation=f"<script>alert({i})</script> goodwill",
            )
        )
    return offers


def _many_proposed(n, *, agent):
    """n proposals over 10 tickets (distinct stacking groups), half by the rules, half by an
    agent, with rules and two budgets: every relation a row shows."""
    budgets = [BudgetFactory(), BudgetFactory(carrier=CarrierFactory())]
    rule = CompensationRuleFactory()
    tickets = [TicketFactory() for _ in range(10)]
    Offer.objects.bulk_create(
        Offer(
            shipment_id=tickets[i % 10].shipment_id,
            ticket=tickets[i % 10],
            stacking_group=f"g{i}",
            kind="fixed_coupon",
            amount=Decimal("12000"),
            budget=budgets[i % 2],
            rule=None if i % 2 else rule,
            rule_version=None if i % 2 else 1,
            proposed_by=agent if i % 2 else None,
            manual_reason="Customer waited a week" if i % 2 else "",
            explanation=f"<script>alert({i})</script> goodwill",
        )
        for i in range(n)
    )


@pytest.mark.parametrize("count", [10, 500])
def test_queue_query_count_does_not_grow(
    client, manager, agent, django_assert_max_num_queries, count
):
    _many_proposed(count, agent=agent)
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        response = client.get(APPROVALS)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{count} offers wait for a manager" in body
    assert "<script>alert(" not in body and "&lt;script&gt;alert(" in body


def test_agent_cannot_open_the_queue(client, agent):
    client.force_login(agent)
    assert client.get(APPROVALS).status_code == 403


def test_approve_and_reject_from_the_queue(client, manager, django_capture_on_commit_callbacks):
    budget = BudgetFactory(amount=Decimal("100000"))
    first, second = _proposed(2, budget=budget)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(APPROVALS, {"op": "approve", "offer": first.pk}, follow=True)
    assert "approved" in response.content.decode()
    first.refresh_from_db()
    assert first.status == OfferStatus.ISSUED and first.decided_by == manager
    response = client.post(
        APPROVALS, {"op": "reject", "offer": second.pk, "reason": ""}, follow=True
    )
    assert "Please give a reason." in response.content.decode()
    second.refresh_from_db()
    assert second.status == OfferStatus.PROPOSED
    client.post(APPROVALS, {"op": "reject", "offer": second.pk, "reason": "Not our fault"})
    second.refresh_from_db()
    assert second.status == OfferStatus.REJECTED and second.decision_reason == "Not our fault"


def test_own_proposal_cannot_be_approved_here(client, manager):
    (offer,) = _proposed(1, proposer=manager, budget=BudgetFactory())
    client.force_login(manager)
    page = client.get(APPROVALS).content.decode()
    assert "Your own proposal" in page
    response = client.post(APPROVALS, {"op": "approve", "offer": offer.pk}, follow=True)
    assert (
        "cannot be approved or rejected by the person who proposed it" in response.content.decode()
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PROPOSED


def test_bad_posts_are_messages_not_errors(client, manager):
    client.force_login(manager)
    assert (
        "Choose an offer."
        in client.post(APPROVALS, {"op": "approve", "offer": "x"}, follow=True).content.decode()
    )
    assert (
        "No such offer."
        in client.post(APPROVALS, {"op": "approve", "offer": 999999}, follow=True).content.decode()
    )


def test_queue_pages_by_cursor(client, manager):
    _proposed(55, budget=BudgetFactory())
    client.force_login(manager)
    first = client.get(APPROVALS)
    cursor = first.context["next_cursor"]
    assert cursor and len(first.context["rows"]) == 50
    second = client.get(APPROVALS, {"after": cursor})
    assert len(second.context["rows"]) == 5
    shown = {row["offer"].pk for row in first.context["rows"]} | {
        row["offer"].pk for row in second.context["rows"]
    }
    assert len(shown) == 55


def test_cost_per_carrier_csv(client, manager):
    now = timezone.now()
    fast = CarrierFactory(name="=Fast Parcel")
    slow = CarrierFactory(name="Slow Post")
    for carrier, amount, status, reason in (
        (fast, "3000", OfferStatus.ACCEPTED, "capacity"),
        (fast, "2000", OfferStatus.ISSUED, "weather"),
        (slow, "6000", OfferStatus.ACCEPTED, "sorting_error"),
        (slow, "9999", OfferStatus.REJECTED, "sorting_error"),
    ):
        shipment = ShipmentFactory(carrier=carrier, delay_reason=reason)
        OfferFactory(shipment=shipment, amount=Decimal(amount), status=status, issued_at=now)
    client.force_login(manager)
    day = timezone.localdate().isoformat()
    response = client.get(
        reverse("admin:compensation_offer_cost"), {"start": day, "end": day, "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "carrier"
    assert rows[1:] == [
        ["'=Fast Parcel", "KRW", "2", "1", "5000", "3000", "3000"],
        ["Slow Post", "KRW", "1", "1", "6000", "6000", "6000"],
    ]


def test_cost_bad_period_is_a_form_error(client, manager):
    client.force_login(manager)
    response = client.get(
        reverse("admin:compensation_offer_cost"), {"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "The end comes before the start." in response.content.decode()


def test_agent_cannot_export(client, agent):
    client.force_login(agent)
    assert client.get(reverse("admin:compensation_offer_cost")).status_code == 403


def _late_ticket():
    now = timezone.now()
    shipment = ShipmentFactory(
        promised_start=now - timedelta(days=4),
        promised_end=now - timedelta(days=3),
        delay_reason="capacity",
        delay_detected_at=now - timedelta(days=3),
        delay_hours=50,
        delay_business_days=2,
    )
    return TicketFactory(shipment=shipment, customer=shipment.customer)


def test_workspace_proposes_by_rules_and_by_hand(client, agent, django_capture_on_commit_callbacks):
    from apps.compensation.models import ActionKind, Offer
    from tests.factories import CompensationRuleFactory

    ticket = _late_ticket()
    CompensationRuleFactory(
        action=ActionKind.FARE_FORMULA, rate=Decimal("0.5"), approval_threshold=Decimal("1000")
    )
    BudgetFactory()
    url = reverse("admin:tickets_ticket_work", args=[ticket.pk])
    client.force_login(agent)
    response = client.post(url, {"op": "offers_propose"}, follow=True)
    body = response.content.decode()
    assert "1 offer(s) proposed, ₩3,000 in all." in body
    assert "wait(s) for a manager" in body
    response = client.post(
        url,
        {"op": "offer_manual", "kind": "store_credit", "amount": "abc", "reason": ""},
        follow=True,
    )
    assert "Amount: Enter a number." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "op": "offer_manual",
                "kind": "store_credit",
                "amount": "2000",
                "reason": "<b>sorry</b>",
            },
            follow=True,
        )
    body = response.content.decode()
    assert "Offer proposed: ₩2,000" in body
    assert "&lt;b&gt;sorry&lt;/b&gt;" in body and "<b>sorry</b>" not in body
    assert Offer.objects.filter(ticket=ticket).count() == 2
    response = client.post(url, {"op": "offers_propose"}, follow=True)
    assert "The rules grant nothing more" in response.content.decode()
