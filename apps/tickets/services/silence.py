"""Reassign on silence: an assigned ticket nobody acts on goes back to the pool.

An assigned ticket that is new or open (not waiting on the customer) whose agent has done
nothing for its policy's `silence_hours` of WORKING time loses its assignee, with a
RETURNED_TO_POOL row on the timeline. The silence is read from the timeline, so no service has
to keep a "last action" column: the clock starts at the ticket's latest event that is
- anything an agent or manager did (an event with an actor: reply, note, status or priority
  change, assignment, compensation, delivery change, ...);
- an assignment, whoever made it (round-robin deals have no actor: the agent's time starts
  when the ticket reaches them);
- a status change, whoever made it (a customer's reply that ends a wait starts a new turn);
or at the ticket's creation if it has none of those. The escalation's priority step (no
actor) does not count: it is not an agent acting.

Run by a django-q task every 5 minutes; at-least-once is fine: a returned ticket has no
assignee, so a second run finds nothing, and rows are locked (SKIP LOCKED on PostgreSQL) so
two concurrent runs return each ticket once.
"""

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.tickets.models import (
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketStatus,
)
from apps.tickets.sla import DEFAULT_CALENDAR, DEFAULT_SILENCE
from apps.tickets.sla_calendar import WorkingCalendar

# Statuses in which the customer waits on the agent (pending_customer is paused: not silent).
WAITING_ON_AGENT = (TicketStatus.NEW, TicketStatus.OPEN)
# Tickets are read in batches; one run handles at most BATCH × MAX_BATCHES per policy (a
# backlog after an outage or the first deployment), the next run takes the rest.
BATCH = 500
MAX_BATCHES = 20
# Well inside the django-q timeout (Q_TIMEOUT, 60 s by default).
BUDGET_SECONDS = 40.0

AGENT_ACTION = Q(actor__isnull=False) | Q(
    kind__in=[TicketEventKind.ASSIGNED, TicketEventKind.STATUS_CHANGED]
)


def last_agent_action() -> Coalesce:
    """Annotation: when the ticket's current turn with its agent began (see the module)."""
    latest = (
        TicketEvent.objects.filter(AGENT_ACTION, ticket=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Coalesce(Subquery(latest, output_field=DateTimeField()), "created_at")


def silence_rules() -> list[tuple[list[str], WorkingCalendar, timedelta | None]]:
    """(categories, calendar, silence) for every category, grouped by the policy that rules it."""
    policies = {p.category: p for p in SlaPolicy.objects.filter(is_active=True)}
    default = policies.get("")
    groups: dict[int | None, tuple[list[str], WorkingCalendar, timedelta | None]] = {}
    for category in TicketCategory.values:
        policy = policies.get(category) or default
        if policy is None:
            key, calendar, silence = None, DEFAULT_CALENDAR, DEFAULT_SILENCE
        else:
            key, calendar = policy.pk, policy.calendar()
            silence = timedelta(hours=policy.silence_hours) if policy.silence_hours else None
        groups.setdefault(key, ([], calendar, silence))[0].append(category)
    return list(groups.values())


def _silent(categories: list[str], cutoff: datetime) -> QuerySet:
    return Ticket.objects.annotate(last_action=last_agent_action()).filter(
        assignee__isnull=False,
        status__in=WAITING_ON_AGENT,
        sla_paused_at__isnull=True,
        category__in=categories,
        last_action__lte=cutoff,
    )


def tickets_return_silent(*, now: datetime | None = None, budget: float = BUDGET_SECONDS) -> int:
    """Return every ticket silent past its policy's limit to the pool; returns how many.

    Stops taking new tickets after `budget` seconds (each ticket commits on its own, so the
    next run goes on where this one stopped)."""
    now = now or timezone.now()
    deadline = time.monotonic() + budget
    returned = 0
    for categories, calendar, silence in silence_rules():
        if silence is None:
            continue
        # The latest start from which `silence` of working time has run out by `now`.
        cutoff = calendar.subtract(now, silence)
        hours = int(silence.total_seconds() // 3600)
        for _ in range(MAX_BATCHES):
            ids = list(
                _silent(categories, cutoff)
                .order_by("last_action")
                .values_list("pk", flat=True)[:BATCH]
            )
            done = sum(
                _return_one(pk, categories, cutoff, hours, now)
                for pk in ids
                if time.monotonic() < deadline
            )
            returned += done
            # A short batch was the last; an empty one means the rest is locked by another run.
            if len(ids) < BATCH or not done or time.monotonic() >= deadline:
                break
    return returned


@transaction.atomic
def _return_one(ticket_id: int, categories: list[str], cutoff: datetime, hours: int, now) -> int:
    # Checked again under the lock: an agent may have acted since the list was read.
    ticket = (
        _silent(categories, cutoff)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("assignee")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return 0
    previous = ticket.assignee
    ticket.assignee = None
    ticket.save(update_fields=["assignee", "updated_at"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEventKind.RETURNED_TO_POOL,
        from_value=previous.username[:40],
        to_value="",
        note=f"no agent action for {hours} working hour{'' if hours == 1 else 's'}",
        created_at=now,
    )
    return 1
