"""What the engine reads: the facts of delayed shipments, and the rules in force.

Both the proposal of one delay and the bulk proposal build their facts here, from the rows
`sql.shipments_lock` returns, so the two paths see every delay the same way.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from apps.compensation import sql
from apps.compensation.engine import CompiledRule, Facts, rules_compile
from apps.compensation.models import (
    GRANTED_OFFER_STATUSES,
    LIVE_OFFER_STATUSES,
    CompensationRule,
    OfferStatus,
)
from apps.shipments.models import REASON_FAULT, Fault

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


def facts_load(rows: list[tuple]) -> list[FactsRow]:
    """Facts for shipment rows (sql.SHIPMENT_FACT_FIELDS), with what each shipment was granted
    and offered before and how many other shipments of its customer were compensated. Two
    queries whatever the number of rows; reads only (the caller holds the shipments' locks)."""
    ids = [row[0] for row in rows]
    open_groups: dict[int, set] = defaultdict(set)
    closed_groups: dict[int, set] = defaultdict(set)
    granted: dict[int, dict] = defaultdict(dict)
    pending: dict[int, Decimal] = defaultdict(Decimal)
    previous: dict[int, set] = defaultdict(set)
    if ids:
        for shipment_id, group, status, total in sql.offers_by_group(shipment_ids=ids):
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
        for customer_id, shipment_id in sql.shipments_granted(customer_ids=customers):
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
