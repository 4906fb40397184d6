from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

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
