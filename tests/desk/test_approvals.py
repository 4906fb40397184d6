"""/desk/approvals/: proposals waiting, decided in place through the compensation services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.compensation.models import Offer, OfferStatus
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    CompensationRuleFactory,
    OfferFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

APPROVALS = "/desk/approvals/"
HTMX = {"HTTP_HX_REQUEST": "true"}


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


def test_the_address_and_name():
    assert reverse("desk:approvals") == APPROVALS


@pytest.mark.parametrize("count", [10, 500])
def test_query_count_does_not_grow(client, manager, agent, django_assert_max_num_queries, count):
    _many_proposed(count, agent=agent)
    client.force_login(manager)
    # Session, user, permissions (2), the page of offers joined, the count, today's budgets.
    with django_assert_max_num_queries(8):
        response = client.get(APPROVALS)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{count} offers wait for a manager" in body
    assert "<script>alert(" not in body and "&lt;script&gt;alert(" in body
    assert len(response.context["cards"]) == min(count, 50)


def test_agent_is_refused(client, agent):
    client.force_login(agent)
    assert client.get(APPROVALS).status_code == 403
    assert client.post(APPROVALS, {"op": "approve", "offer": 1}).status_code == 403


def test_signed_out_goes_to_login(client):
    response = client.get(APPROVALS)
    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")


def test_approve_and_reject_redirect_after_post(
    client, manager, django_capture_on_commit_callbacks
):
    budget = BudgetFactory(amount=Decimal("100000"))
    first, second = _proposed(2, budget=budget)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(APPROVALS, {"op": "approve", "offer": first.pk})
    assert response.status_code == 302 and response["Location"] == APPROVALS
    page = client.get(APPROVALS).content.decode()
    assert f"Offer {first.pk} approved: ₩12,000" in page
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
    # A reload of the redirect repeats nothing; posting again is refused by the service.
    again = client.post(APPROVALS, {"op": "approve", "offer": first.pk}, follow=True)
    assert "was decided meanwhile: it is now" in again.content.decode()


def test_htmx_decision_swaps_the_card(client, manager):
    (offer,) = _proposed(1, budget=BudgetFactory())
    client.force_login(manager)
    response = client.post(APPROVALS, {"op": "approve", "offer": offer.pk}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="offer-{offer.pk}"' in body and "approved" in body
    assert "<html" not in body
    # The count and the budgets left are swapped too (out of band).
    assert 'id="approval-waiting" hx-swap-oob="true"' in body and "0 offers wait" in body
    assert 'id="approval-budgets"' in body


def test_own_proposal_is_shown_disabled_and_refused(client, manager):
    (offer,) = _proposed(1, proposer=manager, budget=BudgetFactory())
    client.force_login(manager)
    page = client.get(APPROVALS).content.decode()
    assert "Your own proposal: another manager approves or rejects it." in page
    assert "disabled" in page
    response = client.post(APPROVALS, {"op": "approve", "offer": offer.pk}, follow=True)
    assert (
        "cannot be approved or rejected by the person who proposed it" in response.content.decode()
    )
    response = client.post(APPROVALS, {"op": "approve", "offer": offer.pk}, **HTMX)
    assert "cannot be approved or rejected" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PROPOSED


def test_another_manager_approves_it(client, manager, other_manager):
    (offer,) = _proposed(1, proposer=manager, budget=BudgetFactory())
    client.force_login(other_manager)
    client.post(APPROVALS, {"op": "approve", "offer": offer.pk})
    offer.refresh_from_db()
    assert offer.status in (OfferStatus.APPROVED, OfferStatus.ISSUED)


def test_bad_posts_are_messages_not_errors(client, manager):
    client.force_login(manager)
    for data, text in (
        ({"op": "approve", "offer": "x"}, "Choose an offer."),
        ({"op": "approve", "offer": 999999}, "No such offer."),
        ({"op": "explode", "offer": 1}, "Unknown action."),
        ({}, "Choose an offer."),
    ):
        response = client.post(APPROVALS, data, follow=True)
        assert response.status_code == 200
        assert text in response.content.decode()
        assert client.post(APPROVALS, data, **HTMX).status_code == 200


def test_budget_left_is_shown(client, manager):
    budget = BudgetFactory(name="December", amount=Decimal("50000"))
    _proposed(1, budget=budget)
    client.force_login(manager)
    page = client.get(APPROVALS).content.decode()
    assert "Budget left today" in page and "December" in page and "₩50,000" in page


def test_pages_by_cursor(client, manager):
    _proposed(55, budget=BudgetFactory())
    client.force_login(manager)
    first = client.get(APPROVALS)
    cursor = first.context["next_cursor"]
    assert cursor and len(first.context["cards"]) == 50
    second = client.get(APPROVALS, {"after": cursor})
    assert len(second.context["cards"]) == 5
    shown = {card["offer"].pk for card in first.context["cards"]} | {
        card["offer"].pk for card in second.context["cards"]
    }
    assert len(shown) == 55
    assert client.get(APPROVALS, {"after": "garbage"}).status_code == 200


def test_an_offer_decided_meanwhile_is_a_clear_message(client, manager, other_manager):
    (offer,) = _proposed(1, budget=BudgetFactory())
    client.force_login(manager)
    client.get(APPROVALS)
    client_two = type(client)()
    client_two.force_login(other_manager)
    client_two.post(APPROVALS, {"op": "reject", "offer": offer.pk, "reason": "Duplicate"})
    response = client.post(APPROVALS, {"op": "approve", "offer": offer.pk}, **HTMX)
    assert response.status_code == 200
    assert f"Offer {offer.pk} was decided meanwhile: it is now rejected." in (
        response.content.decode()
    )
