from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.shipments.models import Customer, Shipment


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_CUSTOMER = "pending_customer", _("Waiting for you")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Allowed moves are data (django-oscar's pipeline): new → open ⇄ pending_customer → resolved →
# closed, reopening from resolved.
TICKET_TRANSITIONS = {
    TicketStatus.NEW: {
        TicketStatus.OPEN,
        TicketStatus.PENDING_CUSTOMER,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    },
    TicketStatus.OPEN: {TicketStatus.PENDING_CUSTOMER, TicketStatus.RESOLVED},
    TicketStatus.PENDING_CUSTOMER: {TicketStatus.OPEN, TicketStatus.RESOLVED},
    TicketStatus.RESOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: set(),
}

OPEN_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING_CUSTOMER})


class TicketPriority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class TicketCategory(models.TextChoices):
    LATE = "late", _("Parcel is late")
    LOST = "lost", _("Parcel is lost")
    DAMAGED = "damaged", _("Parcel is damaged")
    WRONG_ADDRESS = "wrong_address", _("Wrong address")
    FAILED_DELIVERY = "failed_delivery", _("Delivery failed")
    OTHER = "other", _("Something else")


class Ticket(TimeStampedModel):
    # For people: read out on the phone, shown in emails. Never enough to open the ticket.
    reference = models.CharField(max_length=16, unique=True)
    # The customer's private link carries a random token; only its SHA-256 is stored.
    token_hash = models.CharField(max_length=64, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_revoked_at = models.DateTimeField(null=True, blank=True)

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    subject = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=TicketCategory.choices)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="ko")
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.PositiveSmallIntegerField(
        choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    # Proactive tickets are opened by us when a delay is detected, before the customer asks.
    is_proactive = models.BooleanField(default=False)

    # SLA clock: due times set on creation, pushed back by the time spent waiting on the customer.
    first_response_due_at = models.DateTimeField()
    resolution_due_at = models.DateTimeField()
    first_responded_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["resolution_due_at"]
        permissions = [("assign_ticket", "Can assign tickets to agents")]
        indexes = [
            models.Index(fields=["status", "assignee"]),
            models.Index(fields=["customer"]),
            # The queue and the SLA escalation scan only look at open tickets.
            models.Index(
                fields=["resolution_due_at", "id"],
                name="ticket_open_due_idx",
                condition=Q(status__in=["new", "open", "pending_customer"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolution_due_at__gte=models.F("first_response_due_at")),
                name="ticket_resolution_after_first_response",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | Q(resolved_at__isnull=False),
                name="ticket_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="ticket_closed_has_time",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_transition_to(self, status: str) -> bool:
        return status in TICKET_TRANSITIONS.get(self.status, set())

    @property
    def is_first_response_breached(self) -> bool:
        moment = self.first_responded_at or timezone.now()
        return self.sla_paused_at is None and moment > self.first_response_due_at

    @property
    def is_resolution_breached(self) -> bool:
        if self.sla_paused_at is not None:
            return self.sla_paused_at > self.resolution_due_at
        moment = self.resolved_at or timezone.now()
        return moment > self.resolution_due_at


class MessageAuthor(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("Delay Desk")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=10, choices=MessageAuthor.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    # Internal notes are for agents only: never on the customer page nor in a customer API.
    is_internal = models.BooleanField(default=False)
    # Stored exactly as typed; every page renders it escaped.
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(author_kind="customer", is_internal=True),
                name="message_customer_never_internal",
            ),
            models.CheckConstraint(
                condition=~Q(author_kind="agent", author__isnull=True),
                name="message_agent_has_author",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="message_body_not_empty"),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.author_kind} {self.created_at:%Y-%m-%d %H:%M}"


class TicketEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    AGENT_REPLIED = "agent_replied", _("Agent replied")
    NOTE_ADDED = "note_added", _("Internal note added")
    LINK_REISSUED = "link_reissued", _("Customer link re-issued")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    COMPENSATION = "compensation", _("Compensation")


class TicketEvent(models.Model):
    """Append-only timeline and audit trail: who did what to the ticket, from what to what."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=TicketEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    from_value = models.CharField(max_length=40, blank=True)
    to_value = models.CharField(max_length=40, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self):
        return f"{self.ticket_id} {self.kind}"

    def save(self, *args, **kwargs):
        # The audit trail is append-only: an existing row is never rewritten.
        if self.pk is not None and not self._state.adding:
            raise ValueError("Ticket events are append-only.")
        super().save(*args, **kwargs)
