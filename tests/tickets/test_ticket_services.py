"""Ticket services: opening, moving along the status machine, replying, re-issuing the link."""

import hashlib
from datetime import datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from zeal import zeal_ignore

from apps.core.errors import ApplicationError, InvalidTransition
from apps.notifications.models import Notification
from apps.notifications.services import notifications_dispatch_due
from apps.tickets.models import (
    TICKET_TRANSITIONS,
    Message,
    MessageAuthor,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.selectors import ticket_get_for_token
from apps.tickets.services import (
    ticket_link_reissue,
    ticket_open,
    ticket_reply,
    ticket_reply_and_resolve,
    ticket_transition,
)
from tests.factories import ShipmentFactory, TicketFactory

SEOUL = ZoneInfo("Asia/Seoul")
# A Tuesday morning in the default policy's working week (Mon–Fri 09:00–18:00, Seoul).
TUESDAY_10 = datetime(2026, 11, 24, 10, tzinfo=SEOUL)

pytestmark = pytest.mark.django_db

# zeal (conftest) counts every `.get()` from one line of code across the whole test, so a service
# run once as the "given" and again as the "when" looks like an N+1. Setup calls run in
# `zeal_ignore()`; the call under test stays watched.

LEGAL_MOVES = sorted(
    (from_status, to_status)
    for from_status, targets in TICKET_TRANSITIONS.items()
    for to_status in targets
)
ILLEGAL_MOVES = sorted(
    (from_status, to_status)
    for from_status, to_status in product(TicketStatus.values, repeat=2)
    if to_status not in TICKET_TRANSITIONS[TicketStatus(from_status)]
)


def _ticket_in(status: str, *, now=None) -> Ticket:
    """A ticket sitting in `status`, with the timestamps that status requires."""
    now = now or timezone.now()
    fields = {"status": status}
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        fields["resolved_at"] = now - timedelta(hours=2)
    if status == TicketStatus.CLOSED:
        fields["closed_at"] = now - timedelta(hours=1)
    if status == TicketStatus.PENDING_CUSTOMER:
        fields["sla_paused_at"] = now - timedelta(hours=1)
    return TicketFactory(**fields)


def _row(ticket: Ticket) -> dict:
    return Ticket.objects.filter(pk=ticket.pk).values().first()


# --- ticket_open ------------------------------------------------------------------------------


def test_open_returns_a_long_random_token_and_stores_only_its_sha256(customer):
    ticket, token = ticket_open(
        customer=customer, category=TicketCategory.LATE, subject="Late", body="Where is it?"
    )

    # 32 random bytes in URL-safe base64: at least 43 characters (256 bits).
    assert len(token) >= 43
    assert ticket.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert all(token not in str(value) for value in _row(ticket).values())


def test_open_gives_each_ticket_its_own_token_and_reference(customer):
    first, first_token = ticket_open(
        customer=customer, category=TicketCategory.LATE, subject="One", body="First"
    )
    second, second_token = ticket_open(
        customer=customer, category=TicketCategory.LATE, subject="Two", body="Second"
    )

    assert first_token != second_token
    assert first.reference != second.reference


def test_open_sets_normal_sla_due_times(customer):
    now = TUESDAY_10

    ticket, _ = ticket_open(
        customer=customer, category=TicketCategory.LATE, subject="Late", body="Hi", now=now
    )

    # Normal priority: first answer within 4 working hours, resolution within 48 (sla.py),
    # counted in the default policy's working time: 48 h of 9-hour days is the next Tuesday.
    assert ticket.priority == TicketPriority.NORMAL
    assert ticket.first_response_due_at == now + timedelta(hours=4)
    assert ticket.resolution_due_at == datetime(2026, 12, 1, 13, tzinfo=SEOUL)


def test_open_for_a_lost_parcel_is_high_priority_with_double_resolution_time(customer):
    now = TUESDAY_10

    ticket, _ = ticket_open(
        customer=customer, category=TicketCategory.LOST, subject="Lost", body="Gone", now=now
    )

    # High priority: 2 h to answer, 24 h to resolve, doubled for a carrier investigation.
    assert ticket.priority == TicketPriority.HIGH
    assert ticket.first_response_due_at == now + timedelta(hours=2)
    assert ticket.resolution_due_at == datetime(2026, 12, 1, 13, tzinfo=SEOUL)


def test_open_writes_the_first_message_and_a_created_event(customer, agent):
    now = timezone.now()
    shipment = ShipmentFactory(customer=customer)

    ticket, _ = ticket_open(
        customer=customer,
        shipment=shipment,
        category=TicketCategory.LATE,
        subject="  Late parcel  ",
        body="  It was due yesterday.  ",
        actor=agent,
        now=now,
    )

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert ticket.subject == "Late parcel"
    assert ticket.language == customer.language
    assert ticket.last_customer_message_at == now
    message = Message.objects.get(ticket=ticket)
    assert (message.author_kind, message.body, message.is_internal) == (
        MessageAuthor.CUSTOMER,
        "It was due yesterday.",
        False,
    )
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.to_value, event.actor) == (
        TicketEventKind.CREATED,
        TicketStatus.NEW,
        agent,
    )


