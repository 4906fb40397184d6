"""What the engine reads: the facts of delayed shipments, and the rules in force.

Both the proposal of one delay and the bulk proposal lock their shipments and build their facts
here, so the two paths see every delay the same way. The reads take a batch's thousands of ids
with `__any` (one array parameter on PostgreSQL, `apps/core/lookups.py`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from apps.compensation.engine import CompiledRule, Facts, rules_compile
from apps.compensation.models import (
    GRANTED_OFFER_STATUSES,
    LIVE_OFFER_STATUSES,
    CompensationRule,
    Offer,
    OfferStatus,
)
from apps.shipments.models import REASON_FAULT, Fault, Shipment
from apps.tickets.models import Ticket, TicketStatus

ZERO = Decimal(0)
# Offers whose stacking group is answered for good: nothing new is proposed there.
CLOSED_OFFER_STATUSES = (OfferStatus.REJECTED, OfferStatus.DECLINED, OfferStatus.EXPIRED)
PENDING_OFFER_STATUSES = (OfferStatus.PROPOSED, OfferStatus.APPROVED)


@dataclass(slots=True)
class FactsRow:
    """One shipment's facts, with whom they belong to and the language to word offers in."""

    facts: Facts
    customer_id: int
    language: str


# The shipment columns the engine's facts are built from, in the order shipments_lock returns
# them: the shipment's own, then its customer's language.
SHIPMENT_FACT_FIELDS = (
    "pk",
    "carrier_id",
    "currency",
    "service_level",
    "promise_type",
    "delay_reason",
    "delay_hours",
    "delay_business_days",
    "shipping_fee",
    "order_value",
    "customer_id",
    "customer__language",
)


def shipments_lock(*, shipment_ids: list[int]) -> list[tuple]:
    """Lock the shipments (FOR UPDATE, in id order: two batches never deadlock) and return their
    SHIPMENT_FACT_FIELDS, in id order. Their customers are read, not locked. Call it inside a
    transaction: the locks are held until it ends."""
    return list(
        Shipment.objects.select_for_update(of=("self",))
        .filter(pk__any=shipment_ids)
        .order_by("pk")
        .values_list(*SHIPMENT_FACT_FIELDS)
    )


def offers_by_group(*, shipment_ids: list[int]) -> list[tuple]:
    """(shipment, stacking group, status, amount summed) over every offer of these shipments, in
    no particular order. Reads only."""
    return list(
        Offer.objects.filter(shipment_id__any=shipment_ids)
        .values_list("shipment_id", "stacking_group", "status")
        .annotate(total=Sum("amount"))
        .order_by()
    )


def shipments_granted(*, customer_ids: set[int]) -> list[tuple]:
    """(customer, shipment), once each, for the shipments of these customers with an offer
    granted (issued or accepted), in no particular order. Reads only."""
    return list(
        Offer.objects.filter(
            shipment__customer_id__any=customer_ids, status__any=GRANTED_OFFER_STATUSES
        )
        .values_list("shipment__customer_id", "shipment_id")
        .distinct()
        .order_by()
    )


def tickets_open(*, shipment_ids: list[int]) -> dict[int, int]:
    """shipment → its newest ticket not yet closed (by creation, then id), for the shipments that
    have one: offers go on the ticket the customer is looking at. Reads only."""
    rows = (
        Ticket.objects.filter(shipment_id__any=shipment_ids)
        .exclude(status=TicketStatus.CLOSED)
        .order_by("shipment_id", "created_at", "pk")
        .values_list("shipment_id", "pk")
    )
    # Oldest first: the newest of each shipment is written last and stays.
    return dict(rows)


def facts_load(rows: list[tuple]) -> list[FactsRow]:
    """Facts for shipment rows (SHIPMENT_FACT_FIELDS), with what each shipment was granted
    and offered before and how many other shipments of its customer were compensated. Two
    queries whatever the number of rows; reads only (the caller holds the shipments' locks)."""
    ids = [row[0] for row in rows]
    open_groups: dict[int, set] = defaultdict(set)
    closed_groups: dict[int, set] = defaultdict(set)
    granted: dict[int, dict] = defaultdict(dict)
    pending: dict[int, Decimal] = defaultdict(Decimal)
    previous: dict[int, set] = defaultdict(set)
    if ids:
        for shipment_id, group, status, total in offers_by_group(shipment_ids=ids):
            if status in LIVE_OFFER_STATUSES:
                open_groups[shipment_id].add(group)
            elif status in CLOSED_OFFER_STATUSES:
                closed_groups[shipment_id].add(group)
            if status in GRANTED_OFFER_STATUSES:
                by_group = granted[shipment_id]
                by_group[group] = by_group.get(group, ZERO) + total
            elif status in PENDING_OFFER_STATUSES:
                pending[shipment_id] += total
        customers = {row[10] for row in rows}
        for customer_id, shipment_id in shipments_granted(customer_ids=customers):
            previous[customer_id].add(shipment_id)
    result = []
    for row in rows:
        pk, customer_id = row[0], row[10]
        by_group = granted.get(pk, {})
        earlier = previous.get(customer_id, ())
        result.append(
            FactsRow(
                facts=Facts(
                    shipment_id=pk,
                    carrier_id=row[1],
                    currency=row[2],
                    service_level=row[3],
                    promise_type=row[4],
                    fault=REASON_FAULT.get(row[5], Fault.UNKNOWN) if row[5] else Fault.UNKNOWN,
                    hours_late=row[6] if row[5] else 0,
                    business_days_late=row[7] if row[5] else 0,
                    shipping_fee=row[8],
                    order_value=row[9],
                    previous_grants=len(earlier) - (pk in earlier),
                    granted_by_group=by_group,
                    granted_total=sum(by_group.values(), ZERO),
                    open_groups=frozenset(open_groups.get(pk, ())),
                    pending_total=pending.get(pk, ZERO),
                    closed_groups=frozenset(
                        closed_groups.get(pk, set()) - open_groups.get(pk, set())
                    ),
                ),
                customer_id=customer_id,
                language=row[11],
            )
        )
    return result


def rules_in_force(now: datetime | None = None) -> list[CompiledRule]:
    """The active rules valid at `now`, compiled, in priority order. One query."""
    now = now or timezone.now()
    rules = CompensationRule.objects.filter(is_active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=now),
        Q(valid_until__isnull=True) | Q(valid_until__gt=now),
    )
    return rules_compile(rules)
