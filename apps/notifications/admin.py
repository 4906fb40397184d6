from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdminMixin
from apps.notifications.models import Notification, NotificationStatus
from apps.notifications.services import MAX_ATTEMPTS

# Desk pages of the things a message can be about (`subject_type` → admin URL name).
SUBJECT_PAGES = {"shipment": "admin:shipments_shipment_change"}

RETRYING = Q(status=NotificationStatus.PENDING, attempts__gt=0)
FAILED = Q(status=NotificationStatus.FAILED)


class DeliveryTroubleFilter(admin.SimpleListFilter):
    """Messages the customer has not received although we tried: what an agent should know
    before telling a customer "we sent you an email"."""

    title = _("delivery trouble")
    parameter_name = "trouble"

    def lookups(self, request, model_admin):
        return (
            ("any", _("Failed and retrying")),
            ("retrying", _("Retrying")),
            ("failed", _("Failed for good")),
        )

    def queryset(self, request, queryset):
        condition = {"any": RETRYING | FAILED, "retrying": RETRYING, "failed": FAILED}.get(
            self.value()
        )
        return queryset if condition is None else queryset.filter(condition)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox, view only: rows are written, sent and retried by the notification services."""

    list_display = (
        "created_at",
        "stage",
        "channel",
        "recipient",
        "delivery_state",
        "attempts_made",
        "next_attempt",
        "error",
        "sent_at",
        "urgent",
        "subject",
    )
    list_filter = (
        DeliveryTroubleFilter,
        "status",
        "channel",
        "stage",
        "urgent",
        "language",
    )
    search_fields = ("recipient", "dedupe_key")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("channel", "recipient", "language", "stage", "urgent")}),
        (_("About"), {"fields": ("subject_type", "subject_id", "subject", "dedupe_key")}),
        (_("Message"), {"fields": ("title", "body")}),
        (
            _("Delivery"),
            {
                "fields": (
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                    "sent_at",
                    "created_at",
                )
            },
        ),
    )
    readonly_fields = ("subject",)

    @admin.display(description=_("Status"), ordering="status")
    def delivery_state(self, obj):
        if obj.status == NotificationStatus.PENDING and obj.attempts:
            return _("Retrying")
        return obj.get_status_display()

    @admin.display(description=_("Attempts"), ordering="attempts")
    def attempts_made(self, obj):
        return _("%(made)d of %(most)d") % {"made": obj.attempts, "most": MAX_ATTEMPTS}

    @admin.display(description=_("Next attempt"), ordering="next_attempt_at")
    def next_attempt(self, obj):
        # Only a pending message has a next attempt; on the others the column is stale.
        return obj.next_attempt_at if obj.status == NotificationStatus.PENDING else None

    @admin.display(description=_("Last error"), ordering="last_error")
    def error(self, obj):
        if not obj.last_error:
            return ""
        return format_html(
            '<span title="{}">{}</span>', obj.last_error, Truncator(obj.last_error).chars(80)
        )

    @admin.display(description=_("About"), ordering="subject_id")
    def subject(self, obj):
        label = f"{obj.subject_type} {obj.subject_id}"
        page = SUBJECT_PAGES.get(obj.subject_type)
        if page is None:
            return label
        return format_html('<a href="{}">{}</a>', reverse(page, args=[obj.subject_id]), label)
