"""The demo's tickets: who complains about which parcel, how far along each ticket is, and the
conversation that brings it there."""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from apps.shipments.models import DelayReason, PromiseType, Shipment
from apps.tickets.models import TicketCategory, TicketPriority, TicketStatus

from ..texts.tickets import ITEMS, REASON_TEXT, TEXTS
from .clock import Clock
from .records import TicketPlan

# How many parcels that are fine still get a ticket, by what the customer asks about.
ON_TIME_TICKETS = {
    "delivered": 3,
    "in_transit": 2,
    "attempt_failed": 2,
    "pickup_point": 1,
    "refused": 1,
    "pending": 1,
}


def _day_text(language: str, moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}월 {local.day}일" if language == "ko" else f"{local.day} {local:%b}"


def _window_text(language: str, start: datetime, end: datetime) -> str:
    first, last = _day_text(language, start), _day_text(language, end)
    if first == last:
        return first
    return f"{first}~{last}" if language == "ko" else f"{first} – {last}"


def fill(template: str, plan: TicketPlan, shipment: Shipment | None, item: str = "") -> str:
    language = plan.customer.language
    values = dict.fromkeys(("order", "tn", "carrier", "date", "eta", "reason", "status"), "")
    values.update(name=plan.customer.address, item=item)
    if shipment is not None:
        values.update(
            order=shipment.order_reference,
            tn=shipment.tracking_number,
            carrier=shipment.carrier.name,
            date=_day_text(language, shipment.promised_end),
            eta=_window_text(
                language,
                shipment.estimate_start or shipment.promised_start,
                shipment.estimate_end or shipment.promised_end,
            ),
            reason=REASON_TEXT[language].get(shipment.delay_reason, ""),
            status=(
                TEXTS["ko"]["status"][shipment.status]
                if language == "ko"
                else str(shipment.get_status_display()).lower()
            ),
        )
    return template.format(**values)


def plan_tickets(rng: random.Random, clock: Clock, plans: list, shipments: dict) -> list:
    """About 45 tickets: most on late parcels, some on parcels that are fine, two on none."""
    tickets = []
    proactive_left = 4
    for plan in plans:
        shipment = shipments[plan]
        if not shipment.delay_reason:
            continue
        if shipment.delay_reason == DelayReason.ESTIMATE_LATE and rng.random() < 0.5:
            continue
        proactive = proactive_left > 0 and shipment.is_delayed and rng.random() < 0.25
        proactive_left -= proactive
        lag = (
            timedelta(minutes=rng.randint(5, 40))
            if proactive
            else timedelta(hours=rng.randint(2, 30))
        )
        category = {
            DelayReason.LOST: TicketCategory.LOST,
            DelayReason.DAMAGED: TicketCategory.DAMAGED,
            DelayReason.NOT_HOME: TicketCategory.FAILED_DELIVERY,
            DelayReason.WRONG_ADDRESS: TicketCategory.WRONG_ADDRESS,
        }.get(shipment.delay_reason, TicketCategory.LATE)
        tickets.append(
            TicketPlan(
                customer=plan.customer,
                shipment=plan,
                category=category,
                topic=category,
                created=shipment.delay_detected_at + lag,
                proactive=proactive,
            )
        )
    wanted = dict(ON_TIME_TICKETS)
    topics = {
        "delivered": ("not_received", TicketCategory.LOST),
        "in_transit": ("where", TicketCategory.OTHER),
        "attempt_failed": ("failed_delivery", TicketCategory.FAILED_DELIVERY),
        "pickup_point": ("pickup_point", TicketCategory.OTHER),
        "refused": ("refund", TicketCategory.OTHER),
        "pending": ("not_shipped", TicketCategory.LATE),
    }
    for plan in plans:
        shipment = shipments[plan]
        if shipment.delay_reason or not wanted.get(plan.kind):
            continue
        wanted[plan.kind] -= 1
        topic, category = topics[plan.kind]
        tickets.append(
            TicketPlan(
                customer=plan.customer,
                shipment=plan,
                category=category,
                topic=topic,
                created=shipment.last_event_at + timedelta(hours=rng.randint(1, 12)),
            )
        )
    for language in ("ko", "en"):
        customer = next(
            pl.customer
            for pl in plans
            if pl.customer.language == language and pl.customer.abroad is None
        )
        tickets.append(
            TicketPlan(
                customer=customer,
                shipment=None,
                category=TicketCategory.OTHER,
                topic="no_parcel",
                created=clock.at(-rng.randint(2, 20), rng.randint(9, 21)),
            )
        )
    for ticket in tickets:
        texts = TEXTS[ticket.customer.language]
        shipment = shipments[ticket.shipment] if ticket.shipment else None
        item = rng.choice(ITEMS[ticket.customer.language])
        if ticket.proactive:
            subject, body = texts["proactive"]
        elif ticket.topic == "no_parcel":
            subject, body = texts["no_parcel"]
        else:
            subject, body = rng.choice(texts["open"][ticket.topic])
        ticket.subject = fill(subject, ticket, shipment, item)
        ticket.body = fill(body, ticket, shipment, item)
        if ticket.shipment and ticket.shipment.promise_type == PromiseType.NEEDED_BY:
            ticket.priority = TicketPriority.URGENT
        elif ticket.proactive and shipment.delay_reason in (DelayReason.LOST, DelayReason.CUSTOMS):
            ticket.priority = TicketPriority.HIGH
        ticket.created = min(ticket.created, clock.anchor - timedelta(hours=1))
    _statuses_assign(rng, clock, tickets)
    return tickets


