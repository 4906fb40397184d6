"""Every write to tickets: transactional, locking, and leaving a timeline entry."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.core.tokens import reference_generate, token_generate, token_hash
from apps.shipments.models import Customer, Shipment
from apps.tickets.errors import (
    EmptyMessage,
    NotForCustomers,
    ReopenWindowClosed,
    TicketChanged,
    TicketClosed,
    TicketTransitionRefused,
)
from apps.tickets.models import (
    Message,
    MessageAuthor,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketLink,
    TicketStatus,
)
from apps.tickets.services.assignment import ticket_assign_round_robin
from apps.tickets.sla import default_priority, sla_due_times, sla_due_times_resumed
from apps.tickets.telling import ticket_tell

# A resolved ticket can be reopened by its customer this long after resolution.
REOPEN_DAYS = 7


def _unique_reference() -> str:
    while True:
        reference = reference_generate("DD-", 7)
        if not Ticket.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def ticket_open(
    *,
    customer: Customer,
    category: str,
    subject: str,
    body: str,
    shipment: Shipment | None = None,
    language: str | None = None,
    priority: int | None = None,
    is_proactive: bool = False,
    actor=None,
    now: datetime | None = None,
) -> tuple[Ticket, str]:
    """Open a ticket with the customer's first message; returns the ticket and its raw token.

    The raw token exists only in the return value (for the link sent to the customer); the
    database keeps its hash.
    """
    body = body.strip()
    if not body:
        raise EmptyMessage()
    now = now or timezone.now()
    priority = priority or default_priority(category)
    first_due, resolution_due = sla_due_times(priority=priority, category=category, start=now)
    token = token_generate()
    ticket = Ticket.objects.create(
        reference=_unique_reference(),
        token_hash=token_hash(token),
        customer=customer,
        shipment=shipment,
        subject=subject.strip()[:200],
        category=category,
        language=language or customer.language,
        priority=priority,
        is_proactive=is_proactive,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        last_customer_message_at=None if is_proactive else now,
        created_at=now,
    )
    Message.objects.create(
        ticket=ticket,
        author_kind=MessageAuthor.SYSTEM if is_proactive else MessageAuthor.CUSTOMER,
        body=body,
        created_at=now,
    )
    if not is_proactive:
        ticket_tell(ticket=ticket, stage="opened", now=now)
    if settings.DELAYDESK["AUTO_ASSIGN"]:
        ticket_assign_round_robin(ticket=ticket, now=now)
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEventKind.CREATED,
        actor=actor,
        to_value=TicketStatus.NEW,
        created_at=now,
    )
    return ticket, token


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    to_status: str,
    actor=None,
    note: str = "",
    by_customer: bool = False,
    quiet: bool = False,
    expected_status: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Move a ticket along its status machine under a row lock, keeping the SLA clock right.

    `expected_status`: the status the caller's page showed; if the ticket has moved since,
    nothing is done and TicketChanged says so (a stale form never undoes someone's move).

    Waiting on the customer pauses the SLA; leaving that state pushes the due times back by the
    pause. Closing starts the countdown after which the customer link stops working. A customer
    may only reopen a resolved ticket, within REOPEN_DAYS. The customer is told of every change
    they did not make themselves.
    """
    now = now or timezone.now()
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    from_status = locked.status
    if expected_status is not None and expected_status != from_status:
        raise TicketChanged(field="status", expected=expected_status, current=from_status)
    if not locked.can_transition_to(to_status):
        raise TicketTransitionRefused(from_status=from_status, to_status=to_status)
    if by_customer:
        if (from_status, to_status) != (TicketStatus.RESOLVED, TicketStatus.OPEN):
            raise NotForCustomers()
        if locked.resolved_at and now - locked.resolved_at > timedelta(days=REOPEN_DAYS):
            raise ReopenWindowClosed(REOPEN_DAYS)

    fields = ["status", "updated_at"]
    if from_status == TicketStatus.PENDING_CUSTOMER and locked.sla_paused_at:
        # Moved by the paused working time of the ticket's SLA calendar.
        locked.first_response_due_at, locked.resolution_due_at = sla_due_times_resumed(
            ticket=locked, now=now
        )
        locked.sla_paused_at = None
        fields += ["first_response_due_at", "resolution_due_at", "sla_paused_at"]
    if to_status == TicketStatus.PENDING_CUSTOMER:
        locked.sla_paused_at = now
        fields.append("sla_paused_at")
    if to_status == TicketStatus.RESOLVED:
        locked.resolved_at = now
        fields.append("resolved_at")
    if to_status == TicketStatus.OPEN and from_status == TicketStatus.RESOLVED:
        locked.resolved_at = None
        fields.append("resolved_at")
    if to_status == TicketStatus.CLOSED:
        locked.closed_at = now
        locked.resolved_at = locked.resolved_at or now
        days = settings.DELAYDESK["TICKET_LINK_DAYS_AFTER_CLOSE"]
        locked.token_expires_at = now + timedelta(days=days)
        fields += ["closed_at", "resolved_at", "token_expires_at"]

    locked.status = to_status
    locked.save(update_fields=list(dict.fromkeys(fields)))
    event = TicketEvent.objects.create(
        ticket=locked,
        kind=TicketEventKind.STATUS_CHANGED,
        actor=actor,
        from_value=from_status,
        to_value=to_status,
        note=note[:500],
        created_at=now,
    )
    if not (by_customer or quiet):
        ticket_tell(ticket=locked, stage=f"status_{to_status}", occurrence=str(event.pk), now=now)
    if to_status == TicketStatus.RESOLVED:
        transaction.on_commit(lambda: _resolved_hooks(locked.pk))
    return locked


