from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.tickets.models import Ticket


class Survey(models.Model):
    """One survey per ticket, even if the ticket is reopened (a database invariant).

    The link is signed and carries `nonce`; answering clears nothing but sets `answered_at`,
    so a second submit is refused.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    nonce = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="ko")
    scheduled_for = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("view_dashboard", "Can view the managers' dashboard")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("scheduled_for")),
                name="survey_expires_after_scheduled",
            ),
        ]
        indexes = [
            models.Index(
                fields=["scheduled_for"],
                name="survey_unsent_idx",
                condition=Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"Survey for {self.ticket_id}"


class SurveyResponse(models.Model):
    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="response")
    # CSAT 1–5 (score: share of 4 and 5); NPS 0–10 (promoters 9–10 minus detractors 0–6).
    csat = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    nps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(csat__gte=1, csat__lte=5), name="response_csat_1_5"),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=0, nps__lte=10),
                name="response_nps_0_10",
            ),
        ]

    def __str__(self):
        return f"CSAT {self.csat} / NPS {self.nps if self.nps is not None else '—'}"

    @property
    def is_low(self) -> bool:
        return self.csat <= 2 or (self.nps is not None and self.nps <= 6)


class FollowUpReason(models.TextChoices):
    LOW_CSAT = "low_csat", _("Low satisfaction score (CSAT 1–2)")
    LOW_NPS = "low_nps", _("Detractor (NPS 0–6)")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class FollowUp(models.Model):
    """A manager's call-back to a customer who answered a survey with a low score.

    One per survey (a database invariant): a low CSAT and a later low NPS open one follow-up,
    and the managers are emailed once, when it opens.
    """

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="follow_up")
    # The survey's ticket, kept here too so the desk filters and links without a join.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="follow_ups")
    reason = models.CharField(max_length=12, choices=FollowUpReason.choices)
    status = models.CharField(
        max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_follow_ups",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="followup_created_idx"),
            models.Index(
                fields=["created_at"], name="followup_open_idx", condition=Q(status="open")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="done", closed_at__isnull=False),
                name="followup_done_has_time",
            ),
        ]

    def __str__(self):
        return f"Follow-up on {self.ticket_id} ({self.status})"


class WeeklyReportRun(models.Model):
    """One row per week the scheduled report went out: a re-delivered task sends nothing twice."""

    week_ending = models.DateField(unique=True)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_ending"]

    def __str__(self):
        return f"Weekly report to {self.week_ending}"
