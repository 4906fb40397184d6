"""The ticket list and its record page: raw records. Agents work in the desk's queue and
workspace (`apps.desk`); each reference here links to the ticket's workspace there."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdminMixin
from apps.tickets.models import Message, Ticket, TicketEvent
from apps.tickets.queue import SLA_WARNING, desk_agents


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
        "reference_link",
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
    # A row opens the ticket's workspace (its reference is the link), not the record form.
    list_display_links = None
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

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "queue_url": reverse("desk:queue")}
        return super().changelist_view(request, extra_context=extra_context)

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
            kwargs["queryset"] = desk_agents()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("Reference"), ordering="reference")
    def reference_link(self, obj):
        url = reverse("desk:ticket", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.reference)

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