def _resolved_hooks(ticket_id: int) -> None:
    """Work that follows a resolution in other apps (the survey), named in settings."""
    for path in settings.TICKET_RESOLVED_HOOKS:
        import_string(path)(ticket_id=ticket_id)


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    body: str,
    author_kind: str,
    author=None,
    is_internal: bool = False,
    tell: bool = True,
    seen_message_id: int | None = None,
    now: datetime | None = None,
) -> Message:
    """Add a message. An agent's first public reply stops the first-response clock.

    `seen_message_id`: the newest message the writer had on screen (0: none). If a message
    came after it, nothing is written and TicketChanged carries the new ones' ids
    (`new_message_ids`): the writer reads them first, then sends again with a newer id. This
    also stops a double submit of one form (its first send is "new" to the second).

    A customer's reply to a ticket waiting on them moves it back to open; to a resolved one it
    reopens it (within REOPEN_DAYS); a closed ticket takes no more replies. The customer hears
    of every public agent reply (`tell=False`: the caller sends one message for several steps).
    """
    body = body.strip()
    if not body:
        raise EmptyMessage()
    now = now or timezone.now()
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status == TicketStatus.CLOSED:
        raise TicketClosed()
    if seen_message_id is not None:
        newer = list(
            Message.objects.filter(ticket=locked, pk__gt=seen_message_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if newer:
            raise TicketChanged(
                "Someone wrote on this ticket since you opened it. Nothing was sent.",
                new_message_ids=newer,
            )
    if author_kind == MessageAuthor.CUSTOMER and locked.status == TicketStatus.RESOLVED:
        locked = ticket_transition(
            ticket=locked,
            to_status=TicketStatus.OPEN,
            by_customer=True,
            now=now,
            note="customer replied",
        )
    elif author_kind == MessageAuthor.CUSTOMER and locked.status == TicketStatus.PENDING_CUSTOMER:
        locked = ticket_transition(
            ticket=locked,
            to_status=TicketStatus.OPEN,
            now=now,
            note="customer replied",
            quiet=True,
        )
    message = Message.objects.create(
        ticket=locked,
        author_kind=author_kind,
        author=author,
        is_internal=is_internal,
        body=body,
        created_at=now,
    )
    fields = ["updated_at"]
    if author_kind == MessageAuthor.AGENT and not is_internal and not locked.first_responded_at:
        locked.first_responded_at = now
        fields.append("first_responded_at")
    if author_kind == MessageAuthor.CUSTOMER:
        locked.last_customer_message_at = now
        fields.append("last_customer_message_at")
    locked.save(update_fields=fields)
    kind = {
        MessageAuthor.CUSTOMER: TicketEventKind.CUSTOMER_REPLIED,
        MessageAuthor.AGENT: TicketEventKind.NOTE_ADDED
        if is_internal
        else TicketEventKind.AGENT_REPLIED,
    }.get(author_kind)
    if kind:
        TicketEvent.objects.create(ticket=locked, kind=kind, actor=author, created_at=now)
    if author_kind == MessageAuthor.AGENT and not is_internal:
        if locked.status == TicketStatus.NEW:
            locked = ticket_transition(
                ticket=locked, to_status=TicketStatus.OPEN, actor=author, now=now, quiet=True
            )
        if tell:
            ticket_tell(ticket=locked, stage="agent_replied", occurrence=str(message.pk), now=now)
    return message


@transaction.atomic
def ticket_reply_and_resolve(
    *,
    ticket: Ticket,
    body: str,
    actor,
    seen_message_id: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """An agent's public reply that resolves the ticket: both or neither, and one message to
    the customer carrying the reply and the news that the request is resolved."""
    now = now or timezone.now()
    message = ticket_reply(
        ticket=ticket,
        body=body,
        author_kind=MessageAuthor.AGENT,
        author=actor,
        tell=False,
        seen_message_id=seen_message_id,
        now=now,
    )
    locked = ticket_transition(
        ticket=ticket, to_status=TicketStatus.RESOLVED, actor=actor, quiet=True, now=now
    )
    ticket_tell(ticket=locked, stage="replied_resolved", occurrence=str(message.pk), now=now)
    return locked


@transaction.atomic
def ticket_link_reissue(*, ticket: Ticket, actor=None, send: bool = False) -> str:
    """Revoke the customer's links and return a new token; with `send`, email them a new link."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    token = token_generate()
    locked.token_hash = token_hash(token)
    locked.token_revoked_at = None
    if locked.status == TicketStatus.CLOSED:
        days = settings.DELAYDESK["TICKET_LINK_DAYS_AFTER_CLOSE"]
        locked.token_expires_at = timezone.now() + timedelta(days=days)
    locked.save(update_fields=["token_hash", "token_revoked_at", "token_expires_at", "updated_at"])
    TicketLink.objects.filter(ticket=locked, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    event = TicketEvent.objects.create(
        ticket=locked, kind=TicketEventKind.LINK_REISSUED, actor=actor
    )
    if send:
        ticket_tell(ticket=locked, stage="link_reissued", occurrence=str(event.pk))
    return token


@transaction.atomic
def ticket_set_priority(
    *,
    ticket: Ticket,
    priority: int,
    actor=None,
    note: str = "",
    expected_priority: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Change the priority; the SLA due times stay as they were promised at opening.

    `expected_priority`: the priority the caller's page showed; if it changed since, nothing is
    done and TicketChanged says so.
    """
    now = now or timezone.now()
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    previous = locked.priority
    if expected_priority is not None and expected_priority != previous:
        raise TicketChanged(field="priority", expected=expected_priority, current=previous)
    if previous == priority:
        return locked
    locked.priority = priority
    locked.save(update_fields=["priority", "updated_at"])
    TicketEvent.objects.create(
        ticket=locked,
        kind=TicketEventKind.PRIORITY_CHANGED,
        actor=actor,
        from_value=str(previous),
        to_value=str(priority),
        note=note[:500],
        created_at=now,
    )
    return locked


@transaction.atomic
def ticket_links_revoke(*, ticket: Ticket, actor=None, now: datetime | None = None) -> Ticket:
    """Every link to this ticket stops working (the first one and each sent since)."""
    now = now or timezone.now()
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    locked.token_revoked_at = now
    locked.save(update_fields=["token_revoked_at", "updated_at"])
    TicketLink.objects.filter(ticket=locked, revoked_at__isnull=True).update(revoked_at=now)
    TicketEvent.objects.create(
        ticket=locked, kind=TicketEventKind.LINK_REVOKED, actor=actor, created_at=now
    )
    return locked
