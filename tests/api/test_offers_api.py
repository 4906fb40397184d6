"""/api/v1/offers/: the desk and integrations list, propose, approve and reject compensation.

The same rules as the desk: view_offer to read, propose_offer to propose, approve_offer to
decide, and never the proposer's own approval — checked by the view and again by the service.
"""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.compensation.models import ActionKind, Offer, OfferEvent, OfferStatus, Preset, Voucher
from apps.compensation.services import offer_propose_manual
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    CompensationRuleFactory,
    OfferFactory,
    ShipmentFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OFFERS_URL = "/api/v1/offers/"
REASON = "Parcel crushed in transit and late; the customer called twice."

ROW_FIELDS = {
    "id",
    "shipment",
    "ticket",
    "kind",
    "currency",
    "amount",
    "explanation",
    "status",
    "stacking_group",
    "choice_group",
    "rule",
    "rule_version",
    "proposed_by",
    "manual_reason",
    "decided_by",
    "decision_reason",
    "created_at",
    "decided_at",
    "issued_at",
    "expires_at",
    "responded_at",
    "voucher_code",
}


def _detail_url(offer) -> str:
    return f"{OFFERS_URL}{offer.pk}/"


def _approve_url(offer) -> str:
    return f"{OFFERS_URL}{offer.pk}/approve/"


def _reject_url(offer) -> str:
    return f"{OFFERS_URL}{offer.pk}/reject/"


def _client_for(user) -> APIClient:
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def _system_with(*codenames: str):
    """A non-staff system user granted exactly these compensation permissions."""
    user = UserFactory(username="shop-system", is_staff=False)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="compensation", codename__in=codenames)
    )
    return user


@pytest.fixture
def budget(db):
    return BudgetFactory(amount=Decimal("1000000"))


@pytest.fixture
def late_shipment(customer):
    """Two business days late through the carrier's fault, on a ₩3,000 fare."""
    now = timezone.now()
    return ShipmentFactory(
        carrier=CarrierFactory(code="cj"),
        customer=customer,
        tracking_number="CJ1000",
        shipping_fee=Decimal("3000"),
        promised_start=now - timedelta(days=4),
        promised_end=now - timedelta(days=3),
        is_delayed=True,
        delay_reason="capacity",
        delay_detected_at=now - timedelta(days=3),
        delay_hours=50,
        delay_business_days=2,
    )


@pytest.fixture
def ticket(late_shipment):
    return TicketFactory(shipment=late_shipment, customer=late_shipment.customer)


@pytest.fixture
def standard_terms():
    """fare × days late × 50%, capped at 2 × fare: ₩3,000 here, waiting for a manager."""
    return CompensationRuleFactory(
        name="Standard parcel terms",
        preset=Preset.KR_STANDARD_LATE,
        action=ActionKind.FARE_FORMULA,
        rate=Decimal("0.5"),
        cap_fare_multiple=Decimal("2"),
        approval_threshold=Decimal("1000"),
    )


@pytest.fixture
def proposed(late_shipment, ticket, agent, budget):
    """Alice's manual offer of ₩5,000, waiting for a manager."""
    return offer_propose_manual(
        shipment=late_shipment,
        ticket=ticket,
        agent=agent,
        kind=ActionKind.STORE_CREDIT,
        amount=Decimal("5000"),
        reason=REASON,
    )


def _manual_body(shipment, **overrides) -> dict:
    body = {
        "shipment": shipment.pk,
        "kind": "store_credit",
        "amount": "5000",
        "reason": REASON,
    }
    body.update(overrides)
    return body


# --- Who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "list"), ("post", "list"), ("get", "detail"), ("post", "approve"), ("post", "reject")],
)
def test_anonymous_requests_are_refused_with_401(proposed, method, url):
    target = {
        "list": OFFERS_URL,
        "detail": _detail_url(proposed),
        "approve": _approve_url(proposed),
        "reject": _reject_url(proposed),
    }[url]

    response = getattr(APIClient(), method)(target, {}, format="json")

    assert response.status_code == 401


