"""Writes compensation offers in every status, with their audit trail and vouchers."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.compensation.models import ActionKind, Offer, OfferEvent, OfferStatus, Voucher
from apps.core.money import money_format
from apps.core.tokens import reference_generate
from apps.shipments.models import Shipment

from .compensation import month_start

OFFER_ANSWER_DAYS = 14


def _offer_terms(spec: str, shipment: Shipment, rules: dict, language: str) -> tuple:
    """(rule or None, kind, amount, stacking group, manual reason, explanation) of an offer."""
    fee, currency, days = shipment.shipping_fee, shipment.currency, shipment.delay_business_days
    ko = language == "ko"

    def won(amount):
        return money_format(amount, currency)

    if spec in ("kr_late", "needed_by"):
        rule = rules[spec]
        raw = fee * rule.rate * (days if spec == "kr_late" else 1)
        cap = fee * rule.cap_fare_multiple
        amount = min(raw, cap).quantize(Decimal(1))
        if spec == "needed_by":
            text_ko = f"지정일 배송 실패: 운임 {won(fee)} × 200% = {won(amount)} (택배 표준약관)"
            text_en = (
                f"Missed the date you needed it by: {won(fee)} × 200% = {won(amount)} "
                f"(standard parcel terms)"
            )
        elif raw > cap:
            text_ko = (
                f"{days}일 지연 × 운임 {won(fee)} × 50% = {won(raw)} "
                f"→ 운임의 200% 한도 {won(cap)} (택배 표준약관)"
            )
            text_en = (
                f"{days} days late × {won(fee)} × 50% = {won(raw)}, capped at 200% of "
                f"the fare: {won(cap)} (standard parcel terms)"
            )
        else:
            text_ko = f"{days}일 지연 × 운임 {won(fee)} × 50% = {won(amount)} (택배 표준약관)"
            text_en = f"{days} days late × {won(fee)} × 50% = {won(amount)} (standard parcel terms)"
        return rule, rule.action, amount, rule.stacking_group, "", text_ko if ko else text_en
    if spec == "guarantee":
        rule = rules["guarantee"]
        text = (
            f"보장된 도착일을 지키지 못해 배송비 {won(fee)}을 모두 돌려드립니다"
            if ko
            else f"Guaranteed date missed: the shipping fee of {won(fee)} is refunded in full"
        )
        return rule, rule.action, fee, rule.stacking_group, "", text
    if spec == "goodwill":
        rule = rules["goodwill" if shipment.delay_hours >= 72 else "goodwill_1"]
        late = max(1, shipment.delay_hours // 24)
        coupon, minimum = won(rule.amount), won(rule.coupon_min_order)
        text = (
            f"배송이 {late}일 늦어진 데 대한 사과로 다음 주문에 쓰실 수 있는 "
            f"{coupon} 쿠폰을 드립니다 ({minimum} 이상 주문 시)"
            if ko
            else f"A {coupon} coupon for your next order (from {minimum}), to say sorry "
            f"for the {late}-day delay"
        )
        return rule, rule.action, rule.amount, rule.stacking_group, "", text
    kind, amount, group, reason, text_ko, text_en = {
        "manual_coupon": (
            ActionKind.FIXED_COUPON,
            Decimal("10000"),
            "goodwill",
            "Regular customer, third late parcel this year",
            "불편을 드려 죄송합니다. 다음 주문에 쓰실 수 있는 ₩10,000 쿠폰을 드립니다",
            "We're sorry: a ₩10,000 coupon for your next order",
        ),
        "manual_credit": (
            ActionKind.STORE_CREDIT,
            Decimal("20000"),
            "delay",
            "Lost parcel: the shop resends the item; credit for two weeks of waiting",
            "분실된 상품은 다시 보내 드리고, 기다리신 데 대한 사과로 적립금 ₩20,000을 드립니다",
            "We resend the lost item and add ₩20,000 store credit for the wait",
        ),
        "manual_refund": (
            ActionKind.SHIPPING_REFUND,
            fee,
            "delay",
            "The carrier confirmed the loss or damage; refund the fare on top of the replacement",
            f"상품을 다시 보내 드리고 배송비 {won(fee)}을 돌려드립니다",
            f"We send a replacement and refund the shipping fee of {won(fee)}",
        ),
    }[spec]
    return None, kind, amount, group, reason, text_ko if ko else text_en


def offers_ensure(
    rng, clock, plans, shipments, ticket_plans, ticket_rows, rules, budgets, users, created, now
) -> None:
    """Offers in every status with their audit trail, and vouchers for those issued.

    An offer is found by shipment, stacking group and kind, whatever its status now: one the
    worker expired or a manager decided since is not laid again. Proposals are dated a few hours
    before `now` (not days back with the parcel's story): the expiry task expires proposals no
    manager decided within OFFER_PROPOSAL_DAYS, and dated in the past they would be gone 30 s
    after the first start. `live.approvals_ensure` keeps the approval queue filled later on.
    """
    agent, manager = users["agent"], users["manager"]
    ticket_of = {}
    for plan in ticket_plans:
        if plan.shipment is not None:
            ticket_of.setdefault(plan.shipment, ticket_rows[plan])
    wanted = [(plan, spec, status) for plan in plans for spec, status in plan.offers]
    existing = set(
        Offer.objects.filter(
            shipment_id__in=[shipments[plan].pk for plan, _, _ in wanted]
        ).values_list("shipment_id", "stacking_group", "kind")
    )
    proposals = 0
    limit = clock.anchor - timedelta(minutes=10)
    offers, events, vouchers = [], [], []
    for plan, spec, status in wanted:
        decision_minutes, answer_minutes = rng.randint(60, 240), rng.randint(180, 2400)
        shipment = shipments[plan]
        rule, kind, amount, group, manual_reason, text = _offer_terms(
            spec, shipment, rules, plan.customer.language
        )
        if (shipment.pk, group, kind) in existing:
            continue
        proposer = agent if manual_reason else None
        # Four eyes: manual offers and those above the rule's threshold wait for a manager.
        approver = manager if proposer or amount > rule.approval_threshold else None
        start = max(
            shipment.delay_detected_at + timedelta(minutes=30),
            shipment.promised_end + timedelta(hours=26),
        )
        start = min(start, clock.anchor - timedelta(hours=8)) + timedelta(
            hours=1 if group == "goodwill" else 0
        )
        if status == OfferStatus.PROPOSED:
            proposals += 1
            start = now - timedelta(hours=1 + 3 * proposals, minutes=decision_minutes % 60)
        decided = start + timedelta(minutes=decision_minutes if approver else 0)
        issued = decided + timedelta(minutes=5)
        if status == OfferStatus.ISSUED:
            # Still open for the customer: issued within the last week, not left to expire
            # in the worker's first minute.
            issued = max(issued, clock.anchor - timedelta(days=OFFER_ANSWER_DAYS // 2))
        answered = min(issued + timedelta(minutes=answer_minutes), limit)
        offer = Offer(
            shipment=shipment,
            ticket=ticket_of.get(plan),
            rule=rule,
            rule_version=rule.version if rule else None,
            budget=budgets[month_start(timezone.localtime(start).date())],
            stacking_group=group,
            kind=kind,
            currency=shipment.currency,
            amount=amount,
            # Held in the budget until issued (then spent) or decided against (then released).
            reserved=amount if status in (OfferStatus.PROPOSED, OfferStatus.APPROVED) else 0,
            explanation=text,
            status=status,
            proposed_by=proposer,
            manual_reason=manual_reason,
            created_at=start,
            expires_at=start + timedelta(days=OFFER_ANSWER_DAYS),
        )
        history = [
            (
                start,
                proposer,
                "",
                OfferStatus.PROPOSED,
                manual_reason or f"Rule: {rule.name} (v{rule.version})",
            )
        ]
        if status == OfferStatus.REJECTED:
            offer.decided_by, offer.decided_at = manager, decided
            offer.decision_reason = (
                "The standard-terms offer already covers this delay."
                if proposer
                else "The customer already got a replacement by express; no further amends."
            )
            history.append((decided, manager, OfferStatus.PROPOSED, status, offer.decision_reason))
        elif status != OfferStatus.PROPOSED:
            offer.decided_by, offer.decided_at = approver, decided
            offer.decision_reason = (
                "Approved" if approver else "Approved automatically: within the rule's threshold"
            )
            history.append(
                (
                    decided,
                    approver,
                    OfferStatus.PROPOSED,
                    OfferStatus.APPROVED,
                    offer.decision_reason,
                )
            )
        if status in (
            OfferStatus.ISSUED,
            OfferStatus.ACCEPTED,
            OfferStatus.DECLINED,
            OfferStatus.EXPIRED,
        ):
            offer.issued_at = issued
            offer.expires_at = issued + timedelta(days=OFFER_ANSWER_DAYS)
            history.append(
                (
                    issued,
                    None,
                    OfferStatus.APPROVED,
                    OfferStatus.ISSUED,
                    "Offered on the ticket page and by email",
                )
            )
        if status in (OfferStatus.ISSUED, OfferStatus.ACCEPTED):
            redeemed = answered + timedelta(days=2)
            vouchers.append(
                Voucher(
                    offer=offer,
                    code=reference_generate("DDV-", 12),
                    created_at=issued,
                    redeemed_at=redeemed
                    if status == OfferStatus.ACCEPTED and redeemed < limit
                    else None,
                )
            )
        if status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
            offer.responded_at = answered
            history.append(
                (
                    answered,
                    None,
                    OfferStatus.ISSUED,
                    status,
                    f"{OfferStatus(status).label} by the customer",
                )
            )
        elif status == OfferStatus.EXPIRED:
            if offer.expires_at >= clock.anchor:
                raise ValueError("an expired demo offer must be past its answer date")
            history.append(
                (offer.expires_at, None, OfferStatus.ISSUED, status, "Not answered in time")
            )
        offers.append(offer)
        events += [
            OfferEvent(
                offer=offer,
                actor=actor,
                from_status=before,
                to_status=after,
                note=note[:500],
                created_at=moment,
            )
            for moment, actor, before, after, note in history
        ]
    Offer.objects.bulk_create(offers)
    OfferEvent.objects.bulk_create(events)
    Voucher.objects.bulk_create(vouchers)
    created["offers"] += len(offers)
