from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import AGENTS, MANAGERS
from apps.core.admin import ReadOnlyAdminMixin
from apps.tickets.models import (
    Attachment,
    DeliveryChangeRequest,
    Message,
    ReplyTemplate,
    Ticket,
    TicketDraft,
    TicketEvent,
    TicketLink,
)

# "Due soon" in the SLA column: an hour is what an agent can still act on before a breach.
SLA_WARNING = timedelta(hours=1)


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    fields = ("created_at", "author_kind", "author", "is_internal", "body")
    ordering = ("created_at", "id")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class TicketEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "from_value", "to_value", "note")
    ordering = ("created_at", "id")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "subject",
        "customer",
        "status",
        "priority",
        "category",
        "assignee",
        "resolution_due_at",
        "sla",
        "carrier",
    )
    list_filter = (
        "status",
        "priority",
        "category",
        "assignee",
        "shipment__carrier",
        "shipment__is_delayed",
        "is_proactive",
    )
    list_select_related = ("customer", "assignee", "shipment__carrier")
    search_fields = (
        "reference",
        "shipment__tracking_number",
        "customer__email",
        "customer__phone",
        "customer__name",
    )
    ordering = ("resolution_due_at",)
    date_hierarchy = "created_at"
    inlines = (MessageInline, TicketEventInline)
    # Status moves, SLA clocks and the customer link belong to the ticket services, which keep
    # the timeline; the link's token hash is never shown at all.
    readonly_fields = (
        "reference",
        "customer",
        "shipment",
        "is_proactive",
        "status",
        "sla",
        "first_response_due_at",
        "first_responded_at",
        "resolution_due_at",
        "sla_paused_at",
        "resolved_at",
        "closed_at",
        "last_customer_message_at",
        "token_expires_at",
        "token_revoked_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "subject",
                    "customer",
                    "shipment",
                    "category",
                    "language",
                    "is_proactive",
                )
            },
        ),
        (_("Handling"), {"fields": ("status", "priority", "assignee")}),
        (
            _("SLA"),
            {
                "fields": (
                    "sla",
                    "first_response_due_at",
                    "first_responded_at",
                    "resolution_due_at",
                    "sla_paused_at",
                    "resolved_at",
                    "closed_at",
                    "last_customer_message_at",
                )
            },
        ),
        (_("Customer link"), {"fields": ("token_expires_at", "token_revoked_at")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def has_add_permission(self, request):
        # A ticket is opened by `ticket_open` (reference, hashed link token, SLA due times and
        # the first message together); a bare admin form would leave those out.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The services move status and SLA times under a row lock while this form is open:
        # writing every column back would undo them. Only the edited fields are written.
        if form.changed_data:
            obj.save(update_fields=[*form.changed_data, "updated_at"])

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = (
                db_field.related_model.objects.filter(
                    is_active=True, groups__name__in=(AGENTS, MANAGERS)
                )
                .distinct()
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("SLA"))
    def sla(self, obj):
        if obj.is_first_response_breached or obj.is_resolution_breached:
            return _("breached")
        if obj.is_open and obj.sla_paused_at is None:
            soon = timezone.now() + SLA_WARNING
            if obj.resolution_due_at <= soon or (
                obj.first_responded_at is None and obj.first_response_due_at <= soon
            ):
                return _("due within an hour")
        return _("ok")

    @admin.display(description=_("Carrier"), ordering="shipment__carrier__name")
    def carrier(self, obj):
        return obj.shipment.carrier.name if obj.shipment_id else "—"


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
    """Managers write the replies agents start from, per situation and language."""

    list_display = ("name", "language", "category", "delay_reason", "resolves", "is_active")
    list_filter = ("language", "category", "resolves", "is_active")
    search_fields = ("name", "body")


@admin.register(DeliveryChangeRequest)
class DeliveryChangeRequestAdmin(admin.ModelAdmin):
    """What customers asked of the next delivery; agents mark it arranged or not possible."""

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
