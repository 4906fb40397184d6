"""The demo's present: tickets laid around the time of each start, so the desk has something to
do on the first start and a week later.

The month of history (`tickets`) is laid once and then ages: a week on, every open ticket in it
is overdue, its agents' silence has sent it back to the pool and its countdowns are gone. So each
run looks at the desk as it is now, and when nothing is due within the hour or the demo agent or
manager has nobody waiting on them, it lays a fresh batch: tickets filed in the last hours with
their SLA clocks staggered so that one comes due every hour for the next seven (category lost
and damaged, whose demo SLA policy runs around the clock, so this holds at night and at
weekends too), three already overdue, two waiting for the customer (clock stopped), and one where
the customer answered with photos. Everything goes through the ticket services at those times.
A run that finds the desk busy adds nothing.
"""

import random
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from apps.shipments.models import Shipment
from apps.tickets.models import (
    OPEN_STATUSES,
    MessageAuthor,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.queue import sla_at_risk_q
from apps.tickets.services import (
    attachments_add,
    attachments_validate,
    ticket_assign,
    ticket_open,
    ticket_reply,
    ticket_transition,
)

from .images import broken_item_png, crushed_box_png
from .texts.live import LIVE_TEXTS

# Lost and damaged parcels are answered around the clock in the demo: their clocks run at night
# and at weekends, so the queue has countdowns whenever someone opens it.
AROUND_THE_CLOCK = {
    TicketCategory.LOST: "Lost parcels: around the clock",
    TicketCategory.DAMAGED: "Damaged parcels: around the clock",
}
RECENT = timedelta(days=4)
P = TicketPriority
# (category, priority, filed minutes ago, assignee, story). The first-response targets (1, 2,
# 4, 8 h) put the due times 20 min, 1 h 10, 2 h 05, 3 h, 3 h 55, 4 h 50, 5 h 45 and 6 h 40 ahead.
BATCH = (
    ("lost", P.URGENT, 40, None, "new"),
    ("damaged", P.HIGH, 50, "agent", "new"),
    ("lost", P.NORMAL, 115, None, "new"),
    ("damaged", P.NORMAL, 60, "manager", "new"),
    ("lost", P.LOW, 245, None, "new"),
    ("lost", P.LOW, 190, "agent", "new"),
    ("damaged", P.LOW, 135, None, "new"),
    ("lost", P.LOW, 80, "minho", "new"),
    # Overdue: nobody answered within the first-answer target; the customer asked again.
    ("lost", P.HIGH, 180, "agent", "overdue"),
    ("damaged", P.URGENT, 130, "manager", "overdue"),
    # Overdue too: answered, but not resolved within the 16 h an urgent lost parcel has.
    ("lost", P.URGENT, 1200, "agent", "overdue_answered"),
    # The agent asked for photos; the customer sent them (thumbnails) and the agent noted them.
    ("damaged", P.HIGH, 300, "agent", "photos"),
    # Waiting for the customer: the SLA clock stopped.
    ("damaged", P.HIGH, 200, "agent", "waiting_photos"),
    ("late", P.NORMAL, 360, "manager", "waiting_pickup"),
)


def sla_policies_ensure() -> None:
    """An around-the-clock SLA policy for lost and for damaged parcels, unless the category has
    an active policy or the demo's was laid before (a manager who switched it off keeps it off)."""
    taken = set(
        SlaPolicy.objects.filter(
            Q(is_active=True) | Q(name__in=AROUND_THE_CLOCK.values()),
            category__in=list(AROUND_THE_CLOCK),
        ).values_list("category", flat=True)
    )
    SlaPolicy.objects.bulk_create(
        SlaPolicy(
            name=name,
            category=category,
            time_zone="Asia/Seoul",
            working_days="1234567",
            working_hours_start=time(0),
            working_hours_end=time(0),
            holidays_country="",
            silence_hours=8,
        )
        for category, name in AROUND_THE_CLOCK.items()
        if category not in taken
    )


def desk_needs_work(users: dict, now: datetime) -> bool:
    """Whether the desk looks idle: nothing due within the hour, or nobody waiting on the demo
    agent or manager."""
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    return not (
        Ticket.objects.filter(sla_at_risk_q(now)).exists()
        and open_tickets.filter(assignee=users["agent"]).exists()
        and open_tickets.filter(assignee=users["manager"]).exists()
    )


def live_tickets_ensure(users: dict, now: datetime, created: dict) -> None:
    """Lay a batch on the run that lays the month's history, and whenever the desk looks idle."""
    if not created["tickets"] and not desk_needs_work(users, now):
        return
    # Seeded by the number of tickets: each batch picks other parcels, the same in every database.
    rng = random.Random(f"live-{Ticket.objects.count()}")  # noqa: S311 - demo data
    parcels = _parcels(rng, now)
    for category, priority, minutes, assignee, story in BATCH:
        if not parcels[category]:
            continue
        shipment = parcels[category].pop()
        handler = users[assignee] if assignee else None
        filed = now - timedelta(minutes=minutes)
        _lay(rng, shipment, category, priority, filed, handler, users["manager"], story)
        created["tickets"] += 1


def _parcels(rng: random.Random, now: datetime) -> dict[str, list[Shipment]]:
    """Parcels on the way for lost ones, delivered for damaged ones, late and on the way for the
    late one: those without a ticket first, then those without an open one, then any (after many
    starts a parcel gets a second ticket, as happens)."""
    shipments = Shipment.objects.select_related("carrier", "customer").order_by("pk")
    free = shipments.filter(tickets__isnull=True)
    quiet = shipments.exclude(tickets__status__in=OPEN_STATUSES)
    on_the_way = Q(delivered_at__isnull=True, last_event_at__isnull=False)
    # A broken item is noticed on unpacking: delivered in the last days where there are such.
    wanted = {
        "lost": (7, on_the_way, Q()),
        "damaged": (6, Q(delivered_at__isnull=False), Q(delivered_at__gte=now - RECENT)),
        "late": (1, on_the_way & Q(is_delayed=True), Q()),
    }
    chosen = {}
    for key, (count, where, recent) in wanted.items():
        picked: list[Shipment] = []
        for pool in (free.filter(recent), free, quiet, shipments):
            rest = [s for s in pool.filter(where) if s not in picked]
            picked += rng.sample(rest, min(count - len(picked), len(rest)))
            if len(picked) == count:
                break
        chosen[key] = sorted(picked, key=lambda s: s.pk)
    return chosen


def _fill(text: str, shipment: Shipment) -> str:
    language, name = shipment.customer.language, shipment.customer.name
    local = timezone.localtime(shipment.promised_end)
    eta_end = timezone.localtime(shipment.estimate_end or shipment.promised_end)
    if language == "ko":
        date, eta, name = (
            f"{local.month}월 {local.day}일",
            f"{eta_end.month}월 {eta_end.day}일",
            (f"{name} 고객님"),
        )
    else:
        date, eta, name = (
            f"{local.day} {local:%b}",
            f"by {eta_end.day} {eta_end:%b}",
            (name.split()[0]),
        )
    return text.format(
        name=name,
        tn=shipment.tracking_number,
        order=shipment.order_reference,
        carrier=shipment.carrier.name,
        date=date,
        eta=eta,
    )


def _lay(rng, shipment, category, priority, filed, handler, manager, story) -> Ticket:
    texts = LIVE_TEXTS[shipment.customer.language]
    subject, body = rng.choice(texts[category])
    ticket, _token = ticket_open(
        customer=shipment.customer,
        category=category,
        subject=_fill(subject, shipment),
        body=_fill(body, shipment),
        shipment=shipment,
        priority=priority,
        now=filed,
    )
    if handler is not None:
        # Dealt round-robin (no actor) to an agent; a manager takes one themselves.
        actor = handler if handler == manager else None
        ticket = ticket_assign(
            ticket=ticket, assignee=handler, actor=actor, now=filed + timedelta(minutes=2)
        )
    if story == "overdue_answered":
        ticket_reply(
            ticket=ticket,
            body=_fill(texts["trace"], shipment),
            author_kind=MessageAuthor.AGENT,
            author=handler,
            now=filed + timedelta(minutes=20),
        )
    if story in ("overdue", "overdue_answered"):
        ticket_reply(
            ticket=ticket,
            body=texts["nudge"],
            author_kind=MessageAuthor.CUSTOMER,
            now=filed + timedelta(minutes=110 if story == "overdue" else 1100),
        )
    if story == "overdue_answered":
        ticket_reply(
            ticket=ticket,
            body=_fill(texts["trace_note"], shipment),
            author_kind=MessageAuthor.AGENT,
            author=handler,
            is_internal=True,
            now=filed + timedelta(minutes=1150),
        )
    elif story in ("photos", "waiting_photos", "waiting_pickup"):
        key = "ask_pickup" if story == "waiting_pickup" else "ask_photos"
        ticket_reply(
            ticket=ticket,
            body=_fill(texts[key], shipment),
            author_kind=MessageAuthor.AGENT,
            author=handler,
            now=filed + timedelta(minutes=25),
        )
        ticket = ticket_transition(
            ticket=ticket,
            to_status=TicketStatus.PENDING_CUSTOMER,
            actor=handler,
            now=filed + timedelta(minutes=26),
        )
    if story == "photos":
        answered = filed + timedelta(minutes=270)
        message = ticket_reply(
            ticket=ticket, body=texts["photos"], author_kind=MessageAuthor.CUSTOMER, now=answered
        )
        photos_attach(message, answered)
        ticket_reply(
            ticket=ticket,
            body=_fill(texts["photos_note"], shipment),
            author_kind=MessageAuthor.AGENT,
            author=handler,
            is_internal=True,
            now=answered + timedelta(minutes=12),
        )
    return ticket


def photos_attach(message, at: datetime) -> None:
    """Two photos the customer sent, stored as uploads are (a random name per file)."""
    uploads = [
        SimpleUploadedFile("box.png", crushed_box_png(), content_type="image/png"),
        SimpleUploadedFile("item.png", broken_item_png(), content_type="image/png"),
    ]
    attachments_add(message=message, checked=attachments_validate(uploads=uploads), now=at)
