"""The customer's answer to an issued offer, on their ticket page: accept or decline.

Alternatives (offers of the same shipment sharing a choice group) are locked together with the
offer answered, in id order, so two answers at once cannot deadlock; accepting one declines the
others.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.compensation.errors import OfferExpired, OfferNotForThisTicket, OfferTransitionRefused
from apps.compensation.models import LIVE_OFFER_STATUSES, Offer, OfferStatus
from apps.compensation.services.budgets import budget_release
from apps.compensation.services.moves import offer_move
from apps.compensation.telling import offer_tell
from apps.tickets.models import Ticket

CHOSEN_ELSEWHERE = "Another offer was chosen."


def _customer_offers(*, ticket: Ticket, offer_id: int) -> tuple[Offer, list[Offer]]:
    """The offer on this ticket and its live alternatives, locked together in id order;
    OfferNotForThisTicket when the offer is not on this ticket."""
    found = (
        Offer.objects.filter(pk=offer_id, ticket=ticket)
        .values_list("shipment_id", "choice_group")
        .first()
    )
    if found is None:
        raise OfferNotForThisTicket()
    shipment_id, choice_group = found
    wanted = Q(pk=offer_id)
    if choice_group:
        wanted |= Q(
            shipment_id=shipment_id, choice_group=choice_group, status__in=LIVE_OFFER_STATUSES
        )
    locked = list(
        Offer.objects.select_for_update(of=("self",))
        .select_related("voucher")
        .filter(wanted)
        .order_by("pk")
    )
    offer = next(each for each in locked if each.pk == offer_id)
    return offer, [each for each in locked if each.pk != offer_id]


def _refuse_if_expired(offer: Offer, now: datetime) -> None:
    if offer.status == OfferStatus.EXPIRED or (
        offer.status == OfferStatus.ISSUED and offer.expires_at and offer.expires_at <= now
    ):
        raise OfferExpired()


def offer_accept(*, ticket: Ticket, offer_id: int, now: datetime | None = None) -> Offer:
    """The customer takes an issued offer on their ticket page.

    In one transaction: locks the offer and its alternatives (same choice group); the
    alternatives are declined, or expired when not yet issued, and their money goes back to the
    budget. Queues one message per channel. Refuses another ticket's offer
    (OfferNotForThisTicket) and an expired one (OfferExpired).
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer, alternatives = _customer_offers(ticket=ticket, offer_id=offer_id)
        _refuse_if_expired(offer, now)
        offer_move(offer=offer, to_status=OfferStatus.ACCEPTED, note="By the customer.", now=now)
        offer.responded_at = now
        offer.save(update_fields=["status", "responded_at"])
        for other in alternatives:
            budget_release(offer=other)
            to_status = (
                OfferStatus.DECLINED if other.status == OfferStatus.ISSUED else OfferStatus.EXPIRED
            )
            offer_move(offer=other, to_status=to_status, note=CHOSEN_ELSEWHERE, now=now)
            other.responded_at = now
            other.save(update_fields=["status", "responded_at", "reserved"])
        offer_tell(offer=offer, stage="offer_accepted", now=now)
        return offer


def offer_decline(*, ticket: Ticket, offer_id: int, now: datetime | None = None) -> Offer:
    """The customer declines an issued offer; what it was given goes back to the budget.

    In one transaction, the offer and its alternatives locked as in offer_accept (the
    alternatives stay open). Queues one message per channel; same refusals as offer_accept.
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer, _alternatives = _customer_offers(ticket=ticket, offer_id=offer_id)
        _refuse_if_expired(offer, now)
        if not offer.can_transition_to(OfferStatus.DECLINED):
            raise OfferTransitionRefused(from_status=offer.status, to_status=OfferStatus.DECLINED)
        budget_release(offer=offer)
        offer_move(offer=offer, to_status=OfferStatus.DECLINED, note="By the customer.", now=now)
        offer.responded_at = now
        offer.save(update_fields=["status", "responded_at"])
        offer_tell(offer=offer, stage="offer_declined", now=now)
        return offer
