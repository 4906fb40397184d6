"""Task functions: thin and idempotent (the ORM broker delivers at least once)."""

from datetime import timedelta

from django.utils import timezone

from apps.compensation.selectors import late_deliveries
from apps.compensation.services import (
    offer_issue,
    offers_expire,
    offers_issue_due,
    offers_propose_bulk,
)

# Late deliveries looked at on each run: a day's margin so a run lost or late misses none;
# proposing twice for one delay adds nothing (open groups are skipped, grants netted off).
LATE_DELIVERY_WINDOW = timedelta(days=1)


def issue_offers(offer_ids: list[int]) -> int:
    return sum(offer_issue(offer_id=pk) is not None for pk in offer_ids)


def issue_due() -> int:
    return offers_issue_due()


def expire_offers() -> int:
    return offers_expire()


def propose_for_late_deliveries() -> int:
    """Ask the rules about every parcel delivered late lately: small amends go out by
    themselves, larger ones wait in the managers' approval queue."""
    now = timezone.now()
    ids = late_deliveries(since=now - LATE_DELIVERY_WINDOW, until=now)
    return offers_propose_bulk(shipment_ids=ids, now=now) if ids else 0
