"""SLA escalation: breached tickets go up a priority step and the managers hear of it."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.roles import MANAGERS
from apps.notifications.models import NotificationChannel
from apps.notifications.services import Draft, notifications_queue
from apps.tickets.models import OPEN_STATUSES, Ticket, TicketEvent, TicketEventKind, TicketPriority


def breached_filter(now: datetime) -> Q:
    """Open, not waiting on the customer, and past a due time it has not met."""
    return Q(status__in=OPEN_STATUSES, sla_paused_at__isnull=True) & (
        Q(resolution_due_at__lt=now)
        | Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
    )


def tickets_escalate(*, now: datetime | None = None) -> int:
    """Escalate each breached ticket once: one step up in priority, a timeline entry, and an
    email to every manager. Safe to run twice or concurrently (locked rows, `sla_escalated_at`).
    """
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(breached_filter(now), sla_escalated_at__isnull=True)
        .order_by("resolution_due_at")
        .values_list("pk", flat=True)[:500]
    )
    managers = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=MANAGERS)
        .exclude(email="")
        .values_list("pk", "email", "preferred_language")
    )
    escalated = 0
    for ticket_id in ids:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(breached_filter(now), pk=ticket_id, sla_escalated_at__isnull=True)
                .first()
            )
            if ticket is None:
                continue
            previous = ticket.priority
            ticket.priority = min(previous + 1, TicketPriority.URGENT)
            ticket.sla_escalated_at = now
            ticket.save(update_fields=["priority", "sla_escalated_at", "updated_at"])
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEventKind.SLA_BREACHED,
                from_value=str(previous),
                to_value=str(ticket.priority),
                note="SLA breached: priority raised, managers told",
                created_at=now,
            )
            due = timezone.localtime(ticket.resolution_due_at).strftime("%Y-%m-%d %H:%M")
            notifications_queue(
                drafts=[
                    Draft(
                        channel=NotificationChannel.EMAIL,
                        recipient=email,
                        language=language,
                        stage=f"sla_breached_{manager_id}",
                        subject_type="escalation",
                        subject_id=ticket.pk,
                        urgent=True,
                        time_zone="Asia/Seoul",
                        title=f"SLA breached: {ticket.reference} ({ticket.get_priority_display()})",
                        body=(
                            f"{ticket.reference} — {ticket.subject}\n"
                            f"Resolution was due {due}. "
                            f"Priority raised to {ticket.get_priority_display()}.\n"
                        ),
                    )
                    for manager_id, email, language in managers
                ],
                now=now,
            )
            escalated += 1
    return escalated
