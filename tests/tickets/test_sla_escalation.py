"""SLA escalation (the task every 5 minutes): a breached ticket goes up one priority step and
every manager gets one email about it, however often or however concurrently the task runs."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_q.models import Schedule

from apps.notifications.services import notifications_dispatch_due
from apps.tickets.models import Ticket, TicketEvent, TicketEventKind, TicketPriority, TicketStatus
from apps.tickets.services import tickets_escalate
from apps.tickets.tasks import escalate_breached
from tests.concurrency import together
from tests.factories import TicketFactory

HOUR = timedelta(hours=1)


def _breached(**fields) -> Ticket:
    """An open ticket whose resolution was due an hour ago."""
    now = timezone.now()
    return TicketFactory(
        **{
            "status": TicketStatus.OPEN,
            "first_responded_at": now - 5 * HOUR,
            "first_response_due_at": now - 4 * HOUR,
            "resolution_due_at": now - HOUR,
        }
        | fields
    )


def _escalation_mail() -> Counter:
    """(recipient, subject) of every escalation email sent, with how often each went."""
    return Counter(
        (message.to[0], message.subject)
        for message in mail.outbox
        if message.subject.startswith("SLA breached")
    )


def _breach_events(ticket: Ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket, kind=TicketEventKind.SLA_BREACHED).count()


@pytest.mark.django_db
def test_the_escalation_runs_every_five_minutes():
    schedule = Schedule.objects.get(func="apps.tickets.tasks.escalate_breached")

    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES,
        5,
        -1,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (TicketPriority.LOW, TicketPriority.NORMAL),
        (TicketPriority.NORMAL, TicketPriority.HIGH),
        (TicketPriority.HIGH, TicketPriority.URGENT),
        (TicketPriority.URGENT, TicketPriority.URGENT),
    ],
)
def test_a_breach_raises_the_priority_exactly_one_step_and_urgent_stays_urgent(before, after):
    ticket = _breached(priority=before)

    assert escalate_breached() == 1

    ticket.refresh_from_db()
    assert ticket.priority == after
    assert ticket.sla_escalated_at is not None
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEventKind.SLA_BREACHED)
    assert (event.from_value, event.to_value) == (str(before), str(after))


@pytest.mark.django_db
def test_a_first_response_overdue_is_a_breach_even_with_resolution_time_left():
    now = timezone.now()
    ticket = TicketFactory(
        status=TicketStatus.NEW,
        priority=TicketPriority.NORMAL,
        first_response_due_at=now - HOUR,
        resolution_due_at=now + 24 * HOUR,
    )

    assert tickets_escalate(now=now) == 1

    ticket.refresh_from_db()
    assert ticket.priority == TicketPriority.HIGH


@pytest.mark.django_db
def test_running_the_task_twice_escalates_each_ticket_once(manager):
    ticket = _breached(priority=TicketPriority.LOW)

    assert escalate_breached() == 1
    assert escalate_breached() == 0

    ticket.refresh_from_db()
    assert ticket.priority == TicketPriority.NORMAL
    assert _breach_events(ticket) == 1


@pytest.mark.django_db
def test_every_manager_gets_one_email_per_breached_ticket_however_often_the_task_runs(
    manager, other_manager, agent
):
    first, second = _breached(), _breached()

    escalate_breached()
    notifications_dispatch_due()
    escalate_breached()
    notifications_dispatch_due()

    sent = _escalation_mail()
    # Agents are not told; each manager hears once of each ticket.
    assert {recipient for recipient, _subject in sent} == {manager.email, other_manager.email}
    assert len(sent) == 4 and set(sent.values()) == {1}
    for ticket in (first, second):
        assert sum(ticket.reference in subject for _to, subject in sent) == 2


@pytest.mark.django_db
def test_a_ticket_waiting_on_the_customer_is_not_escalated(manager):
    now = timezone.now()
    ticket = _breached(
        status=TicketStatus.PENDING_CUSTOMER,
        priority=TicketPriority.NORMAL,
        first_responded_at=None,
        sla_paused_at=now - 2 * HOUR,
    )

    assert tickets_escalate(now=now) == 0
    notifications_dispatch_due(now=now)

    ticket.refresh_from_db()
    assert (ticket.priority, ticket.sla_escalated_at) == (TicketPriority.NORMAL, None)
    assert _breach_events(ticket) == 0
    assert not _escalation_mail()


@pytest.mark.django_db
def test_tickets_within_their_sla_or_no_longer_open_are_untouched(manager):
    now = timezone.now()
    in_time = TicketFactory(
        status=TicketStatus.OPEN,
        priority=TicketPriority.NORMAL,
        first_responded_at=now - HOUR,
        first_response_due_at=now - timedelta(minutes=30),
        resolution_due_at=now + HOUR,
    )
    not_yet_answered = TicketFactory(
        status=TicketStatus.NEW,
        priority=TicketPriority.NORMAL,
        first_response_due_at=now + HOUR,
        resolution_due_at=now + 24 * HOUR,
    )
    resolved_late = _breached(
        status=TicketStatus.RESOLVED, priority=TicketPriority.NORMAL, resolved_at=now
    )
    closed_late = _breached(
        status=TicketStatus.CLOSED, priority=TicketPriority.NORMAL, resolved_at=now, closed_at=now
    )
    ids = [t.pk for t in (in_time, not_yet_answered, resolved_late, closed_late)]
    before = {t.pk: (t.priority, t.updated_at) for t in Ticket.objects.filter(pk__in=ids)}

    assert tickets_escalate(now=now) == 0
    notifications_dispatch_due(now=now)

    after = {t.pk: (t.priority, t.updated_at) for t in Ticket.objects.filter(pk__in=before)}
    assert after == before
    assert not Ticket.objects.filter(sla_escalated_at__isnull=False).exists()
    assert not TicketEvent.objects.filter(kind=TicketEventKind.SLA_BREACHED).exists()
    assert not _escalation_mail()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_one_email_per_manager_per_ticket(manager, other_manager):
    tickets = [_breached(priority=TicketPriority.NORMAL) for _ in range(6)]

    results, errors = together([escalate_breached, escalate_breached])

    assert errors == []
    assert sum(results) == len(tickets)
    notifications_dispatch_due()
    sent = _escalation_mail()
    assert len(sent) == 2 * len(tickets) and set(sent.values()) == {1}
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.priority == TicketPriority.HIGH
        assert _breach_events(ticket) == 1
