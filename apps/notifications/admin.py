from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.notifications.models import Notification
from apps.shipments.admin import ReadOnlyAdminMixin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox, view only: rows are written, sent and retried by the notification services."""

    list_display = (
        "created_at",
        "stage",
        "channel",
        "recipient",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "urgent",
        "subject_type",
        "subject_id",
    )
    list_filter = ("status", "channel", "stage", "urgent", "language", "subject_type")
    search_fields = ("recipient", "dedupe_key", "title")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("channel", "recipient", "language", "stage", "urgent")}),
        (_("About"), {"fields": ("subject_type", "subject_id", "dedupe_key")}),
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
