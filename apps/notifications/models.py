from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")


class Notification(models.Model):
    """An outbox row: one message to one address, sent by a task, retried on failure.

    The subject (`subject_type`, `subject_id`) names what the message is about, e.g. a shipment,
    without this base-layer app importing the domain apps. `dedupe_key` makes "tell once per
    (shipment, stage, channel)" a database invariant rather than a hope.
    """

    channel = models.CharField(max_length=8, choices=NotificationChannel.choices)
    recipient = models.CharField(max_length=254)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="ko")
    stage = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField()
    dedupe_key = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    # Rendered when sent (in the customer's language), then kept as the record of what was said.
    body = models.TextField(blank=True)
    urgent = models.BooleanField(default=False)

    status = models.CharField(
        max_length=12, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Held until then (quiet hours, retry backoff).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due_idx",
                condition=Q(status="pending"),
            ),
            # The dashboard's "told before they complained": the delay notices sent, per parcel.
            # Pending rows are not in it, so the outbox's inserts do not pay for it.
            models.Index(
                fields=["subject_id"],
                name="notification_told_delay_idx",
                include=["sent_at"],
                condition=Q(
                    subject_type="shipment", stage__in=["delayed", "exception"], status="sent"
                ),
            ),
        ]
        constraints = [
            # A constraint rather than unique=True: the same guarantee without PostgreSQL's
            # extra LIKE-pattern index, which no query here uses.
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_tell_once"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.stage} → {self.recipient} ({self.status})"