def test_open_records_the_given_time_as_the_creation_time(customer):
    # A ticket opened for an earlier moment (import, proactive catch-up) keeps one clock:
    # its creation time, first message and CREATED event all say `now`.
    opened_at = timezone.now() - timedelta(days=3)

    ticket, _ = ticket_open(
        customer=customer, category=TicketCategory.LATE, subject="Late", body="Hi", now=opened_at
    )

    ticket.refresh_from_db()
    assert Message.objects.get(ticket=ticket).created_at == opened_at
    assert TicketEvent.objects.get(ticket=ticket).created_at == opened_at
    assert ticket.created_at == opened_at


@pytest.mark.parametrize("body", ["", "   \n\t "], ids=["empty", "blank"])
def test_open_with_an_empty_body_is_refused_and_writes_nothing(customer, body):
    with pytest.raises(ApplicationError) as refused:
        ticket_open(customer=customer, category=TicketCategory.LATE, subject="Late", body=body)

    assert refused.value.field == "body"
    assert refused.value.status_code == 400
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert not TicketEvent.objects.exists()


# --- ticket_transition ------------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL_MOVES, ids=lambda s: str(s))
def test_transition_legal_move_succeeds_and_is_audited(agent, from_status, to_status):
    ticket = _ticket_in(from_status)

    ticket_transition(ticket=ticket, to_status=to_status, actor=agent, note="why")

    ticket.refresh_from_db()
    assert ticket.status == to_status
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.from_value, event.to_value, event.actor, event.note) == (
        TicketEventKind.STATUS_CHANGED,
        from_status,
        to_status,
        agent,
        "why",
    )


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL_MOVES, ids=lambda s: str(s))
def test_transition_illegal_move_is_refused_and_changes_nothing(agent, from_status, to_status):
    ticket = _ticket_in(from_status)
    before = _row(ticket)

    with pytest.raises(InvalidTransition) as refused:
        ticket_transition(ticket=ticket, to_status=to_status, actor=agent)

    assert refused.value.status_code == 409
    assert _row(ticket) == before
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_transition_every_status_pair_is_either_legal_or_illegal():
    assert len(LEGAL_MOVES) + len(ILLEGAL_MOVES) == len(TicketStatus.values) ** 2


