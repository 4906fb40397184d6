from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A staff member: an agent or a manager (roles are groups, see roles.py)."""

    preferred_language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    # Round-robin assignment only deals tickets to agents on duty.
    is_on_duty = models.BooleanField(default=False)
    # When this agent was last dealt a ticket: ties in open tickets go to the longest waiting.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username
