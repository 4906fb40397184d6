"""Round-robin assignment: the agent on duty with the fewest open tickets gets the next one."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.accounts.roles import AGENTS
from apps.tickets.models import OPEN_STATUSES, Ticket
from apps.tickets.services.ticket import ticket_assign


@transaction.atomic
def ticket_assign_round_robin(*, ticket: Ticket, now: datetime | None = None):
    """Assign to the on-duty agent with the fewest open tickets; ties go to the one who waited
    longest since their last ticket. Returns the agent, or None when nobody is on duty.

    The on-duty agents' rows are locked (in id order) while choosing, so two tickets opened at
    the same moment are dealt to two agents, not both to the same one.
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
        .order_by("open_count", "last_assigned_at", "pk")
    )
    agent = candidates.first()
    ticket_assign(ticket=ticket, assignee=agent, now=now)
    User.objects.filter(pk=agent.pk).update(last_assigned_at=now)
    return agent
