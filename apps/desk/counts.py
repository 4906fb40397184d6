"""The home page's live counts: what is waiting for the person looking, one query each."""

from dataclasses import dataclass

from django.utils import timezone

from apps.compensation.selectors import approval_queue
from apps.feedback.models import FollowUp, FollowUpStatus
from apps.tickets.models import OPEN_STATUSES, Ticket
from apps.tickets.queue import sla_at_risk_q, sla_breached_q


@dataclass(frozen=True)
class Count:
    key: str
    value: int
    # The queue (or screen) that lists exactly what was counted.
    url_name: str
    query: str = ""
    tone: str = ""


def desk_counts(user) -> list[Count]:
    """The counts `user`'s role needs, in the order the home page shows them."""
    now = timezone.now()
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    counts = [
        Count(
            "mine",
            open_tickets.filter(assignee=user).count(),
            "desk:queue",
            "assignee=mine",
        ),
        Count(
            "unassigned",
            open_tickets.filter(assignee__isnull=True).count(),
            "desk:queue",
            "assignee=unassigned",
        ),
        Count(
            "at_risk",
            Ticket.objects.filter(sla_at_risk_q(now)).count(),
            "desk:queue",
            "assignee=anyone&sla=at_risk",
            "warn",
        ),
        Count(
            "breached",
            Ticket.objects.filter(sla_breached_q(now)).count(),
            "desk:queue",
            "assignee=anyone&sla=breached",
            "bad",
        ),
    ]
    if user.has_perm("compensation.approve_offer"):
        # A manager never approves their own proposal: those are not waiting for them.
        waiting = approval_queue().exclude(proposed_by=user).count()
        counts.append(Count("approvals", waiting, "desk:approvals"))
    if user.has_perm("feedback.view_followup"):
        followups = FollowUp.objects.filter(status=FollowUpStatus.OPEN).count()
        counts.append(Count("followups", followups, "desk:followups", "status=open"))
    return counts