@pytest.mark.parametrize("leaving_to", [TicketStatus.OPEN, TicketStatus.RESOLVED])
def test_transition_waiting_on_the_customer_pauses_the_sla_clock(agent, leaving_to):
    # Given an open ticket with known due times, waiting on the customer from Friday 17:00
    start = datetime(2026, 11, 20, 17, tzinfo=SEOUL)
    ticket = TicketFactory(
        status=TicketStatus.OPEN,
        first_response_due_at=datetime(2026, 11, 23, 12, tzinfo=SEOUL),
        resolution_due_at=datetime(2026, 11, 30, 11, tzinfo=SEOUL),
    )
    with zeal_ignore():
        paused = ticket_transition(
            ticket=ticket, to_status=TicketStatus.PENDING_CUSTOMER, actor=agent, now=start
        )
    assert paused.sla_paused_at == start

    # When it moves on Monday 11:00: three working hours later (Friday 17–18, Monday 9–11)
    ticket_transition(
        ticket=ticket,
        to_status=leaving_to,
        actor=agent,
        now=datetime(2026, 11, 23, 11, tzinfo=SEOUL),
    )

    # Then both due times moved by the paused working time and the clock runs again
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == datetime(2026, 11, 23, 15, tzinfo=SEOUL)
    assert ticket.resolution_due_at == datetime(2026, 11, 30, 14, tzinfo=SEOUL)
    assert ticket.sla_paused_at is None


def test_transition_to_closed_sets_closed_at_and_link_expiry(agent, settings):
    now = timezone.now()
    days = settings.DELAYDESK["TICKET_LINK_DAYS_AFTER_CLOSE"]
    ticket = _ticket_in(TicketStatus.RESOLVED, now=now)

    closed = ticket_transition(ticket=ticket, to_status=TicketStatus.CLOSED, actor=agent, now=now)

    closed.refresh_from_db()
    assert closed.closed_at == now
    assert closed.token_expires_at == now + timedelta(days=days)


def test_transition_new_straight_to_closed_records_resolution_time(agent):
    now = timezone.now()
    ticket = _ticket_in(TicketStatus.NEW)

    closed = ticket_transition(ticket=ticket, to_status=TicketStatus.CLOSED, actor=agent, now=now)

    closed.refresh_from_db()
    assert closed.resolved_at == now
    assert closed.closed_at == now


def test_transition_to_resolved_sets_resolved_at(agent):
    now = timezone.now()
    ticket = _ticket_in(TicketStatus.OPEN)

    resolved = ticket_transition(
        ticket=ticket, to_status=TicketStatus.RESOLVED, actor=agent, now=now
    )

    resolved.refresh_from_db()
    assert resolved.resolved_at == now


def test_transition_reopening_a_resolved_ticket_clears_resolved_at(agent):
    ticket = _ticket_in(TicketStatus.RESOLVED)

    reopened = ticket_transition(ticket=ticket, to_status=TicketStatus.OPEN, actor=agent)

    reopened.refresh_from_db()
    assert reopened.status == TicketStatus.OPEN
    assert reopened.resolved_at is None


# --- ticket_reply -----------------------------------------------------------------------------


def test_reply_first_public_agent_reply_stops_the_first_response_clock(agent):
    ticket = _ticket_in(TicketStatus.OPEN)
    now = timezone.now()

    message = ticket_reply(
        ticket=ticket, body="On it.", author_kind=MessageAuthor.AGENT, author=agent, now=now
    )

    ticket.refresh_from_db()
    assert ticket.first_responded_at == now
    assert (message.author, message.is_internal) == (agent, False)
    assert TicketEvent.objects.get(ticket=ticket).kind == TicketEventKind.AGENT_REPLIED


def test_reply_later_agent_reply_keeps_the_first_response_time(agent):
    # Given a ticket the agent already answered
    ticket = _ticket_in(TicketStatus.OPEN)
    first_at = timezone.now()
    with zeal_ignore():
        ticket_reply(
            ticket=ticket,
            body="On it.",
            author_kind=MessageAuthor.AGENT,
            author=agent,
            now=first_at,
        )

    # When the agent writes again
    ticket_reply(
        ticket=ticket,
        body="Still on it.",
        author_kind=MessageAuthor.AGENT,
        author=agent,
        now=first_at + timedelta(hours=1),
    )

    # Then the first response stays the first
    ticket.refresh_from_db()
    assert ticket.first_responded_at == first_at