def test_staff_without_a_role_is_refused_with_403(stranger, proposed, late_shipment):
    api = _client_for(stranger)

    assert api.get(OFFERS_URL).status_code == 403
    assert api.get(_detail_url(proposed)).status_code == 403
    assert api.post(OFFERS_URL, _manual_body(late_shipment), format="json").status_code == 403
    assert api.post(_approve_url(proposed)).status_code == 403
    assert api.post(_reject_url(proposed), {"reason": "No."}, format="json").status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == OfferStatus.PROPOSED
    assert Offer.objects.count() == 1


def test_reading_offers_does_not_allow_proposing_them(late_shipment, budget):
    api = _client_for(_system_with("view_offer"))

    assert api.get(OFFERS_URL).status_code == 200
    response = api.post(OFFERS_URL, {"shipment": late_shipment.pk, "by_rules": True}, format="json")

    assert response.status_code == 403
    assert not Offer.objects.exists()


def test_an_agent_cannot_approve_or_reject(proposed, other_agent):
    api = _client_for(other_agent)

    approve = api.post(_approve_url(proposed))
    reject = api.post(_reject_url(proposed), {"reason": "Too much."}, format="json")

    assert approve.status_code == 403
    assert reject.status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == OfferStatus.PROPOSED
    assert proposed.decided_by is None


# --- List and detail -------------------------------------------------------------------------


