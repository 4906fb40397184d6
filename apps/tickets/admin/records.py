"""The ticket records around the workspace: messages, timeline, links, drafts, attachments,
delivery-change requests, and the reply templates managers write."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdminMixin
from apps.core.errors import ApplicationError
from apps.tickets.forms import ReplyTemplateForm
from apps.tickets.models import (
    Attachment,
    DeliveryChangeRequest,
    Message,
    ReplyTemplate,
    SlaPolicy,
    TicketDraft,
    TicketEvent,
    TicketLink,
)
from apps.tickets.services import delivery_change_decide

# Posted by the workspace's "arranged" / "not possible" buttons: back to the ticket afterwards.
RETURN_TO_TICKET = "_return_to_ticket"


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Replies go through `ticket_reply`, which also stops the first-response clock."""

    list_display = ("ticket", "created_at", "author_kind", "author", "is_internal", "excerpt")
    list_filter = ("author_kind", "is_internal")
    list_select_related = ("ticket", "author")
    search_fields = ("ticket__reference", "body")
    date_hierarchy = "created_at"

    @admin.display(description=_("Message"))
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "created_at", "kind", "actor", "from_value", "to_value", "note")
    list_filter = ("kind",)
    list_select_related = ("ticket", "actor")
    search_fields = ("ticket__reference", "note")
    date_hierarchy = "created_at"


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    """Managers write the replies agents start from, per situation and language.

    The workspace offers a ticket the templates in its language whose category and delay
    reason are the ticket's or empty (any), the most specific first; "resolves" templates are
    also offered by the queue's "resolve with a reply template" action.
    """

    form = ReplyTemplateForm
    list_display = (
        "name",
        "language",
        "category",
        "delay_reason",
        "resolves",
        "is_active",
        "excerpt",
        "updated_at",
    )
    list_filter = ("language", "category", "delay_reason", "resolves", "is_active")
    search_fields = ("name", "body")
    ordering = ("name", "language")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "language", "is_active")}),
        (_("Offered for"), {"fields": ("category", "delay_reason", "resolves")}),
        (_("Text"), {"fields": ("body",)}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("Text"))
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)


@admin.register(DeliveryChangeRequest)
class DeliveryChangeRequestAdmin(admin.ModelAdmin):
    """What customers asked of the next delivery; agents mark it arranged or not possible.

    Only the status is edited (from here or the workspace's buttons, which post this form);
    the admin log records who changed it.
    """

    list_display = (
        "ticket",
        "kind",
        "preferred_date",
        "time_slot",
        "place",
        "status",
        "created_at",
    )
    list_filter = ("status", "kind")
    list_select_related = ("ticket",)
    search_fields = ("ticket__reference", "place", "note")
    readonly_fields = (
        "ticket",
        "kind",
        "preferred_date",
        "time_slot",
        "place",
        "note",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The decision goes through the service: locked, once, and on the ticket's timeline.
        if "status" in form.changed_data:
            try:
                delivery_change_decide(change=obj, status=obj.status, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)

    def response_change(self, request, obj):
        if RETURN_TO_TICKET in request.POST:
            self.message_user(
                request,
                _("Delivery change: %(status)s.") % {"status": obj.get_status_display()},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(_workspace_url(obj.ticket_id))
        return super().response_change(request, obj)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "content_type", "size", "message", "created_at")
    list_filter = ("content_type",)
    list_select_related = ("message__ticket",)
    search_fields = ("original_name", "message__ticket__reference")
    exclude = ("file", "stored_name")


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Links minted for messages to customers; only when and whether revoked, never the hash."""

    list_display = ("ticket", "created_at", "revoked_at")
    list_select_related = ("ticket",)
    search_fields = ("ticket__reference",)
    exclude = ("token_hash",)


@admin.register(TicketDraft)
class TicketDraftAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests waiting for their customer to confirm the email address."""

    list_display = ("email", "category", "created_at", "expires_at", "used_at", "ticket")
    list_filter = ("category",)
    list_select_related = ("ticket",)
    search_fields = ("email", "tracking_number")
    exclude = ("token_hash",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """When the SLA clock runs (docs/desk/sla.md): one active policy per category, the one
    without a category for the rest. Due times already set keep their value; new tickets and
    resumed clocks use the policy as it is now."""

    list_display = (
        "name",
        "category",
        "working_days",
        "working_hours_start",
        "working_hours_end",
        "holidays_country",
        "silence_hours",
        "is_active",
    )
    list_filter = ("is_active", "category")
    readonly_fields = ("created_at", "updated_at")


def _workspace_url(ticket_id: int) -> str:
    return reverse("desk:ticket", args=[ticket_id])
