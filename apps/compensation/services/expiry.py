"""Offers nobody answered in time: issued offers past their answer time, proposals no manager
decided within OFFER_PROPOSAL_DAYS."""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.compensation.models import Offer, OfferStatus
from apps.compensation.services.budgets import budgets_give_back
from apps.compensation.services.moves import offer_move
from apps.compensation.telling import offer_tell

ZERO = Decimal(0)


def offers_expire(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Expire up to `limit` offers past their time; returns how many.

    Their money goes back to the budget, and the customer of an issued offer is told (once: the
    outbox keys the message by offer and stage). Approved offers are left to be issued
    (offers_issue_due). In one transaction: locks the offers (skipping those another run holds),
    then gives back to the budgets in id order; safe to run twice or concurrently.
    """
    now = now or timezone.now()
    stale = now - timedelta(days=settings.DELAYDESK["OFFER_PROPOSAL_DAYS"])
    with transaction.atomic():
        offers = list(
            Offer.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("ticket__customer")
            .filter(
                Q(status=OfferStatus.ISSUED, expires_at__lte=now)
                | Q(status=OfferStatus.PROPOSED, created_at__lte=stale)
            )
            .order_by("pk")[:limit]
        )
        reserved_back: dict[int, Decimal] = defaultdict(Decimal)
        spent_back: dict[int, Decimal] = defaultdict(Decimal)
        for offer in offers:
            was_issued = offer.status == OfferStatus.ISSUED
            if offer.budget_id and was_issued:
                spent_back[offer.budget_id] += offer.amount
            elif offer.budget_id:
                reserved_back[offer.budget_id] += offer.reserved
            offer.reserved = ZERO
            note = (
                "The customer did not answer in time."
                if was_issued
                else "No manager decided in time."
            )
            offer_move(offer=offer, to_status=OfferStatus.EXPIRED, note=note, now=now)
            offer.save(update_fields=["status", "reserved"])
            if was_issued and offer.ticket_id:
                offer_tell(offer=offer, stage="offer_expired", now=now)
        budgets_give_back(reserved=reserved_back, spent=spent_back, now=now)
    return len(offers)
