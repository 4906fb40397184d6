"""Issuing approved offers: a voucher, the money moved from reserved to spent, the customer told.

Approvals queue the issue task once they commit (`offers_issue_queue`); the "Issue approved
offers" schedule (`offers_issue_due`) catches any task that was lost. Issuing is idempotent, so
a task delivered twice issues nothing twice.
"""

import base64
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_q.tasks import async_task

from apps.compensation.facts import tickets_open
from apps.compensation.models import Offer, OfferStatus, Voucher
from apps.compensation.services.budgets import budget_spend
from apps.compensation.services.moves import offer_move
from apps.compensation.telling import offer_tell
from apps.shipments.models import Shipment
from apps.tickets.models import Ticket
from apps.tickets.services import ticket_open

# Offers per issue task.
TASK_SIZE = 1000


def offers_issue_queue(*, offer_ids: list[int]) -> None:
    """Queue the issue tasks for these offers, TASK_SIZE offers a task. Call it from
    transaction.on_commit: a task must never see an approval that may still roll back."""
    for start in range(0, len(offer_ids), TASK_SIZE):
        async_task(
            "apps.compensation.tasks.issue_offers",
            offer_ids[start : start + TASK_SIZE],
            group="compensation",
        )


def voucher_code() -> str:
    """120 random bits in base32, grouped for reading out: XXXX-XXXX-XXXX-XXXX-XXXX-XXXX."""
    text = base64.b32encode(secrets.token_bytes(15)).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _ticket_for(offer: Offer, now: datetime) -> Ticket:
    """The customer's page for the offer: its ticket, or a new proactive one for the delay."""
    if offer.ticket_id:
        return offer.ticket
    existing = tickets_open(shipment_ids=[offer.shipment_id]).get(offer.shipment_id)
    if existing:
        return Ticket.objects.get(pk=existing)
    shipment = Shipment.objects.select_related("customer").get(pk=offer.shipment_id)
    with translation.override(shipment.customer.language):
        ticket, _token = ticket_open(
            customer=shipment.customer,
            shipment=shipment,
            category="late",
            subject=gettext("Your parcel %(number)s is late")
            % {"number": shipment.tracking_number},
            body=gettext("We are sorry your parcel is late. Our offer to make up for it is below."),
            is_proactive=True,
            now=now,
        )
    return ticket


def offer_issue(*, offer_id: int, now: datetime | None = None) -> Offer | None:
    """Turn an approved offer into a voucher and tell the customer; None when the offer is not
    (or no longer) approved, so a re-run issues nothing twice.

    In one transaction: locks the offer row, opens a proactive ticket when the delay has none,
    creates the voucher, moves the amount from reserved to spent in the budget (a relative
    UPDATE), sets the answer deadline (OFFER_ANSWER_DAYS) and queues the message to the customer.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Wait for the row rather than skip it: whoever holds it (a refused second approval, a
        # second worker) lets go soon, and PostgreSQL re-checks the status on the row it then
        # reads, so a second run finds the offer issued and leaves it.
        offer = (
            Offer.objects.select_for_update(of=("self",))
            .select_related("ticket", "shipment")
            .filter(pk=offer_id, status=OfferStatus.APPROVED)
            .first()
        )
        if offer is None:
            return None
        ticket = _ticket_for(offer, now)
        Voucher.objects.create(offer=offer, code=voucher_code(), created_at=now)
        budget_spend(offer=offer, now=now)
        offer.ticket = ticket
        offer.issued_at = now
        offer.expires_at = now + timedelta(days=settings.DELAYDESK["OFFER_ANSWER_DAYS"])
        offer_move(
            offer=offer,
            to_status=OfferStatus.ISSUED,
            note="Voucher issued; the customer is told.",
            now=now,
        )
        offer.save(update_fields=["status", "reserved", "ticket", "issued_at", "expires_at"])
        offer_tell(offer=offer, stage="offer_issued", now=now)
        return offer


def offers_issue_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Issue approved offers whose task was lost (the schedule's safety net), oldest decision
    first, each in its own transaction (offer_issue); returns how many were issued."""
    ids = list(
        Offer.objects.filter(status=OfferStatus.APPROVED)
        .order_by("decided_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(offer_issue(offer_id=pk, now=now) is not None for pk in ids)
