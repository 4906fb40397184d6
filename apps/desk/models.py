"""What the desk keeps for its own screens: saved queue views, macros, and who has a ticket open.

The tickets themselves, their replies and their moves stay with `apps.tickets` and its services;
these rows only remember how agents like to work.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.tickets.models import TicketCategory, TicketPriority, TicketStatus


class SavedView(models.Model):
    """A named set of queue filters: the owner's own, or shared with the whole desk."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=80)
    is_shared = models.BooleanField(_("shared with the desk"), default=False)
    # The queue's own query string (its filter form's fields); read back through that form, so
    # a view saved before a filter changed is checked like any other request.
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=("owner", "name"), name="savedview_owner_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MacroAssign(models.TextChoices):
    KEEP = "keep", _("Leave as is")
    ME = "me", _("Assign to me")
    POOL = "pool", _("Return to the pool")


class Macro(TimeStampedModel):
    """One action from the workspace: a reply (placeholders filled as in reply templates) and
    then a status, a priority and an assignment, all applied by the ticket services."""

    name = models.CharField(_("name"), max_length=120)
    # Empty: offered on tickets in any language.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    # Empty: offered on tickets of any category.
    category = models.CharField(
        _("category"), max_length=20, choices=TicketCategory.choices, blank=True
    )
    body = models.TextField(_("reply"), blank=True, help_text=_("Empty: no reply is sent."))
    set_status = models.CharField(
        _("then set status"), max_length=20, choices=TicketStatus.choices, blank=True
    )
    set_priority = models.PositiveSmallIntegerField(
        _("then set priority"), choices=TicketPriority.choices, null=True, blank=True
    )
    assign = models.CharField(
        _("then assign"), max_length=8, choices=MacroAssign.choices, default=MacroAssign.KEEP
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.CheckConstraint(
                condition=~Q(body="", set_status="", set_priority__isnull=True, assign="keep"),
                name="macro_does_something",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Presence(models.Model):
    """Who has a ticket's workspace open, refreshed by the page while it stays open.

    A row older than `apps.desk.presence.PRESENCE_TTL` is somebody who left.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    # True while the agent has text in the reply box: "is writing a reply" beats "is looking".
    is_composing = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("ticket", "user"), name="presence_ticket_user_unique")
        ]
        indexes = [models.Index(fields=("ticket", "seen_at"), name="presence_ticket_seen_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id}"
