"""A manager's decision on a proposed offer: approve (the money must be there) or reject.

Four eyes: only a manager decides, never the one who proposed the offer (the check constraint
`offer_no_self_approval` backs it).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.compensation.errors import (
    ApprovalNotAllowed,
    OfferTransitionRefused,
    ReasonRequired,
    SelfApprovalRefused,
)
from apps.compensation.models import Offer, OfferStatus
from apps.compensation.services.budgets import (
    budget_release_reserved,
    budget_reserve,
    budget_reserve_first,
    local_day,
)
from apps.compensation.services.issue import offers_issue_queue
from apps.compensation.services.moves import offer_lock, offer_move


def _decidable(offer: Offer | int, *, manager: User, to_status: str) -> Offer:
    """The offer locked, if it waits for a decision and `manager` may take it."""
    offer = offer_lock(offer=offer)
    if offer.status != OfferStatus.PROPOSED:
        raise OfferTransitionRefused(from_status=offer.status, to_status=to_status)
    if offer.proposed_by_id == manager.pk:
        raise SelfApprovalRefused()
    return offer


def offer_approve(*, offer: Offer | int, manager: User, now: datetime | None = None) -> Offer:
    """A manager approves a proposed offer; never the proposer; only if a budget holds it.

    Locks the offer, then reserves what is not yet reserved by a conditional UPDATE of the
    budget row (the carrier's own budget first, then the general one, for the day of approval):
    NoBudget when no budget covers the day, BudgetExhausted when none has room. The issue task is
    queued once the approval commits.
    """
    if not manager.has_perm("compensation.approve_offer"):
        raise ApprovalNotAllowed()
    now = now or timezone.now()
    with transaction.atomic():
        offer = _decidable(offer, manager=manager, to_status=OfferStatus.APPROVED)
        need = offer.amount - offer.reserved
        if need > 0 and offer.reserved > 0:
            budget_reserve(budget=offer.budget, amount=need)
        elif need > 0:
            # Nothing held yet (no budget had room at proposal): today's budgets pay.
            offer.budget = budget_reserve_first(
                currency=offer.currency,
                carrier_id=offer.shipment.carrier_id,
                day=local_day(now),
                amount=need,
            )
        offer.reserved = offer.amount
        offer_move(
            offer=offer,
            to_status=OfferStatus.APPROVED,
            actor=manager,
            note="Approved by a manager.",
            now=now,
        )
        offer.decided_by = manager
        offer.decided_at = now
        offer.save(update_fields=["status", "decided_by", "decided_at", "budget", "reserved"])
        pk = offer.pk
        transaction.on_commit(lambda: offers_issue_queue(offer_ids=[pk]))
        return offer


def offer_reject(
    *, offer: Offer | int, manager: User, reason: str, now: datetime | None = None
) -> Offer:
    """A manager rejects a proposed offer with a reason; never the proposer.

    Locks the offer, gives back what it holds in its budget (a relative UPDATE) and records the
    reason, in one transaction.
    """
    if not manager.has_perm("compensation.approve_offer"):
        raise ApprovalNotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    now = now or timezone.now()
    with transaction.atomic():
        offer = _decidable(offer, manager=manager, to_status=OfferStatus.REJECTED)
        budget_release_reserved(offer=offer)
        offer_move(offer=offer, to_status=OfferStatus.REJECTED, actor=manager, note=reason, now=now)
        offer.decided_by = manager
        offer.decided_at = now
        offer.decision_reason = reason[:300]
        offer.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason", "reserved"]
        )
        return offer