def _statuses_assign(rng: random.Random, clock: Clock, tickets: list) -> None:
    """Older tickets are further along: closed, resolved, waiting, open, and the newest new."""
    tickets.sort(key=lambda t: t.created)
    bands = (
        [TicketStatus.CLOSED] * 11
        + [TicketStatus.RESOLVED] * 9
        + [TicketStatus.PENDING_CUSTOMER] * 7
        + [TicketStatus.OPEN] * 10
    )
    bands += [TicketStatus.NEW] * (len(tickets) - len(bands))
    for ticket, status in zip(tickets, bands, strict=True):
        ticket.status = status
        if status == TicketStatus.NEW:
            ticket.created = max(
                ticket.created, clock.anchor - timedelta(minutes=rng.randint(40, 540))
            )
    open_tickets = [t for t in tickets if t.status == TicketStatus.OPEN]
    open_tickets[0].variant = "reopened"
    open_tickets[1].variant = "answered"


def ticket_steps(rng: random.Random, plan: TicketPlan, handler) -> list:
    """(minutes after the previous step, kind, payload) that bring a ticket to its status."""
    T = TicketStatus
    texts = TEXTS[plan.customer.language]
    topic = (
        "general"
        if plan.shipment is None
        else plan.category
        if plan.category in texts["reply"]
        else "other"
    )
    steps = []
    if plan.status == T.NEW:
        if handler.username == "agent" and rng.random() < 0.4:
            steps.append((rng.randint(2, 20), "assign", None))
        if not plan.proactive and rng.random() < 0.3:
            steps.append((rng.randint(60, 240), "customer", rng.choice(texts["nudge"])))
        return steps
    steps.append((rng.randint(5, 40), "assign", None))
    if plan.proactive:
        steps.append((rng.randint(30, 400), "customer", rng.choice(texts["proactive_reply"])))
    steps.append((rng.randint(10, 90), "status", (T.OPEN, "")))
    asks = (
        plan.status == T.PENDING_CUSTOMER
        or plan.variant == "answered"
        or (plan.status in (T.RESOLVED, T.CLOSED) and rng.random() < 0.4)
    )
    if asks:
        steps.append((rng.randint(5, 40), "agent", texts["question"][topic]))
        steps.append((rng.randint(1, 3), "status", (T.PENDING_CUSTOMER, "")))
        if plan.status == T.PENDING_CUSTOMER:
            return steps
        steps.append((rng.randint(90, 1200), "customer", rng.choice(texts["answer"])))
        steps.append((rng.randint(1, 5), "status", (T.OPEN, "The customer answered")))
        if plan.variant == "answered":
            steps.append((rng.randint(20, 200), "note", rng.choice(texts["note"])))
            return steps
    steps.append((rng.randint(5, 60), "agent", texts["reply"][topic]))
    if rng.random() < 0.5:
        steps.append((rng.randint(10, 120), "note", rng.choice(texts["note"])))
    if plan.status == T.OPEN and plan.variant != "reopened":
        if rng.random() < 0.5:
            steps.append((rng.randint(60, 600), "customer", rng.choice(texts["nudge"])))
        return steps
    steps.append((rng.randint(120, 2400), "resolve", topic))
    steps.append((rng.randint(1, 10), "status", (T.RESOLVED, "")))
    if plan.variant == "reopened":
        steps.append((rng.randint(600, 2000), "customer", texts["reopen"]))
        steps.append((1, "status", (T.OPEN, "Reopened by the customer's reply")))
        steps.append((rng.randint(20, 120), "note", rng.choice(texts["note"])))
    elif plan.status == T.CLOSED:
        steps.append((3 * 24 * 60, "status", (T.CLOSED, "Closed after resolution")))
    return steps
