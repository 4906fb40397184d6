"""What the desk shows of a customer beside one of their tickets: their other tickets, parcels,
the compensation they received and the scores they gave.

One query per section, the newest HISTORY_SHOWN of each, whatever the customer's history holds.
"""

from dataclasses import dataclass

from apps.compensation.models import Offer, OfferStatus
from apps.core.money import money_format
from apps.feedback.models import SurveyResponse
from apps.shipments.models import Shipment
from apps.tickets.models import Ticket

HISTORY_SHOWN = 8
# What the customer was actually given (or offered and is deciding on).
RECEIVED = (OfferStatus.ISSUED, OfferStatus.ACCEPTED)


@dataclass(frozen=True)
class CustomerHistory:
    tickets: list
    shipments: list
    compensation: list  # (offer, amount text)
    scores: list


def customer_history(*, ticket: Ticket, shown: int = HISTORY_SHOWN) -> CustomerHistory:
    customer_id = ticket.customer_id
    tickets = list(
        Ticket.objects.filter(customer_id=customer_id)
        .exclude(pk=ticket.pk)
        .only("pk", "reference", "subject", "status", "category", "created_at")
        .order_by("-created_at", "-pk")[:shown]
    )
    shipments = list(
        Shipment.objects.filter(customer_id=customer_id)
        .select_related("carrier")
        .only(
            "pk",
            "tracking_number",
            "status",
            "is_delayed",
            "delay_reason",
            "created_at",
            "carrier__name",
        )
        .order_by("-created_at", "-pk")[:shown]
    )
    offers = list(
        Offer.objects.filter(shipment__customer_id=customer_id, status__in=RECEIVED)
        .only("pk", "kind", "amount", "currency", "status", "created_at", "ticket_id")
        .order_by("-created_at", "-pk")[:shown]
    )
    scores = list(
        SurveyResponse.objects.filter(survey__ticket__customer_id=customer_id)
        .select_related("survey__ticket")
        .only("pk", "csat", "nps", "comment", "created_at", "survey__ticket__reference")
        .order_by("-created_at", "-pk")[:shown]
    )
    return CustomerHistory(
        tickets=tickets,
        shipments=shipments,
        compensation=[(offer, money_format(offer.amount, offer.currency)) for offer in offers],
        scores=scores,
    )
