"""Reassign on silence (the task every 5 minutes): an assigned ticket its agent has not acted on
for 4 working hours goes back to the pool, once, with one timeline row."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import Schedule

from apps.tickets.models import (
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketStatus,
)
from apps.tickets.services import silence
from apps.tickets.services.silence import tickets_return_silent
from apps.tickets.tasks import return_silent_to_pool
from tests.concurrency import together
from tests.factories import TicketFactory

SEOUL = ZoneInfo("Asia/Seoul")
# Monday 23 November 2026, 10:00 in Seoul: the previous working hours are Friday's.
MONDAY_10 = datetime(2026, 11, 23, 10, tzinfo=SEOUL)


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def _assigned(agent, *, at: datetime, **fields) -> Ticket:
    """A ticket dealt to `agent` at `at` (round-robin: no actor), nothing done since."""
    ticket = TicketFactory(
        **{
            "status": TicketStatus.OPEN,
            "assignee": agent,
            "created_at": at - timedelta(minutes=5),
        }
        | fields
    )
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEventKind.ASSIGNED, to_value=agent.username, created_at=at
    )
    return ticket


def _returns(ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, kind=TicketEventKind.RETURNED_TO_POOL))


@pytest.mark.django_db
def test_the_silence_task_runs_every_five_minutes():
    schedule = Schedule.objects.get(func="apps.tickets.tasks.return_silent_to_pool")

    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES,
        5,
        -1,
    )


@pytest.mark.django_db
def test_four_silent_working_hours_return_the_ticket_to_the_pool_once(agent):
    # Dealt on Friday at 14:00: Friday 14–18 is 4 working hours, so by Monday 10:00 it is 5.
    ticket = _assigned(agent, at=kst(2026, 11, 20, 14))

    assert tickets_return_silent(now=MONDAY_10) == 1
    assert tickets_return_silent(now=MONDAY_10) == 0
    assert tickets_return_silent(now=MONDAY_10 + timedelta(hours=3)) == 0

    ticket.refresh_from_db()
    assert ticket.assignee is None
    [event] = _returns(ticket)
    assert (event.from_value, event.to_value, event.actor) == (agent.username, "", None)
    assert event.note == "no agent action for 4 working hours"
    assert event.created_at == MONDAY_10


@pytest.mark.django_db
def test_nights_and_weekends_do_not_count_as_silence(agent):
    # Dealt on Friday at 16:00: 2 h on Friday and 1 h on Monday morning are only 3.
    ticket = _assigned(agent, at=kst(2026, 11, 20, 16))

    assert tickets_return_silent(now=MONDAY_10) == 0
    assert tickets_return_silent(now=MONDAY_10 + timedelta(hours=1)) == 1

    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.django_db
def test_holidays_do_not_count_as_silence(agent):
    # Dealt on Wednesday 23 September 2026 at 17:00, the eve of Chuseok (24–26): 1 h, then
    # the next working hours are Monday the 28th's.
    _assigned(agent, at=kst(2026, 9, 23, 17))

    assert tickets_return_silent(now=kst(2026, 9, 28, 11, 59)) == 0
    assert tickets_return_silent(now=kst(2026, 9, 28, 12)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    [TicketEventKind.AGENT_REPLIED, TicketEventKind.NOTE_ADDED, TicketEventKind.COMPENSATION],
)
def test_an_agents_recent_action_keeps_the_ticket(agent, kind):
    ticket = _assigned(agent, at=kst(2026, 11, 19, 9))
    TicketEvent.objects.create(ticket=ticket, kind=kind, actor=agent, created_at=MONDAY_10)

    assert tickets_return_silent(now=MONDAY_10 + timedelta(hours=3)) == 0

    ticket.refresh_from_db()
    assert ticket.assignee == agent and not _returns(ticket)


@pytest.mark.django_db
def test_a_customer_reply_that_ends_a_wait_starts_the_agents_time_afresh(agent):
    ticket = _assigned(agent, at=kst(2026, 11, 16, 9))
    # The customer's reply moved it from waiting to open (no actor) on Monday at 09:30.
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEventKind.STATUS_CHANGED,
        from_value=TicketStatus.PENDING_CUSTOMER,
        to_value=TicketStatus.OPEN,
        created_at=kst(2026, 11, 23, 9, 30),
    )

    assert tickets_return_silent(now=kst(2026, 11, 23, 13)) == 0
    assert tickets_return_silent(now=kst(2026, 11, 23, 13, 30)) == 1


@pytest.mark.django_db
def test_the_escalation_and_the_customer_are_not_agent_actions(agent):
    ticket = _assigned(agent, at=kst(2026, 11, 20, 9))
    for kind in (TicketEventKind.SLA_BREACHED, TicketEventKind.CUSTOMER_REPLIED):
        TicketEvent.objects.create(ticket=ticket, kind=kind, created_at=kst(2026, 11, 23, 9))

    assert tickets_return_silent(now=MONDAY_10) == 1


@pytest.mark.django_db
def test_paused_unassigned_and_finished_tickets_are_left_alone(agent):
    long_ago = kst(2026, 11, 2, 9)
    paused = _assigned(
        agent,
        at=long_ago,
        status=TicketStatus.PENDING_CUSTOMER,
        sla_paused_at=long_ago + timedelta(hours=1),
    )
    unassigned = _assigned(agent, at=long_ago, assignee=None)
    resolved = _assigned(
        agent, at=long_ago, status=TicketStatus.RESOLVED, resolved_at=long_ago + timedelta(hours=1)
    )

    assert tickets_return_silent(now=MONDAY_10) == 0

    for ticket in (paused, unassigned, resolved):
        before = ticket.assignee_id
        ticket.refresh_from_db()
        assert ticket.assignee_id == before and not _returns(ticket)


@pytest.mark.django_db
def test_a_new_ticket_never_touched_falls_back_to_its_creation_time(agent):
    ticket = TicketFactory(
        status=TicketStatus.NEW, assignee=agent, created_at=kst(2026, 11, 20, 13)
    )

    assert tickets_return_silent(now=MONDAY_10) == 1
    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.django_db
def test_a_policy_without_a_silence_limit_never_returns_tickets(agent):
    SlaPolicy.objects.filter(category="").update(silence_hours=None)
    SlaPolicy.objects.create(
        name="Lost: back after 1 h", category=TicketCategory.LOST, silence_hours=1
    )
    late = _assigned(agent, at=kst(2026, 11, 2, 9), category=TicketCategory.LATE)
    lost = _assigned(agent, at=kst(2026, 11, 23, 9), category=TicketCategory.LOST)

    assert return_silent_to_pool() >= 1

    late.refresh_from_db()
    lost.refresh_from_db()
    assert late.assignee == agent
    assert lost.assignee is None
    assert _returns(lost)[0].note == "no agent action for 1 working hour"


@pytest.mark.django_db
def test_a_backlog_larger_than_a_batch_is_returned_in_one_run(agent, monkeypatch):
    monkeypatch.setattr(silence, "BATCH", 3)
    tickets = [_assigned(agent, at=kst(2026, 11, 19, 9)) for _ in range(7)]

    assert tickets_return_silent(now=MONDAY_10) == 7
    assert not Ticket.objects.filter(pk__in=[t.pk for t in tickets], assignee__isnull=False)


@pytest.mark.django_db
def test_a_run_out_of_time_leaves_the_rest_to_the_next_run(agent):
    tickets = [_assigned(agent, at=kst(2026, 11, 19, 9)) for _ in range(3)]

    assert tickets_return_silent(now=MONDAY_10, budget=0) == 0
    assert tickets_return_silent(now=MONDAY_10) == len(tickets)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [10, 200])
def test_the_scan_takes_the_same_queries_however_many_tickets_are_assigned(agent, rows, request):
    recent = kst(2026, 11, 23, 9, 30)
    for _ in range(rows):
        _assigned(agent, at=recent)

    with CaptureQueriesContext(connection) as queries:
        assert tickets_return_silent(now=MONDAY_10) == 0

    # One for the policies, one scan per policy group.
    assert len(queries) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_return_each_ticket_once(agent):
    tickets = [_assigned(agent, at=kst(2026, 11, 20, 9)) for _ in range(8)]

    results, errors = together(
        [lambda: tickets_return_silent(now=MONDAY_10), lambda: tickets_return_silent(now=MONDAY_10)]
    )

    assert errors == []
    assert sum(results) == len(tickets)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.assignee is None
        assert len(_returns(ticket)) == 1
