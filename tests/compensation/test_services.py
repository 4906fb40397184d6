"""Proposing, approving, rejecting, issuing and answering offers through the services."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.compensation.errors import (
    AmountInvalid,
    ApprovalNotAllowed,
    OfferAlreadyOpen,
    OfferNotForThisTicket,
    OfferTransitionRefused,
    OverCap,
    ProposalNotAllowed,
    ReasonRequired,
    SelfApprovalRefused,
)
from apps.compensation.models import (
    ActionKind,
    Offer,
    OfferEvent,
    OfferStatus,
    Preset,
    Voucher,
)
from apps.compensation.services import (
    offer_accept,
    offer_approve,
    offer_decline,
    offer_issue,
    offer_propose_manual,
    offer_reject,
    offers_propose,
    offers_propose_bulk,
    rules_in_force,
)
from apps.shipments.models import Fault, PromiseType
from apps.tickets.models import Ticket
from tests.factories import (
    BudgetFactory,
    CompensationRuleFactory,
    CustomerFactory,
    ShipmentFactory,
    TicketFactory,
)

NO_FAULT_OF_CARRIER = [Fault.FORCE_MAJEURE, Fault.CONSIGNEE]


def late_shipment(*, hours=50, days=2, reason="capacity", **fields):
    now = timezone.now()
    fields.setdefault("promised_start", now - timedelta(days=days + 2))
    fields.setdefault("promised_end", now - timedelta(days=days + 1))
    return ShipmentFactory(
        is_delayed=True,
        delay_reason=reason,
        delay_detected_at=now - timedelta(hours=hours),
        delay_hours=hours,
        delay_business_days=days,
        **fields,
    )


def ticket_of(shipment, **fields):
    return TicketFactory(shipment=shipment, customer=shipment.customer, **fields)


def grow(shipment, *, hours, days):
    shipment.delay_hours, shipment.delay_business_days = hours, days
    shipment.save(update_fields=["delay_hours", "delay_business_days"])


def presets() -> dict:
    """The shipped presets, with the numbers of the documented example."""
    return {
        "needed_by": CompensationRuleFactory(
            name="Korean standard parcel terms — needed on a date",
            preset=Preset.KR_STANDARD_NEEDED_BY,
            priority=5,
            min_hours_late=1,
            promise_types=[PromiseType.NEEDED_BY],
            exempt_faults=NO_FAULT_OF_CARRIER,
            action=ActionKind.FARE_FORMULA,
            rate=Decimal("2.00"),
            cap_fare_multiple=Decimal("2.00"),
            approval_threshold=Decimal("10000"),
        ),
        "kr_late": CompensationRuleFactory(
            name="Korean standard parcel terms — late",
            preset=Preset.KR_STANDARD_LATE,
            priority=10,
            min_business_days_late=1,
            exempt_faults=NO_FAULT_OF_CARRIER,
            action=ActionKind.FARE_FORMULA,
            rate=Decimal("0.50"),
            cap_fare_multiple=Decimal("2.00"),
            approval_threshold=Decimal("5000"),
        ),
        "guarantee": CompensationRuleFactory(
            name="Retail guarantee — shipping fee refund",
            preset=Preset.RETAIL_GUARANTEE,
            priority=20,
            stacking_group="guarantee",
            min_hours_late=1,
            promise_types=[PromiseType.GUARANTEED],
            action=ActionKind.SHIPPING_REFUND,
            percent=Decimal("100"),
            approval_threshold=Decimal("10000"),
        ),
        "goodwill_1": CompensationRuleFactory(
            name="Goodwill coupon — a day late",
            preset=Preset.GOODWILL,
            priority=50,
            stacking_group="goodwill",
            min_hours_late=24,
            max_hours_late=71,
            max_previous_grants=2,
            action=ActionKind.FIXED_COUPON,
            amount=Decimal("2000"),
            coupon_min_order=Decimal("20000"),
            valid_days=30,
            approval_threshold=Decimal("5000"),
        ),
        "goodwill_3": CompensationRuleFactory(
            name="Goodwill coupon — three days late or more",
            preset=Preset.GOODWILL,
            priority=51,
            stacking_group="goodwill",
            min_hours_late=72,
            max_previous_grants=2,
            action=ActionKind.FIXED_COUPON,
            amount=Decimal("5000"),
            coupon_min_order=Decimal("30000"),
            valid_days=30,
            approval_threshold=Decimal("5000"),
        ),
    }


def offered(offers) -> dict:
    return {offer.stacking_group: (offer.amount, offer.status) for offer in offers}


def wide_budget(**fields):
    """A budget covering 40 days back and forward, so a test does not depend on the date
    (offers made weeks ago; the factory's month misses the 31st)."""
    today = timezone.localdate()
    return BudgetFactory(
        period_start=today - timedelta(days=40), period_end=today + timedelta(days=40), **fields
    )


@pytest.fixture
def budget(db):
    return wide_budget(amount=Decimal("1000000"))


# --- Presets, end to end -----------------------------------------------------------------------


def test_presets_two_days_late_standard_terms_and_a_goodwill_coupon(budget):
    rules = presets()
    ticket = ticket_of(late_shipment(hours=50, days=2))

    offers = offers_propose(ticket=ticket)

    assert offered(offers) == {
        "delay": (Decimal("3000"), OfferStatus.APPROVED),
        "goodwill": (Decimal("2000"), OfferStatus.APPROVED),
    }
    delay = next(offer for offer in offers if offer.stacking_group == "delay")
    assert delay.rule == rules["kr_late"]
    assert delay.rule_version == 1
    assert delay.ticket == ticket
    assert delay.explanation == (
        "2 days late × ₩3,000 × 50% = ₩3,000, Korean standard parcel terms: late"
    )
    budget.refresh_from_db()
    assert (budget.reserved, budget.spent) == (Decimal("5000"), Decimal("0"))


def test_presets_five_days_late_cap_waits_for_a_manager(budget):
    presets()
    offers = offers_propose(shipment=late_shipment(hours=130, days=5))
    # ₩7,500 capped at ₩6,000 is over the ₩5,000 threshold; the ₩5,000 coupon is at it.
    assert offered(offers) == {
        "delay": (Decimal("6000"), OfferStatus.PROPOSED),
        "goodwill": (Decimal("5000"), OfferStatus.APPROVED),
    }


def test_presets_needed_on_a_date_pays_200_percent_of_the_fare(budget):
    presets()
    shipment = late_shipment(hours=30, days=1, promise_type=PromiseType.NEEDED_BY)
    offers = offers_propose(shipment=shipment)
    assert offered(offers) == {
        "delay": (Decimal("6000"), OfferStatus.APPROVED),
        "goodwill": (Decimal("2000"), OfferStatus.APPROVED),
    }
    delay = next(offer for offer in offers if offer.stacking_group == "delay")
    assert delay.explanation == (
        "1 day late × ₩3,000 × 200% = ₩6,000, Korean standard parcel terms: needed on a date"
    )


def test_presets_missed_guarantee_refunds_the_fee_on_top(budget):
    presets()
    shipment = late_shipment(hours=30, days=1, promise_type=PromiseType.GUARANTEED)
    offers = offers_propose(shipment=shipment)
    assert offered(offers) == {
        "delay": (Decimal("1500"), OfferStatus.APPROVED),
        "guarantee": (Decimal("3000"), OfferStatus.APPROVED),
        "goodwill": (Decimal("2000"), OfferStatus.APPROVED),
    }
    guarantee = next(offer for offer in offers if offer.stacking_group == "guarantee")
    assert guarantee.explanation == (
        "100% of the shipping fee ₩3,000 refunded = ₩3,000, Retail delivery guarantee"
    )


@pytest.mark.parametrize("reason", ["weather", "force_majeure", "not_home", "wrong_address"])
def test_presets_pay_no_standard_terms_for_exempt_causes_only_goodwill(budget, reason):
    presets()
    offers = offers_propose(shipment=late_shipment(hours=50, days=2, reason=reason))
    assert offered(offers) == {"goodwill": (Decimal("2000"), OfferStatus.APPROVED)}


def test_presets_goodwill_stops_after_two_earlier_compensated_delays(budget):
    presets()
    customer = CustomerFactory()
    for _ in range(3):
        earlier = late_shipment(customer=customer)
        for offer in offers_propose(shipment=earlier):
            offer_issue(offer_id=offer.pk)
    offers = offers_propose(shipment=late_shipment(customer=customer))
    assert offered(offers) == {"delay": (Decimal("3000"), OfferStatus.APPROVED)}


def test_the_goodwill_table_tiers_by_hours(budget):
    presets()
    assert offered(offers_propose(shipment=late_shipment(hours=23, days=1)))["delay"]
    assert "goodwill" not in offered(offers_propose(shipment=late_shipment(hours=23, days=1)))
    assert offered(offers_propose(shipment=late_shipment(hours=71, days=3)))["goodwill"] == (
        Decimal("2000"),
        OfferStatus.APPROVED,
    )
    assert offered(offers_propose(shipment=late_shipment(hours=72, days=3)))["goodwill"] == (
        Decimal("5000"),
        OfferStatus.APPROVED,
    )


def test_a_shipment_without_a_delay_gets_nothing(budget):
    presets()
    assert offers_propose(shipment=ShipmentFactory()) == []
    assert offers_propose(ticket=TicketFactory(shipment=None)) == []


def test_inactive_and_out_of_date_rules_are_not_in_force(db):
    now = timezone.now()
    CompensationRuleFactory(name="off", is_active=False)
    CompensationRuleFactory(name="later", valid_from=now + timedelta(days=1))
    CompensationRuleFactory(name="over", valid_until=now)
    CompensationRuleFactory(name="on", valid_from=now, valid_until=now + timedelta(days=1))
    assert [rule.name for rule in rules_in_force(now)] == ["on"]


def test_carrier_and_service_level_rules_only_touch_their_parcels(budget):
    express = late_shipment(service_level="express")
    CompensationRuleFactory(
        name="express", service_level="express", carrier=express.carrier, amount=Decimal("700")
    )
    assert offered(offers_propose(shipment=express)) == {
        "delay": (Decimal("700"), OfferStatus.APPROVED)
    }
    assert offers_propose(shipment=late_shipment(service_level="express")) == []
    assert offers_propose(shipment=late_shipment(carrier=express.carrier)) == []


def test_rules_in_another_currency_do_not_apply(budget):
    CompensationRuleFactory(currency="USD", amount=Decimal("5"))
    assert offers_propose(shipment=late_shipment()) == []


def test_bulk_proposal_counts_what_it_stored(budget):
    presets()
    shipments = [late_shipment() for _ in range(3)] + [ShipmentFactory()]
    assert offers_propose_bulk(shipment_ids=[s.pk for s in shipments], batch=2) == 6
    assert offers_propose_bulk(shipment_ids=[s.pk for s in shipments]) == 0


# --- Once per broken promise: netting, asking twice, refused groups ------------------------------


def test_asking_twice_adds_nothing(budget):
    presets()
    ticket = ticket_of(late_shipment())
    assert len(offers_propose(ticket=ticket)) == 2
    assert offers_propose(ticket=ticket) == []
    assert Offer.objects.count() == 2


def test_a_delay_that_grew_gets_only_the_top_up_after_the_first_grant(budget):
    presets()
    shipment = late_shipment(hours=50, days=2)
    ticket = ticket_of(shipment)
    for offer in offers_propose(ticket=ticket):
        offer_issue(offer_id=offer.pk)
        offer_accept(ticket=ticket, offer_id=offer.pk)
    grow(shipment, hours=130, days=5)

    offers = offers_propose(ticket=ticket)

    # Standard terms: ₩6,000 less ₩3,000 given; goodwill: ₩5,000 less ₩2,000 given.
    assert offered(offers) == {
        "delay": (Decimal("3000"), OfferStatus.APPROVED),
        "goodwill": (Decimal("3000"), OfferStatus.APPROVED),
    }
    delay = next(offer for offer in offers if offer.stacking_group == "delay")
    assert delay.explanation.endswith(
        "less ₩3,000 already given: ₩3,000, Korean standard parcel terms: late"
    )
    assert offers_propose(ticket=ticket) == []


def test_a_rejected_or_declined_offer_is_not_proposed_again(budget, manager):
    CompensationRuleFactory(amount=Decimal("20000"))
    CompensationRuleFactory(stacking_group="goodwill", amount=Decimal("1000"))
    ticket = ticket_of(late_shipment())
    big, small = sorted(offers_propose(ticket=ticket), key=lambda offer: -offer.amount)
    offer_reject(offer=big, manager=manager, reason="Too generous")
    offer_issue(offer_id=small.pk)
    offer_decline(ticket=ticket, offer_id=small.pk)

    assert offers_propose(ticket=ticket) == []


def test_one_live_offer_per_group_is_a_database_constraint(budget, agent):
    shipment = late_shipment()
    offer_propose_manual(shipment=shipment, agent=agent, kind="store_credit", amount=1, reason="x")
    with pytest.raises(OfferAlreadyOpen):
        offer_propose_manual(
            shipment=shipment, agent=agent, kind="store_credit", amount=1, reason="again"
        )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(
            shipment=shipment, stacking_group="manual", kind="points", amount=1, explanation="-"
        )


# --- Choice groups -------------------------------------------------------------------------------


def test_accepting_one_alternative_declines_the_others_and_releases_their_money(budget):
    CompensationRuleFactory(
        name="Refund",
        stacking_group="refund",
        choice_group="apology",
        action=ActionKind.SHIPPING_REFUND,
        percent=100,
    )
    CompensationRuleFactory(
        name="Coupon", stacking_group="coupon", choice_group="apology", amount=Decimal("5000")
    )
    ticket = ticket_of(late_shipment())
    refund, coupon = sorted(offers_propose(ticket=ticket), key=lambda offer: offer.amount)
    offer_issue(offer_id=refund.pk)
    offer_issue(offer_id=coupon.pk)
    budget.refresh_from_db()
    assert budget.spent == Decimal("8000")

    offer_accept(ticket=ticket, offer_id=coupon.pk)

    refund.refresh_from_db()
    coupon.refresh_from_db()
    assert (coupon.status, refund.status) == (OfferStatus.ACCEPTED, OfferStatus.DECLINED)
    assert refund.events.last().note == "Another offer was chosen."
    budget.refresh_from_db()
    assert (budget.reserved, budget.spent) == (Decimal("0"), Decimal("5000"))
    with pytest.raises(OfferTransitionRefused):
        offer_accept(ticket=ticket, offer_id=refund.pk)
    assert offers_propose(ticket=ticket) == []


def test_an_alternative_still_waiting_for_a_manager_expires_when_another_is_chosen(budget):
    CompensationRuleFactory(stacking_group="a", choice_group="pick", amount=Decimal("1000"))
    CompensationRuleFactory(
        stacking_group="b",
        choice_group="pick",
        amount=Decimal("20000"),
        approval_threshold=Decimal("10000"),
    )
    ticket = ticket_of(late_shipment())
    small, big = sorted(offers_propose(ticket=ticket), key=lambda offer: offer.amount)
    assert big.status == OfferStatus.PROPOSED
    offer_issue(offer_id=small.pk)

    offer_accept(ticket=ticket, offer_id=small.pk)

    big.refresh_from_db()
    assert (big.status, big.reserved) == (OfferStatus.EXPIRED, Decimal("0"))
    budget.refresh_from_db()
    assert (budget.reserved, budget.spent) == (Decimal("0"), Decimal("1000"))


# --- Four eyes and manual offers -----------------------------------------------------------------


def test_the_proposer_can_neither_approve_nor_reject_their_own_offer(
    budget, manager, other_manager
):
    offer = offer_propose_manual(
        shipment=late_shipment(), agent=manager, kind="store_credit", amount=3000, reason="VIP"
    )
    assert offer.status == OfferStatus.PROPOSED
    with pytest.raises(SelfApprovalRefused):
        offer_approve(offer=offer, manager=manager)
    with pytest.raises(SelfApprovalRefused):
        offer_reject(offer=offer, manager=manager, reason="mine")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PROPOSED

    approved = offer_approve(offer=offer, manager=other_manager)
    assert (approved.status, approved.decided_by) == (OfferStatus.APPROVED, other_manager)


def test_an_agent_without_the_approve_permission_is_refused(budget, agent, other_agent):
    offer = offer_propose_manual(
        shipment=late_shipment(), agent=agent, kind="points", amount=500, reason="Sorry"
    )
    with pytest.raises(ApprovalNotAllowed):
        offer_approve(offer=offer, manager=other_agent)
    with pytest.raises(ApprovalNotAllowed):
        offer_reject(offer=offer, manager=other_agent, reason="no")


def test_someone_without_the_propose_permission_cannot_propose(budget, stranger):
    with pytest.raises(ProposalNotAllowed):
        offer_propose_manual(
            shipment=late_shipment(), agent=stranger, kind="points", amount=1, reason="x"
        )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_manual_offer_needs_a_reason(budget, agent, reason):
    with pytest.raises(ReasonRequired):
        offer_propose_manual(
            shipment=late_shipment(), agent=agent, kind="points", amount=1, reason=reason
        )


@pytest.mark.parametrize("amount", [0, -5, "abc", "NaN", "Infinity", "0.4"])
def test_a_manual_offer_needs_a_positive_amount(budget, agent, amount):
    with pytest.raises(AmountInvalid):
        offer_propose_manual(
            shipment=late_shipment(), agent=agent, kind="points", amount=amount, reason="x"
        )


def test_a_manual_offer_of_an_unknown_kind_is_refused(budget, agent):
    with pytest.raises(AmountInvalid):
        offer_propose_manual(
            shipment=late_shipment(), agent=agent, kind="cash", amount=1, reason="x"
        )


def test_a_manual_offer_is_rounded_in_the_currency(budget, agent):
    won = offer_propose_manual(
        shipment=late_shipment(), agent=agent, kind="points", amount="1000.5", reason="x"
    )
    assert won.amount == Decimal("1001")
    wide_budget(currency="USD", amount=Decimal("100"))
    dollars = offer_propose_manual(
        shipment=late_shipment(currency="USD"),
        agent=agent,
        kind="store_credit",
        amount="12.345",
        reason="x",
    )
    assert dollars.amount == Decimal("12.35")
    assert dollars.explanation == "Store credit: $12.35 — x"


def test_a_manual_offer_on_another_parcels_ticket_is_refused(budget, agent):
    with pytest.raises(OfferNotForThisTicket):
        offer_propose_manual(
            shipment=late_shipment(),
            agent=agent,
            kind="points",
            amount=1,
            reason="x",
            ticket=ticket_of(late_shipment()),
        )


def test_manual_offers_pass_the_cap_counting_grants_and_pending_offers(budget, agent, settings):
    settings.DELAYDESK = {**settings.DELAYDESK, "MANUAL_OFFER_CAP": 10000}
    CompensationRuleFactory(amount=Decimal("3000"))
    CompensationRuleFactory(
        stacking_group="big", amount=Decimal("4000"), approval_threshold=Decimal("0")
    )
    shipment = late_shipment()
    for offer in offers_propose(shipment=shipment):
        if offer.status == OfferStatus.APPROVED:
            offer_issue(offer_id=offer.pk)
    # Given ₩3,000 (issued) and offered ₩4,000 (waiting for a manager): ₩3,000 left.
    with pytest.raises(OverCap) as refused:
        offer_propose_manual(shipment=shipment, agent=agent, kind="points", amount=3001, reason="x")
    assert refused.value.extra == {"allowed": "₩3,000"}
    offer = offer_propose_manual(
        shipment=shipment, agent=agent, kind="points", amount=3000, reason="x"
    )
    assert offer.amount == Decimal("3000")


def test_manual_offers_are_approved_automatically_only_at_or_under_their_threshold(
    budget, agent, settings
):
    settings.DELAYDESK = {**settings.DELAYDESK, "MANUAL_OFFER_APPROVAL_THRESHOLD": 1000}
    at = offer_propose_manual(
        shipment=late_shipment(), agent=agent, kind="points", amount=1000, reason="x"
    )
    over = offer_propose_manual(
        shipment=late_shipment(), agent=agent, kind="points", amount=1001, reason="x"
    )
    assert (at.status, at.decided_by, at.reserved) == (
        OfferStatus.APPROVED,
        None,
        Decimal("1000"),
    )
    assert (over.status, over.reserved) == (OfferStatus.PROPOSED, Decimal("1001"))


def test_rule_offers_are_approved_automatically_only_at_or_under_the_threshold(budget):
    CompensationRuleFactory(amount=Decimal("5000"), approval_threshold=Decimal("5000"))
    CompensationRuleFactory(
        stacking_group="other", amount=Decimal("5000"), approval_threshold=Decimal("4999")
    )
    offers = offers_propose(shipment=late_shipment())
    assert [offer.status for offer in offers] == [OfferStatus.APPROVED, OfferStatus.PROPOSED]


# --- Transitions and the audit trail -------------------------------------------------------------


def test_a_second_decision_is_refused(budget, agent, manager, other_manager):
    offer = offer_propose_manual(
        shipment=late_shipment(), agent=agent, kind="points", amount=500, reason="x"
    )
    offer_approve(offer=offer, manager=manager)
    with pytest.raises(OfferTransitionRefused) as second:
        offer_approve(offer=offer.pk, manager=other_manager)
    assert second.value.status_code == 409
    with pytest.raises(OfferTransitionRefused):
        offer_reject(offer=offer, manager=other_manager, reason="late")


def test_a_rejection_needs_a_reason(budget, agent, manager):
    offer = offer_propose_manual(
        shipment=late_shipment(), agent=agent, kind="points", amount=500, reason="x"
    )
    with pytest.raises(ReasonRequired):
        offer_reject(offer=offer, manager=manager, reason=" ")


def test_the_customer_cannot_answer_an_offer_not_yet_issued(budget, agent):
    shipment = late_shipment()
    ticket = ticket_of(shipment)
    offer = offer_propose_manual(
        shipment=shipment, agent=agent, kind="points", amount=500, reason="x", ticket=ticket
    )
    with pytest.raises(OfferTransitionRefused):
        offer_accept(ticket=ticket, offer_id=offer.pk)
    with pytest.raises(OfferTransitionRefused):
        offer_decline(ticket=ticket, offer_id=offer.pk)


def test_another_tickets_offer_is_refused(budget):
    CompensationRuleFactory()
    mine = ticket_of(late_shipment())
    theirs = ticket_of(late_shipment())
    [offer] = offers_propose(ticket=theirs)
    offer_issue(offer_id=offer.pk)
    with pytest.raises(OfferNotForThisTicket):
        offer_accept(ticket=mine, offer_id=offer.pk)
    with pytest.raises(OfferNotForThisTicket):
        offer_decline(ticket=mine, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ISSUED


def test_every_step_leaves_an_event_with_actor_and_reason(budget, agent, manager):
    shipment = late_shipment()
    ticket = ticket_of(shipment)
    offer = offer_propose_manual(
        shipment=shipment, agent=agent, kind="points", amount=500, reason="Lost parcel"
    )
    offer_approve(offer=offer, manager=manager)
    offer_issue(offer_id=offer.pk)
    offer_accept(ticket=ticket, offer_id=offer.pk)
    rejected = offer_propose_manual(
        shipment=shipment,
        agent=agent,
        kind="points",
        amount=700,
        reason="Again",
        stacking_group="extra",
    )
    offer_reject(offer=rejected, manager=manager, reason="One is enough")

    assert list(
        OfferEvent.objects.filter(offer=offer).values_list(
            "from_status", "to_status", "actor__username", "note"
        )
    ) == [
        ("", "proposed", "alice", "Lost parcel"),
        ("proposed", "approved", "carol", "Approved by a manager."),
        ("approved", "issued", None, "Voucher issued; the customer is told."),
        ("issued", "accepted", None, "By the customer."),
    ]
    assert list(
        OfferEvent.objects.filter(offer=rejected).values_list(
            "to_status", "actor__username", "note"
        )
    ) == [("proposed", "alice", "Again"), ("rejected", "carol", "One is enough")]


def test_automatic_approval_is_recorded_with_its_reason(budget):
    CompensationRuleFactory()
    [offer] = offers_propose(shipment=late_shipment())
    assert list(offer.events.values_list("to_status", "actor", "note")) == [
        ("proposed", None, offer.explanation),
        ("approved", None, "At or under the approval threshold: approved automatically."),
    ]


# --- Issuing -------------------------------------------------------------------------------------


def test_issuing_twice_makes_one_voucher(budget):
    CompensationRuleFactory()
    [offer] = offers_propose(shipment=late_shipment())
    assert offer_issue(offer_id=offer.pk) is not None
    assert offer_issue(offer_id=offer.pk) is None
    voucher = Voucher.objects.get()
    assert voucher.offer == offer
    assert len(voucher.code) == 29 and voucher.code.count("-") == 5


def test_an_offer_without_a_ticket_opens_a_proactive_one_on_issue(budget):
    CompensationRuleFactory()
    shipment = late_shipment(customer=CustomerFactory(language="ko"))
    [offer] = offers_propose(shipment=shipment)
    assert offer.ticket is None

    issued = offer_issue(offer_id=offer.pk)

    ticket = Ticket.objects.get(shipment=shipment)
    assert issued.ticket == ticket
    assert ticket.is_proactive and ticket.language == "ko"


def test_issuing_codes_are_unique(budget):
    CompensationRuleFactory()
    offers = [offers_propose(shipment=late_shipment())[0] for _ in range(20)]
    for offer in offers:
        offer_issue(offer_id=offer.pk)
    codes = Counter(Voucher.objects.values_list("code", flat=True))
    assert len(codes) == 20
