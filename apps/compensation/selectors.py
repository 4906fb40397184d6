"""Reads of compensation for the pages: the customer's offers, the approval queue, the cost."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from apps.compensation.models import GRANTED_OFFER_STATUSES, Budget, Offer, OfferStatus
from apps.shipments.models import REASON_FAULT, Fault, Shipment, ShipmentStatus
from apps.tickets.models import Ticket

# Delays the carrier caused: what a claim against the carrier can recover.
CARRIER_FAULT_REASONS = [reason for reason, fault in REASON_FAULT.items() if fault == Fault.CARRIER]

# What a customer ever sees: offers that reached them (an expired proposal never did).
CUSTOMER_STATUSES = (
    OfferStatus.ISSUED,
    OfferStatus.ACCEPTED,
    OfferStatus.DECLINED,
    OfferStatus.EXPIRED,
)


def customer_offers_exist():
    """A flag for the ticket's own query: does the ticket have offers its customer may see?"""
    return Exists(
        Offer.objects.filter(
            ticket=OuterRef("pk"), status__in=CUSTOMER_STATUSES, issued_at__isnull=False
        )
    )


def offers_for_customer(*, ticket: Ticket) -> list[Offer]:
    """The offers on a customer's ticket page, open ones first; one query (none when the
    ticket was read with `customer_offers_exist()` as `has_offers` and has none)."""
    if getattr(ticket, "has_offers", True) is False:
        return []
    offers = list(
        Offer.objects.filter(ticket=ticket, status__in=CUSTOMER_STATUSES, issued_at__isnull=False)
        .select_related("voucher")
        .order_by("issued_at", "pk")
    )
    offers.sort(key=lambda offer: offer.status != OfferStatus.ISSUED)
    return offers


def offers_for_desk(*, ticket: Ticket) -> list[Offer]:
    """Every offer on a ticket or its shipment, for the agents' workspace; one query."""
    condition = Q(ticket=ticket)
    if ticket.shipment_id:
        condition |= Q(shipment_id=ticket.shipment_id)
    return list(
        Offer.objects.filter(condition)
        .select_related("proposed_by", "decided_by", "voucher", "rule")
        .order_by("-created_at", "-pk")
    )


def late_deliveries(*, since: datetime, until: datetime) -> list[int]:
    """Shipments delivered after their promise in [since, until): their delay's size is final,
    so the rules can be asked what it is owed (they skip what was already offered)."""
    return list(
        Shipment.objects.filter(
            status=ShipmentStatus.DELIVERED,
            delivered_at__gte=since,
            delivered_at__lt=until,
            delivered_at__gt=F("promised_end"),
        )
        .exclude(delay_reason="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def approval_queue() -> QuerySet[Offer]:
    """Proposals waiting for a manager, oldest first, with everything a row shows joined."""
    return (
        Offer.objects.filter(status=OfferStatus.PROPOSED)
        .select_related(
            "shipment__carrier", "shipment__customer", "ticket", "rule", "proposed_by", "budget"
        )
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class CarrierCost:
    carrier: str
    currency: str
    offers: int
    accepted: int
    amount: Decimal
    accepted_amount: Decimal
    carrier_fault_amount: Decimal


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def compensation_cost_per_carrier(*, start: date, end: date) -> list[CarrierCost]:
    """What compensation cost per carrier for offers issued from `start` to `end` (inclusive,
    local days): every grant (issued or accepted), the accepted part, and the part for delays
    the carrier caused (what a claim can recover), per currency."""
    rows = (
        Offer.objects.filter(
            status__in=GRANTED_OFFER_STATUSES,
            issued_at__gte=_day_start(start),
            issued_at__lt=_day_start(end + timedelta(days=1)),
        )
        .values(carrier=F("shipment__carrier__name"), money=F("currency"))
        .annotate(
            offers=Count("pk"),
            accepted=Count("pk", filter=Q(status=OfferStatus.ACCEPTED)),
            total=Sum("amount"),
            accepted_total=Sum("amount", filter=Q(status=OfferStatus.ACCEPTED)),
            carrier_fault_total=Sum(
                "amount", filter=Q(shipment__delay_reason__in=CARRIER_FAULT_REASONS)
            ),
        )
        .order_by("carrier", "money")
    )
    return [
        CarrierCost(
            carrier=row["carrier"],
            currency=row["money"],
            offers=row["offers"],
            accepted=row["accepted"],
            amount=row["total"] or Decimal(0),
            accepted_amount=row["accepted_total"] or Decimal(0),
            carrier_fault_amount=row["carrier_fault_total"] or Decimal(0),
        )
        for row in rows
    ]


def budgets_covering(day: date) -> list:
    """The budgets whose period covers `day` (what approving today takes from), by currency,
    the general one before the carriers'; one query."""
    return list(
        Budget.objects.filter(period_start__lte=day, period_end__gte=day)
        .select_related("carrier")
        .order_by("currency", F("carrier").asc(nulls_first=True), "pk")
    )


def budgets_for_desk() -> QuerySet:
    """Every budget, latest period first, with its carrier; for the managers' list."""
    return Budget.objects.select_related("carrier").order_by("-period_start", "currency", "pk")
