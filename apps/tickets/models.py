from datetime import time, timedelta
from zoneinfo import available_timezones

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.shipments.models import Customer, Shipment
from apps.tickets.sla_calendar import WorkingCalendar


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
    # Set when the SLA escalation raised the priority and told the managers: once per ticket.
    sla_escalated_at = models.DateTimeField(null=True, blank=True)

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
            # The desk queue's urgency order, "the next due time that matters" (then id), for
            # open tickets: the very expression of `apps.tickets.queue.listing.next_due`.
            models.Index(
                models.Case(
                    models.When(
                        first_responded_at__isnull=True,
                        then=models.functions.Least("first_response_due_at", "resolution_due_at"),
                    ),
                    default=models.F("resolution_due_at"),
                    output_field=models.DateTimeField(),
                ),
                models.F("id"),
                name="ticket_open_next_due_idx",
                condition=Q(status__in=["new", "open", "pending_customer"]),
            ),
            # "Told before they complained" looks for a complaint per delayed parcel: index-only.
            models.Index(
                fields=["shipment", "created_at"],
                name="ticket_complaint_idx",
                condition=Q(is_proactive=False),
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
    def is_sla_breached(self) -> bool:
        return self.is_open and (self.is_first_response_breached or self.is_resolution_breached)

    @property
    def is_sla_at_risk(self) -> bool:
        """Not breached yet, but due within the hour."""
        if not self.is_open or self.sla_paused_at or self.is_sla_breached:
            return False
        soon = timezone.now() + timedelta(hours=1)
        due = self.resolution_due_at
        if not self.first_responded_at:
            due = min(due, self.first_response_due_at)
        return due <= soon

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
    LINK_REVOKED = "link_revoked", _("Customer links revoked")
    DELIVERY_CHANGE = "delivery_change", _("Delivery change requested")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    COMPENSATION = "compensation", _("Compensation")
    RETURNED_TO_POOL = "returned_to_pool", _("Returned to the pool")


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


class TicketLink(models.Model):
    """A further private link to a ticket, minted for one message to the customer.

    Each email about the ticket carries a fresh token; like the ticket's first link only its
    SHA-256 is stored, so a message body kept in the outbox never holds a working link. Revoking
    the ticket's links or its expiry after closing ends these too.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"link for {self.ticket_id}"


def attachment_path(instance, filename: str) -> str:
    # Never the customer's file name on disk: a random name under the ticket's folder.
    return f"attachments/{instance.message.ticket_id}/{instance.stored_name}"


class Attachment(models.Model):
    """A file sent with a message: images and PDF only, served only as a checked download."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    stored_name = models.CharField(max_length=80)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class DeliveryChangeKind(models.TextChoices):
    NEW_DATE = "new_date", _("Another day")
    NEW_SLOT = "new_slot", _("Another time of day")
    PICKUP_POINT = "pickup_point", _("A pickup point")
    NEIGHBOUR = "neighbour", _("Leave it with a neighbour")
    SAFE_PLACE = "safe_place", _("Leave it in a safe place")


class DeliveryChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ARRANGED = "arranged", _("Arranged with the carrier")
    DECLINED = "declined", _("Not possible")


class DeliveryChangeRequest(models.Model):
    """What the customer asks of the next delivery, as structured data agents can act on."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="delivery_changes")
    kind = models.CharField(max_length=16, choices=DeliveryChangeKind.choices)
    preferred_date = models.DateField(null=True, blank=True)
    time_slot = models.CharField(max_length=20, blank=True)
    place = models.CharField(
        max_length=200, blank=True, help_text=_("Pickup point, neighbour or place")
    )
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=12, choices=DeliveryChangeStatus.choices, default=DeliveryChangeStatus.REQUESTED
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="new_date") | Q(preferred_date__isnull=False),
                name="delivery_change_date_given",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["pickup_point", "neighbour", "safe_place"]) | ~Q(place=""),
                name="delivery_change_place_given",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class ReplyTemplate(TimeStampedModel):
    """A reply for one situation, per language; the most specific match is offered first.

    Placeholders: {customer_name}, {reference}, {tracking_number}, {carrier}, {new_estimate},
    {delay_reason}, {ticket_link}.
    """

    name = models.CharField(max_length=120)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    category = models.CharField(
        max_length=20, choices=TicketCategory.choices, blank=True, help_text=_("Empty: any")
    )
    delay_reason = models.CharField(max_length=24, blank=True, help_text=_("Empty: any"))
    body = models.TextField()
    resolves = models.BooleanField(
        default=False, help_text=_("Offered for resolving: sent and the ticket resolved")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["language", "category"])]

    def __str__(self):
        return f"{self.name} ({self.language})"


class TicketDraft(models.Model):
    """A ticket waiting for its customer to confirm the email address by a one-time link."""

    email = models.EmailField()
    name = models.CharField(max_length=120)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="ko")
    category = models.CharField(max_length=20, choices=TicketCategory.choices)
    tracking_number = models.CharField(max_length=64, blank=True)
    body = models.TextField()
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    ticket = models.OneToOneField(Ticket, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"draft {self.email}"


class SlaPolicy(TimeStampedModel):
    """When the SLA clock runs: working days and hours, public holidays, one zone; and after how
    many working hours without an agent's action an assigned ticket goes back to the pool.

    A ticket follows the active policy of its category, else the active default (no category),
    else the built-in default (`apps.tickets.sla.DEFAULT_CALENDAR`, the same as the default the
    migrations create).
    """

    name = models.CharField(_("name"), max_length=80)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=TicketCategory.choices,
        blank=True,
        help_text=_("Empty: the default for every category without a policy of its own"),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Seoul")
    working_days = models.CharField(
        _("working days"),
        max_length=7,
        default="12345",
        validators=[RegexValidator(r"^[1-7]{1,7}$", _("Digits 1–7, e.g. 12345."))],
        help_text=_("Weekdays worked: 1 = Monday … 7 = Sunday, e.g. 12345"),
    )
    working_hours_start = models.TimeField(_("working hours start"), default=time(9, 0))
    working_hours_end = models.TimeField(
        _("working hours end"), default=time(18, 0), help_text=_("00:00: midnight")
    )
    holidays_country = models.CharField(
        _("public holidays of"),
        max_length=2,
        default="KR",
        blank=True,
        help_text=_("Country code, e.g. KR; empty: no public holidays"),
    )
    silence_hours = models.PositiveSmallIntegerField(
        _("return to the pool after"),
        null=True,
        blank=True,
        help_text=_("Working hours without an agent's action; empty: never"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(is_active=True),
                name="sla_policy_one_active_per_category",
            ),
            models.CheckConstraint(
                condition=Q(silence_hours__isnull=True) | Q(silence_hours__gte=1),
                name="sla_policy_silence_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.time_zone not in available_timezones():
            errors["time_zone"] = _("Unknown time zone.")
        end, start = self.working_hours_end, self.working_hours_start
        if end and start and end != time(0) and end <= start:
            errors["working_hours_end"] = _("The working day must end after it starts.")
        country = (self.holidays_country or "").upper()
        if country and country not in holidays.list_supported_countries():
            errors["holidays_country"] = _("No public holidays are known for this country.")
        self.holidays_country = country
        if errors:
            raise ValidationError(errors)

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(
            time_zone=self.time_zone,
            working_days=frozenset(int(day) for day in self.working_days),
            start=self.working_hours_start,
            end=self.working_hours_end,
            holidays_country=self.holidays_country,
        )
