"""Who works a ticket: an agent picked by hand, or dealt round-robin to the agents on duty.

Ticket opening calls into this module, never the reverse: assignment needs nothing else from
the services.
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from apps.accounts.roles import AGENTS, MANAGERS
from apps.tickets.errors import AssigneeInvalid, TicketChanged
from apps.tickets.models import OPEN_STATUSES, Ticket, TicketEvent, TicketEventKind

# No expectation given: assign whoever holds the ticket now.
_ANY = object()


@transaction.atomic
def ticket_assign(
    *,
    ticket: Ticket,
    assignee,
    actor=None,
    expected_assignee_id=_ANY,
    now: datetime | None = None,
) -> Ticket:
    """Give the ticket to an agent (or to nobody with None), on the timeline.

    Locks the ticket's row; writes an ASSIGNED event when the assignee changes. Raises
    AssigneeInvalid for anyone who is not an active agent or manager. With
    `expected_assignee_id` (the assignee's id, or None, that the agent's form showed), raises
    TicketChanged when someone else reassigned the ticket meanwhile, checked under the lock.
    """
    now = now or timezone.now()
    if assignee is not None and not (
        assignee.is_active and assignee.groups.filter(name__in=[AGENTS, MANAGERS]).exists()
    ):
        raise AssigneeInvalid()
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    previous = locked.assignee
    if previous == assignee:
        return locked
    if expected_assignee_id is not _ANY and locked.assignee_id != expected_assignee_id:
        raise TicketChanged(
            field="assignee", expected=expected_assignee_id, current=locked.assignee_id
        )
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    TicketEvent.objects.create(
        ticket=locked,
        kind=TicketEventKind.ASSIGNED,
        actor=actor,
        from_value=previous.username if previous else "",
        to_value=assignee.username if assignee else "",
        created_at=now,
    )
    return locked


@transaction.atomic
def ticket_assign_round_robin(
    *, ticket: Ticket, now: datetime | None = None
) -> AbstractUser | None:
    """Assign to the on-duty agent with the fewest open tickets; ties go to the one who waited
    longest since their last ticket, then to the lowest id. Returns the agent, or None when
    nobody is on duty (the ticket stays unassigned).

    The on-duty agents' rows are locked (in id order) while choosing, so two tickets opened at
    the same moment are dealt to two agents, not both to the same one. Sets the chosen agent's
    `last_assigned_at` and writes the ASSIGNED event (`ticket_assign`).
    """
    now = now or timezone.now()
    User = get_user_model()
    on_duty = list(
        User.objects.select_for_update()
        .filter(is_active=True, is_on_duty=True, groups__name=AGENTS)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not on_duty:
        return None
    candidates = (
        User.objects.filter(pk__in=on_duty)
        .annotate(
            open_count=Count(
                "assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)
            )
        )
        # Never dealt a ticket is the longest wait; PostgreSQL would sort those NULLs last.
        .order_by("open_count", F("last_assigned_at").asc(nulls_first=True), "pk")
    )
    agent = candidates.first()
    ticket_assign(ticket=ticket, assignee=agent, now=now)
    User.objects.filter(pk=agent.pk).update(last_assigned_at=now)
    return agent
