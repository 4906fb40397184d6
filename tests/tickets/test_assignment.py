"""Round-robin assignment: the on-duty agent with the fewest open tickets gets the next one; ties
go to the longest wait since their last ticket, then to the lowest id."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.tickets.errors import TicketChanged
from apps.tickets.models import Ticket, TicketCategory, TicketEvent, TicketEventKind, TicketStatus
from apps.tickets.services import ticket_assign, ticket_assign_round_robin, ticket_open
from tests.concurrency import together
from tests.factories import TicketFactory, UserFactory

HOUR = timedelta(hours=1)


def _on_duty(*users: User, last_assigned_at=None) -> None:
    User.objects.filter(pk__in=[user.pk for user in users]).update(
        is_on_duty=True, last_assigned_at=last_assigned_at
    )


def _agents_like(agent: User, *usernames: str) -> list[User]:
    """More agents, in the role the `agent` fixture has (the roles may have been re-created)."""
    role = agent.groups.get()
    users = [UserFactory(username=name) for name in usernames]
    for user in users:
        user.groups.add(role)
    return users


def _tickets_of(assignee: User, count: int, *, status=TicketStatus.OPEN) -> None:
    now = timezone.now()
    done = {
        TicketStatus.RESOLVED: {"resolved_at": now},
        TicketStatus.CLOSED: {"resolved_at": now, "closed_at": now},
    }.get(status, {})
    for _ in range(count):
        TicketFactory(assignee=assignee, status=status, **done)


@pytest.mark.django_db
def test_the_agent_with_the_fewest_open_tickets_gets_the_next_one(agent, other_agent):
    (third,) = _agents_like(agent, "erin")
    _on_duty(agent, other_agent, third)
    _tickets_of(agent, 2)
    _tickets_of(other_agent, 1, status=TicketStatus.PENDING_CUSTOMER)
    # Resolved and closed tickets are no work left: erin has the fewest open ones.
    _tickets_of(third, 3, status=TicketStatus.RESOLVED)
    _tickets_of(third, 1, status=TicketStatus.CLOSED)
    ticket = TicketFactory()

    assert ticket_assign_round_robin(ticket=ticket) == third

    ticket.refresh_from_db()
    assert ticket.assignee == third


@pytest.mark.django_db
def test_a_tie_goes_to_the_agent_who_waited_longest_since_their_last_ticket(agent, other_agent):
    now = timezone.now()
    _on_duty(agent, last_assigned_at=now - HOUR)
    _on_duty(other_agent, last_assigned_at=now - 3 * HOUR)

    assert ticket_assign_round_robin(ticket=TicketFactory(), now=now) == other_agent

    other_agent.refresh_from_db()
    assert other_agent.last_assigned_at == now


@pytest.mark.django_db
def test_an_agent_never_dealt_a_ticket_has_waited_longest(agent, other_agent):
    now = timezone.now()
    _on_duty(agent, last_assigned_at=now - 24 * HOUR)
    _on_duty(other_agent)

    assert ticket_assign_round_robin(ticket=TicketFactory(), now=now) == other_agent


@pytest.mark.django_db
def test_a_tie_in_open_tickets_and_waiting_time_goes_to_the_lowest_id(agent, other_agent):
    waited_since = timezone.now() - HOUR
    _on_duty(other_agent, agent, last_assigned_at=waited_since)
    lowest = min(agent, other_agent, key=lambda user: user.pk)

    assert ticket_assign_round_robin(ticket=TicketFactory()) == lowest


@pytest.mark.django_db
def test_tickets_are_dealt_in_turn(agent, other_agent):
    _on_duty(agent, other_agent)
    start = timezone.now()

    dealt = [
        ticket_assign_round_robin(ticket=TicketFactory(), now=start + n * timedelta(minutes=1))
        for n in range(4)
    ]

    first, second = sorted([agent, other_agent], key=lambda user: user.pk)
    assert dealt == [first, second, first, second]


@pytest.mark.django_db
def test_agents_off_duty_inactive_or_without_the_agent_role_get_none(
    agent, other_agent, manager, stranger
):
    (inactive,) = _agents_like(agent, "ivan")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    # On duty but not agents: a manager and a staff member with no role.
    _on_duty(inactive, manager, stranger, other_agent)
    _tickets_of(other_agent, 5)

    dealt = {ticket_assign_round_robin(ticket=TicketFactory()) for _ in range(3)}

    # Agent alice is off duty; bob is the only one dealt tickets, however many he already has.
    assert dealt == {other_agent}


@pytest.mark.django_db
def test_nobody_on_duty_leaves_the_ticket_unassigned(agent, other_agent):
    ticket = TicketFactory()

    assert ticket_assign_round_robin(ticket=ticket) is None

    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind=TicketEventKind.ASSIGNED).exists()


@pytest.mark.django_db
def test_opening_a_ticket_deals_it_when_auto_assign_is_on(settings, agent, customer):
    settings.DELAYDESK = {**settings.DELAYDESK, "AUTO_ASSIGN": True}
    _on_duty(agent)

    ticket, _token = ticket_open(
        customer=customer, category=TicketCategory.LATE, subject="Late", body="Where is it?"
    )

    ticket.refresh_from_db()
    assert ticket.assignee == agent
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEventKind.ASSIGNED)
    assert event.to_value == agent.username


@pytest.mark.django_db
def test_opening_a_ticket_leaves_it_unassigned_when_auto_assign_is_off(settings, agent, customer):
    settings.DELAYDESK = {**settings.DELAYDESK, "AUTO_ASSIGN": False}
    _on_duty(agent)

    ticket, _token = ticket_open(
        customer=customer, category=TicketCategory.LATE, subject="Late", body="Where is it?"
    )

    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_tickets_opened_at_once_are_dealt_two_to_each_of_five_agents(
    settings, agent, other_agent, customer
):
    settings.DELAYDESK = {**settings.DELAYDESK, "AUTO_ASSIGN": True}
    agents = [agent, other_agent, *_agents_like(agent, "erin", "frank", "grace")]
    _on_duty(*agents)

    def open_one(n: int):
        ticket, _token = ticket_open(
            customer=customer, category=TicketCategory.LATE, subject=f"Late {n}", body="Where?"
        )
        return ticket.pk

    results, errors = together([lambda n=n: open_one(n) for n in range(10)])

    assert errors == []
    assert len(results) == 10
    dealt = {
        user.pk: Ticket.objects.filter(assignee=user, pk__in=results).count() for user in agents
    }
    assert sorted(dealt.values()) == [2] * 5


def test_a_stale_assignment_is_refused_under_the_lock(agent, other_agent):
    ticket = TicketFactory(assignee=None)
    # Someone takes the ticket while another agent's form still shows it unassigned.
    ticket_assign(ticket=ticket, assignee=other_agent, actor=other_agent)

    with pytest.raises(TicketChanged) as refused:
        ticket_assign(ticket=ticket, assignee=agent, actor=agent, expected_assignee_id=None)

    assert refused.value.extra == {
        "field": "assignee",
        "expected": None,
        "current": other_agent.pk,
    }
    ticket.refresh_from_db()
    assert ticket.assignee == other_agent
    # What the form showed is still true: the move goes through.
    ticket_assign(ticket=ticket, assignee=agent, actor=agent, expected_assignee_id=other_agent.pk)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
