"""Proposals waiting for a manager and follow-ups open, kept there on every start.

The expiry task expires a proposal no manager decided within OFFER_PROPOSAL_DAYS (the rule stays
as it is). So each run counts the proposals that will still be waiting tomorrow, and when fewer
than wanted are left (decided in the demo, or about to expire a week on) it proposes again on
delayed parcels that have no live or granted offer in that group, dated a few hours back: two by
the demo agent and one by the other manager, which the demo manager may decide (never their own).
The proposals the worker expires give their money back to the budget and their parcels become
candidates again, so the queue refills without end and without two live offers on one promise.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.compensation.models import ActionKind, Budget, Offer, OfferEvent, OfferStatus
from apps.core.money import money_format
from apps.feedback.models import FollowUp, FollowUpReason, FollowUpStatus, Survey, SurveyResponse
from apps.shipments.models import Shipment
from apps.tickets.models import Ticket

# (proposer, kind, stacking group, amount (None: the shipping fee), reason, {language: text})
PROPOSALS = (
    (
        "agent",
        ActionKind.SHIPPING_REFUND,
        "delay",
        None,
        "A gift order a week late: refund the shipping fee on top of the standard terms",
        {
            "ko": "선물로 주문하신 상품이 일주일 늦어져 배송비 {fee}을 돌려드립니다",
            "en": "Your gift arrived a week late: we refund the shipping fee of {fee}",
        },
    ),
    (
        "agent",
        ActionKind.FIXED_COUPON,
        "goodwill",
        Decimal("5000"),
        "Second late parcel this month; the customer was very patient on the phone",
        {
            "ko": "이번 달 두 번째 배송 지연에 대한 사과로 다음 주문에 쓰실 수 있는 "
            "₩5,000 쿠폰을 드립니다",
            "en": "A ₩5,000 coupon for your next order: our apology for a second late parcel "
            "this month",
        },
    ),
    (
        "seoyeon",
        ActionKind.STORE_CREDIT,
        "delay",
        Decimal("15000"),
        "Regular customer; the delay fell during their sale order, agreed on the phone",
        {
            "ko": "할인 기간 주문이 늦어진 데 대한 사과로 적립금 ₩15,000을 드립니다",
            "en": "₩15,000 store credit to make up for the delay on your sale order",
        },
    ),
)
# Statuses that keep a parcel from getting another proposal in the same group.
TAKEN = ("proposed", "approved", "issued", "accepted", "rejected", "declined")


def approvals_ensure(users: dict, now: datetime, created: dict) -> None:
    """Top up the proposals that will still be waiting a day from now, by proposer."""
    days = settings.DELAYDESK["OFFER_PROPOSAL_DAYS"]
    lasting = Offer.objects.filter(
        status=OfferStatus.PROPOSED, created_at__gt=now - timedelta(days=days) + timedelta(days=1)
    )
    used: set[int] = set()
    for n, (who, kind, group, amount, reason, texts) in enumerate(PROPOSALS):
        proposer = users[who]
        wanted = sum(1 for p in PROPOSALS[: n + 1] if p[0] == who)
        if lasting.filter(proposed_by=proposer).count() >= wanted:
            continue
        shipment = _candidate(group, used)
        if shipment is None:
            return
        used.add(shipment.pk)
        _propose(shipment, proposer, kind, group, amount, reason, texts, now, n)
        created["offers"] += 1


def _candidate(group: str, used: set) -> Shipment | None:
    # Parcels with a ticket first: the approval then links to the conversation.
    return (
        Shipment.objects.exclude(delay_reason="")
        .annotate(has_ticket=Exists(Ticket.objects.filter(shipment=OuterRef("pk"))))
        .exclude(pk__in=used)
        .exclude(
            pk__in=Offer.objects.filter(stacking_group=group, status__in=TAKEN).values(
                "shipment_id"
            )
        )
        .select_related("customer")
        .order_by("-has_ticket", "pk")
        .first()
    )


def _propose(shipment, proposer, kind, group, amount, reason, texts, now, n) -> None:
    at = now - timedelta(hours=2 + 2 * n, minutes=17 * n)
    amount = shipment.shipping_fee if amount is None else amount
    fee = money_format(shipment.shipping_fee, shipment.currency)
    day = timezone.localtime(at).date()
    budget = Budget.objects.filter(
        currency=shipment.currency, carrier=None, period_start__lte=day, period_end__gte=day
    ).first()
    ticket = shipment.tickets.order_by("-created_at").first()
    offer = Offer.objects.create(
        shipment=shipment,
        ticket=ticket,
        budget=budget,
        stacking_group=group,
        kind=kind,
        currency=shipment.currency,
        amount=amount,
        reserved=amount if budget else 0,
        explanation=texts[shipment.customer.language].format(fee=fee),
        status=OfferStatus.PROPOSED,
        proposed_by=proposer,
        manual_reason=reason,
        created_at=at,
        expires_at=at + timedelta(days=14),
    )
    OfferEvent.objects.create(
        offer=offer,
        actor=proposer,
        from_status="",
        to_status=OfferStatus.PROPOSED,
        note=reason,
        created_at=at,
    )


LOW_ANSWER = {
    "ko": "택배가 너무 늦게 왔고, 문의해도 답변이 느렸어요. 전화로 설명을 듣고 싶어요.",
    "en": "The parcel was very late and the answers were slow. I'd like someone to call me.",
}


def follow_ups_ensure(now: datetime, created: dict) -> None:
    """If no follow-up is open (all called back in the demo), a survey sent and not answered
    gets a low answer an hour ago, which opens one, as a customer's answer would."""
    if FollowUp.objects.filter(status=FollowUpStatus.OPEN).exists():
        return
    survey = (
        Survey.objects.filter(sent_at__isnull=False, answered_at__isnull=True, response=None)
        .select_related("ticket")
        .order_by("-sent_at")
        .first()
    )
    if survey is None:
        return
    answered = max(now - timedelta(hours=1), survey.sent_at + timedelta(minutes=5))
    Survey.objects.filter(pk=survey.pk).update(answered_at=answered)
    response = SurveyResponse.objects.create(
        survey=survey, csat=2, nps=3, comment=LOW_ANSWER[survey.language], created_at=answered
    )
    FollowUp.objects.create(
        survey=survey,
        ticket=survey.ticket,
        reason=FollowUpReason.LOW_CSAT if response.csat <= 2 else FollowUpReason.LOW_NPS,
        created_at=answered,
    )
    created["follow-ups"] += 1