def test_list_rows_carry_the_parcel_the_ticket_the_rule_and_the_people(
    agent, late_shipment, ticket, standard_terms, budget
):
    rule_offer = OfferFactory(
        shipment=late_shipment,
        ticket=ticket,
        rule=standard_terms,
        rule_version=3,
        stacking_group="delay",
        amount=Decimal("3000"),
    )

    response = _client_for(agent).get(OFFERS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    (row,) = body["results"]
    assert set(row) == ROW_FIELDS
    assert row["id"] == rule_offer.pk
    assert row["shipment"] == {"id": late_shipment.pk, "tracking_number": "CJ1000"}
    assert row["ticket"] == {"id": ticket.pk, "reference": ticket.reference}
    assert row["amount"] == "3000.00"
    assert row["currency"] == "KRW"
    assert row["kind"] == "fixed_coupon"
    assert row["status"] == "proposed"
    assert row["rule"] == standard_terms.pk
    assert row["rule_version"] == 3
    assert row["proposed_by"] is None
    assert row["decided_by"] is None
    assert row["voucher_code"] is None


def test_a_manual_offer_names_its_proposer_and_reason(agent, proposed):
    row = _client_for(agent).get(_detail_url(proposed)).json()

    assert row["proposed_by"] == "alice"
    assert row["manual_reason"] == REASON
    assert row["rule"] is None
    assert row["stacking_group"] == "manual"


def test_the_voucher_code_is_shown_once_issued_to_whoever_may_view_vouchers(agent, late_shipment):
    issued = OfferFactory(
        shipment=late_shipment, status=OfferStatus.ISSUED, issued_at=timezone.now()
    )
    voucher = Voucher.objects.create(offer=issued, code="ABCD-EFGH-IJKL-MNOP-QRST-UVWX")
    reader = _system_with("view_offer")

    for_the_desk = _client_for(agent).get(_detail_url(issued)).json()
    for_a_reader = _client_for(reader).get(_detail_url(issued)).json()

    assert for_the_desk["voucher_code"] == voucher.code
    assert for_a_reader["voucher_code"] is None
    assert for_a_reader["status"] == "issued"


def test_detail_of_an_unknown_offer_is_404(agent):
    response = _client_for(agent).get(f"{OFFERS_URL}999999/")

    assert response.status_code == 404


def test_list_filters_by_status_shipment_ticket_and_carrier(agent, late_shipment, ticket):
    mine = OfferFactory(shipment=late_shipment, ticket=ticket, status=OfferStatus.APPROVED)
    other = OfferFactory(shipment=ShipmentFactory(carrier=CarrierFactory(code="hanjin")))
    api = _client_for(agent)

    def ids(**query):
        response = api.get(OFFERS_URL, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [other.pk, mine.pk]
    assert ids(status="approved") == [mine.pk]
    assert ids(status="proposed") == [other.pk]
    assert ids(shipment=late_shipment.pk) == [mine.pk]
    assert ids(ticket=ticket.pk) == [mine.pk]
    assert ids(carrier="hanjin") == [other.pk]
    assert ids(carrier="lotte") == []


def test_an_unknown_status_filter_is_400_naming_it(agent):
    response = _client_for(agent).get(OFFERS_URL, {"status": "paid"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_offer_pages_follow_the_cursor(agent):
    offers = [OfferFactory() for _ in range(3)]
    api = _client_for(agent)

    first = api.get(OFFERS_URL, {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert "cursor" in parse_qs(urlparse(first["next"]).query)
    assert len(first["results"]) == 2
    assert second["next"] is None
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert seen == [offer.pk for offer in reversed(offers)]


def _offers_in_every_state(count: int, *, agent, manager) -> None:
    for n in range(count):
        shipment = ShipmentFactory()
        status = [OfferStatus.PROPOSED, OfferStatus.REJECTED, OfferStatus.ISSUED][n % 3]
        offer = OfferFactory(
            shipment=shipment,
            ticket=TicketFactory(shipment=shipment, customer=shipment.customer),
            status=status,
            proposed_by=agent,
            manual_reason="Goodwill",
            decided_by=None if status == OfferStatus.PROPOSED else manager,
        )
        if status == OfferStatus.ISSUED:
            Voucher.objects.create(offer=offer, code=f"CODE-{n:04d}")


@pytest.mark.parametrize("count", [10, 50])
def test_listing_offers_costs_the_same_queries_for_10_or_50(
    count, agent, manager, django_assert_max_num_queries
):
    _offers_in_every_state(count, agent=agent, manager=manager)
    api = _client_for(agent)

    # Expect 4 queries: the token with its user, the user's and the groups' permissions (for
    # view_offer; view_voucher is then read from the cache), and the page of offers with their
    # shipment, ticket, proposer, decider and voucher joined.
    with django_assert_max_num_queries(4):
        response = api.get(OFFERS_URL, {"page_size": 50})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == count
    assert sum(row["voucher_code"] is not None for row in rows) == len(range(2, count, 3))


# --- Proposing by the rules ------------------------------------------------------------------


def test_proposing_by_the_rules_returns_the_offers_created(
    agent, late_shipment, ticket, standard_terms, budget
):
    body = {"shipment": late_shipment.pk, "ticket": ticket.pk, "by_rules": True}

    response = _client_for(agent).post(OFFERS_URL, body, format="json")

    assert response.status_code == 201, response.json()
    (row,) = response.json()
    offer = Offer.objects.get()
    assert row["id"] == offer.pk
    assert row["amount"] == "3000.00"
    assert row["kind"] == "fare_formula"
    assert row["status"] == "proposed"
    assert row["rule"] == standard_terms.pk
    assert row["rule_version"] == standard_terms.version
    assert row["proposed_by"] is None
    assert row["ticket"]["reference"] == ticket.reference
    # In the customer's language (the cast's customer reads Korean).
    assert row["explanation"].startswith("2일 지연 × ₩3,000 × 50% = ₩3,000")


def test_an_offer_under_its_threshold_is_approved_at_once(agent, late_shipment, budget):
    CompensationRuleFactory(
        action=ActionKind.FIXED_COUPON, amount=Decimal("2000"), approval_threshold=Decimal("10000")
    )

    response = _client_for(agent).post(
        OFFERS_URL, {"shipment": late_shipment.pk, "by_rules": True}, format="json"
    )

    assert response.status_code == 201
    (row,) = response.json()
    assert row["status"] == "approved"
    assert row["decided_by"] is None


def test_rules_that_grant_nothing_answer_200_with_an_empty_list(agent, budget):
    on_time = ShipmentFactory()
    CompensationRuleFactory(min_hours_late=1)

    response = _client_for(agent).post(
        OFFERS_URL, {"shipment": on_time.pk, "by_rules": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == []
    assert not Offer.objects.exists()


def test_asking_the_rules_twice_grants_nothing_twice(agent, late_shipment, standard_terms, budget):
    api = _client_for(agent)
    body = {"shipment": late_shipment.pk, "by_rules": True}

    first = api.post(OFFERS_URL, body, format="json")
    second = api.post(OFFERS_URL, body, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == []
    assert Offer.objects.count() == 1


@pytest.mark.parametrize("field", ["kind", "amount", "reason", "stacking_group"])
def test_by_the_rules_refuses_what_only_a_manual_offer_takes(agent, late_shipment, field):
    body = {"shipment": late_shipment.pk, "by_rules": True, field: "x"}

    response = _client_for(agent).post(OFFERS_URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Offer.objects.exists()


def test_a_ticket_about_another_shipment_is_refused(agent, late_shipment, standard_terms, budget):
    elsewhere = TicketFactory()

    response = _client_for(agent).post(
        OFFERS_URL,
        {"shipment": late_shipment.pk, "ticket": elsewhere.pk, "by_rules": True},
        format="json",
    )

    assert response.status_code == 400
    assert "ticket" in response.json()
    assert not Offer.objects.exists()


def test_a_system_granted_propose_offer_may_ask_the_rules(late_shipment, standard_terms, budget):
    api = _client_for(_system_with("view_offer", "propose_offer"))

    response = api.post(OFFERS_URL, {"shipment": late_shipment.pk, "by_rules": True}, format="json")

    assert response.status_code == 201
    assert Offer.objects.get().proposed_by is None


# --- Proposing a manual offer ----------------------------------------------------------------


def test_an_agent_proposes_a_manual_offer_for_a_manager_to_approve(
    agent, late_shipment, ticket, budget
):
    response = _client_for(agent).post(OFFERS_URL, _manual_body(late_shipment), format="json")

    assert response.status_code == 201, response.json()
    (row,) = response.json()
    assert row["status"] == "proposed"
    assert row["proposed_by"] == "alice"
    assert row["manual_reason"] == REASON
    assert row["amount"] == "5000.00"
    assert row["kind"] == "store_credit"
    assert row["stacking_group"] == "manual"
    # Without a ticket in the body, the shipment's open ticket.
    assert row["ticket"] == {"id": ticket.pk, "reference": ticket.reference}
    offer = Offer.objects.get()
    assert offer.proposed_by == agent
    budget.refresh_from_db()
    assert budget.reserved == Decimal("5000")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"shipment": 999999}, "shipment"),
        ({"amount": "a lot"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5000"}, "amount"),
        ({"amount": None}, "amount"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": None}, "reason"),
        ({"kind": "cash"}, "kind"),
        ({"stacking_group": "not a slug"}, "stacking_group"),
        ({"by_rules": "perhaps"}, "by_rules"),
    ],
)
def test_bad_input_is_400_naming_the_field(agent, late_shipment, budget, overrides, field):
    body = {**_manual_body(late_shipment), **overrides}
    body = {name: value for name, value in body.items() if value is not None}

    response = _client_for(agent).post(OFFERS_URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Offer.objects.exists()


def test_a_second_open_offer_in_the_same_group_is_409(agent, late_shipment, proposed):
    response = _client_for(agent).post(OFFERS_URL, _manual_body(late_shipment), format="json")

    assert response.status_code == 409
    assert response.json()["field"] == "stacking_group"
    assert Offer.objects.count() == 1


def test_another_stacking_group_stacks(agent, late_shipment, proposed):
    body = _manual_body(late_shipment, stacking_group="damage")

    response = _client_for(agent).post(OFFERS_URL, body, format="json")

    assert response.status_code == 201
    assert Offer.objects.count() == 2


def test_an_amount_over_the_per_order_cap_is_400_naming_the_amount(agent, late_shipment, budget):
    body = _manual_body(late_shipment, amount="60000")

    response = _client_for(agent).post(OFFERS_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == "amount"
    assert response.json()["allowed"] == "₩50,000"
    assert not Offer.objects.exists()


# --- Approving -------------------------------------------------------------------------------


def test_another_manager_approves_and_the_voucher_is_issued(
    proposed, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client_for(manager).post(_approve_url(proposed))

    assert response.status_code == 200, response.json()
    row = response.json()
    assert row["status"] == "approved"
    assert row["decided_by"] == "carol"
    assert row["decided_at"] is not None
    proposed.refresh_from_db()
    assert proposed.status == OfferStatus.ISSUED
    assert Voucher.objects.filter(offer=proposed).count() == 1
    assert OfferEvent.objects.filter(
        offer=proposed, to_status=OfferStatus.APPROVED, actor=manager
    ).exists()


def test_the_proposer_cannot_approve_their_own_offer(
    manager, other_manager, late_shipment, ticket, budget
):
    # Given an offer a manager proposed themselves
    own = _client_for(manager).post(OFFERS_URL, _manual_body(late_shipment), format="json")
    assert own.status_code == 201
    offer = Offer.objects.get(pk=own.json()[0]["id"])

    # When they approve or reject it, then it is refused, and the offer waits
    approve = _client_for(manager).post(_approve_url(offer))
    reject = _client_for(manager).post(_reject_url(offer), {"reason": "Mine."}, format="json")

    assert approve.status_code == 403
    assert approve.json()["detail"] == (
        "An offer cannot be approved or rejected by the person who proposed it."
    )
    assert reject.status_code == 403
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PROPOSED
    assert offer.decided_by is None
    # Another manager may.
    assert _client_for(other_manager).post(_approve_url(offer)).status_code == 200


def test_a_second_approval_is_409(proposed, manager, other_manager):
    first = _client_for(manager).post(_approve_url(proposed))
    second = _client_for(other_manager).post(_approve_url(proposed))

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json() == {
        "detail": "A compensation offer cannot move from 'approved' to 'approved'.",
        "from": "approved",
        "to": "approved",
    }
    proposed.refresh_from_db()
    assert proposed.decided_by == manager


def test_approving_without_a_budget_to_hold_it_is_409(manager, late_shipment, agent):
    # Given a proposal made while no budget covered the period
    offer = offer_propose_manual(
        shipment=late_shipment, agent=agent, kind="store_credit", amount="5000", reason=REASON
    )
    assert offer.reserved == 0

    response = _client_for(manager).post(_approve_url(offer))

    assert response.status_code == 409
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PROPOSED


def test_approving_an_unknown_offer_is_404(manager):
    response = _client_for(manager).post(f"{OFFERS_URL}999999/approve/")

    assert response.status_code == 404


# --- Rejecting -------------------------------------------------------------------------------


def test_a_manager_rejects_with_a_reason_and_the_budget_is_given_back(proposed, manager, budget):
    response = _client_for(manager).post(
        _reject_url(proposed), {"reason": "Covered by the carrier's refund."}, format="json"
    )

    assert response.status_code == 200, response.json()
    row = response.json()
    assert row["status"] == "rejected"
    assert row["decided_by"] == "carol"
    assert row["decision_reason"] == "Covered by the carrier's refund."
    budget.refresh_from_db()
    assert budget.reserved == 0
    assert OfferEvent.objects.filter(
        offer=proposed, to_status=OfferStatus.REJECTED, actor=manager
    ).exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}])
def test_rejecting_without_a_reason_is_400_naming_it(proposed, manager, body):
    response = _client_for(manager).post(_reject_url(proposed), body, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    proposed.refresh_from_db()
    assert proposed.status == OfferStatus.PROPOSED


def test_rejecting_an_approved_offer_is_409(proposed, manager, other_manager):
    assert _client_for(manager).post(_approve_url(proposed)).status_code == 200

    response = _client_for(other_manager).post(
        _reject_url(proposed), {"reason": "Changed my mind."}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["from"] == "approved"
    proposed.refresh_from_db()
    assert proposed.status == OfferStatus.APPROVED


def test_rejecting_an_unknown_offer_is_404(manager):
    response = _client_for(manager).post(
        f"{OFFERS_URL}999999/reject/", {"reason": "No."}, format="json"
    )

    assert response.status_code == 404


# --- Schema ----------------------------------------------------------------------------------


def test_the_schema_documents_the_offer_endpoints():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths[OFFERS_URL]) >= {"get", "post"}
    assert "get" in paths["/api/v1/offers/{offer_id}/"]
    assert "post" in paths["/api/v1/offers/{offer_id}/approve/"]
    assert "post" in paths["/api/v1/offers/{offer_id}/reject/"]
    created = paths[OFFERS_URL]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["type"] == "array"
