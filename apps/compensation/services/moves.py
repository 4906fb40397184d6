"""An offer's moves from status to status, each leaving its audit event."""

from datetime import datetime

from apps.accounts.models import User
from apps.compensation.errors import OfferTransitionRefused
from apps.compensation.models import Offer, OfferEvent


def offer_event_build(
    *,
    offer: Offer,
    to_status: str,
    from_status: str = "",
    actor: User | None = None,
    note: str = "",
    now: datetime,
) -> OfferEvent:
    """The audit event of one move (not saved: bulk writers save many at once)."""
    return OfferEvent(
        offer=offer,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note[:500],
        created_at=now,
    )


def offer_move(
    *, offer: Offer, to_status: str, actor: User | None = None, note: str = "", now: datetime
) -> None:
    """Move `offer` to `to_status` if its status allows it (OfferTransitionRefused otherwise)
    and save the move's audit event. The offer itself is the caller's to save, with the fields
    that go with the move, on the row the caller has locked."""
    if not offer.can_transition_to(to_status):
        raise OfferTransitionRefused(from_status=offer.status, to_status=to_status)
    from_status = offer.status
    offer.status = to_status
    offer_event_build(
        offer=offer, from_status=from_status, to_status=to_status, actor=actor, note=note, now=now
    ).save()


def offer_lock(*, offer: Offer | int) -> Offer:
    """The offer read again and locked (FOR UPDATE of the offer row only), with its shipment."""
    pk = offer if isinstance(offer, int) else offer.pk
    return Offer.objects.select_for_update(of=("self",)).select_related("shipment").get(pk=pk)