def test_reply_internal_note_does_not_count_as_first_response(agent):
    ticket = _ticket_in(TicketStatus.OPEN)

    message = ticket_reply(
        ticket=ticket,
        body="Carrier says depot flooded.",
        author_kind=MessageAuthor.AGENT,
        author=agent,
        is_internal=True,
    )

    ticket.refresh_from_db()
    assert message.is_internal
    assert ticket.first_responded_at is None
    assert TicketEvent.objects.get(ticket=ticket).kind == TicketEventKind.NOTE_ADDED


def test_reply_from_the_customer_records_when_they_last_wrote():
    ticket = _ticket_in(TicketStatus.PENDING_CUSTOMER)
    now = timezone.now()

    ticket_reply(
        ticket=ticket, body="Here is the photo.", author_kind=MessageAuthor.CUSTOMER, now=now
    )

    ticket.refresh_from_db()
    assert ticket.last_customer_message_at == now
    assert ticket.first_responded_at is None
    # The answer they were waiting for: the ticket is back with the agents.
    assert ticket.status == TicketStatus.OPEN
    assert list(
        TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True)
    ) == [TicketEventKind.STATUS_CHANGED, TicketEventKind.CUSTOMER_REPLIED]


def test_reply_with_an_empty_body_is_refused(agent):
    ticket = _ticket_in(TicketStatus.OPEN)

    with pytest.raises(ApplicationError) as refused:
        ticket_reply(ticket=ticket, body="  ", author_kind=MessageAuthor.AGENT, author=agent)

    assert refused.value.field == "body"
    assert not Message.objects.filter(ticket=ticket).exists()


# --- ticket_link_reissue ----------------------------------------------------------------------


def test_link_reissue_retires_the_old_token_and_the_new_one_opens_the_ticket(customer, agent):
    ticket, old_token = ticket_open(
        customer=customer, category=TicketCategory.LATE, subject="Late", body="Hi"
    )

    new_token = ticket_link_reissue(ticket=ticket, actor=agent)

    assert new_token != old_token
    assert ticket_get_for_token(token=old_token) is None
    assert ticket_get_for_token(token=new_token).pk == ticket.pk
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEventKind.LINK_REISSUED)
    assert event.actor == agent


def test_link_reissue_on_a_closed_ticket_gives_the_new_link_a_fresh_expiry(agent, settings):
    ticket = _ticket_in(TicketStatus.CLOSED)
    Ticket.objects.filter(pk=ticket.pk).update(token_expires_at=timezone.now() - timedelta(days=1))

    new_token = ticket_link_reissue(ticket=ticket, actor=agent)

    reopened_link = ticket_get_for_token(token=new_token)
    assert reopened_link is not None
    days = settings.DELAYDESK["TICKET_LINK_DAYS_AFTER_CLOSE"]
    assert reopened_link.token_expires_at > timezone.now() + timedelta(days=days - 1)


def test_reply_and_resolve_sends_one_message_with_the_reply(agent, mailoutbox, settings):
    settings.DELAYDESK = {**settings.DELAYDESK, "QUIET_HOURS": "00:00-00:00"}
    ticket = TicketFactory(status=TicketStatus.OPEN, language="en", customer__channel="email")
    ticket_reply_and_resolve(ticket=ticket, body="It was delivered this morning.", actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.first_responded_at
    (notification,) = Notification.objects.filter(subject_type="ticket", subject_id=ticket.pk)
    assert notification.stage == "replied_resolved"
    notifications_dispatch_due()
    (mail,) = mailoutbox
    assert mail.subject == f"Your request {ticket.reference} is resolved"
    assert "It was delivered this morning." in mail.body
    assert "/t/" in mail.body and "{ticket_link}" not in mail.body


def test_reply_and_resolve_is_both_or_neither(agent):
    now = timezone.now()
    ticket = TicketFactory(status=TicketStatus.CLOSED, resolved_at=now, closed_at=now)
    with pytest.raises(ApplicationError):
        ticket_reply_and_resolve(ticket=ticket, body="Too late.", actor=agent)
    assert not ticket.messages.exists()
