"""The shipment list and page agents work from: status, promise, delay, timeline, what was said.

Every query on these pages is one per section, never one per row: the tests hold the page to
the same count for 5 events and notifications as for 200.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.admin import ReadOnlyAdminMixin, recent_formset
from apps.shipments.admin.events import unmatched_events_url
from apps.shipments.admin.outbox import notifications_table
from apps.shipments.models import EstimateRevision, Fault, Shipment, TrackingEvent
from apps.shipments.normalize import tracking_number_clean


class TrackingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TrackingEvent
    formset = recent_formset(20)
    verbose_name_plural = _("Tracking timeline (newest 20, by when they happened)")
    fields = (
        "occurred_at",
        "raw_status",
        "raw_substatus",
        "status",
        "delay_reason",
        "location",
        "message",
        "received_at",
    )
    ordering = ("-occurred_at", "-id")
    show_change_link = True
    extra = 0


class EstimateRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EstimateRevision
    formset = recent_formset(10)
    verbose_name_plural = _("Estimate history (newest 10)")
    fields = ("created_at", "estimate_start", "estimate_end", "source", "reason")
    ordering = ("-created_at", "-id")
    extra = 0


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = (
        "tracking_number",
        "carrier",
        "order_reference",
        "customer",
        "status",
        "delayed",
        "promised_end",
        "estimate_end",
        "last_scan",
    )
    list_filter = (
        "carrier",
        "status",
        "is_delayed",
        "delay_reason",
        "service_level",
        "promise_type",
    )
    list_select_related = ("carrier", "customer")
    search_fields = (
        "tracking_number",
        "order_reference",
        "customer__email",
        "customer__phone",
        "customer__name",
    )
    date_hierarchy = "promised_end"
    raw_id_fields = ("customer",)
    inlines = (TrackingEventInline, EstimateRevisionInline)
    # Status, promise, estimate and delay are written by tracking ingestion and promise watch;
    # the promise in particular never changes, it is the basis of compensation.
    readonly_fields = (
        "promise_type",
        "promised_start",
        "promised_end",
        "estimate_start",
        "estimate_end",
        "estimate_source",
        "status",
        "raw_status",
        "status_changed_at",
        "last_event_at",
        "shipped_at",
        "delivered_at",
        "all_events",
        "unmatched_events",
        "is_delayed",
        "delay_reason",
        "fault",
        "delay_detected_at",
        "delay_hours",
        "delay_business_days",
        "delay_measured_at",
        "notifications_sent",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "carrier",
                    "tracking_number",
                    "order_reference",
                    "customer",
                    "service_level",
                )
            },
        ),
        (
            _("Status"),
            {
                "fields": (
                    "status",
                    "raw_status",
                    "status_changed_at",
                    "last_event_at",
                    "shipped_at",
                    "delivered_at",
                    "all_events",
                    "unmatched_events",
                )
            },
        ),
        (
            _("Promise and estimate"),
            {
                "fields": (
                    "promise_type",
                    "promised_start",
                    "promised_end",
                    "estimate_start",
                    "estimate_end",
                    "estimate_source",
                )
            },
        ),
        (
            _("Delay"),
            {
                "fields": (
                    "is_delayed",
                    "delay_reason",
                    "fault",
                    "delay_detected_at",
                    "delay_hours",
                    "delay_business_days",
                    "delay_measured_at",
                )
            },
        ),
        (_("Notifications sent"), {"fields": ("notifications_sent",)}),
        (
            _("Destination"),
            {
                "fields": (
                    "destination_city",
                    "destination_postal_code",
                    "destination_country",
                    "destination_time_zone",
                )
            },
        ),
        (_("Money"), {"fields": ("currency", "shipping_fee", "order_value")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def has_add_permission(self, request):
        # Shipments arrive from the shop and the carriers (import, API), with their promise.
        return False

    def get_queryset(self, request):
        # The change page shows the carrier and customer too: one query for all three.
        return super().get_queryset(request).select_related("carrier", "customer")

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Customers read numbers out with spaces or hyphens; they are stored without.
        cleaned = tracking_number_clean(search_term)
        if cleaned and cleaned != search_term.strip():
            results |= queryset.filter(tracking_number=cleaned)
        return results, may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm("shipments.view_trackingevent"):
            # A count on the partial index of unmatched events: cheap however many events.
            extra_context["unmatched_events_count"] = TrackingEvent.objects.filter(
                shipment__isnull=True
            ).count()
            extra_context["unmatched_events_url"] = unmatched_events_url()
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("Delayed"), ordering="is_delayed")
    def delayed(self, obj):
        icon = display_for_value(obj.is_delayed, "", boolean=True)
        if not obj.is_delayed:
            return icon
        return format_html("{} {}", icon, obj.get_delay_reason_display())

    @admin.display(description=_("Last scan"), ordering="last_event_at")
    def last_scan(self, obj):
        return obj.last_event_at

    @admin.display(description=_("Fault"))
    def fault(self, obj):
        return Fault(obj.delay_fault).label if obj.delay_fault else None

    @admin.display(description=_("Tracking events"))
    def all_events(self, obj):
        url = reverse("admin:shipments_trackingevent_changelist")
        return format_html(
            '<a href="{}?{}">{}</a>',
            url,
            urlencode({"shipment__id__exact": obj.pk}),
            _("All events of this parcel"),
        )

    @admin.display(description=_("Unmatched events with this number"))
    def unmatched_events(self, obj):
        count = TrackingEvent.objects.filter(
            carrier_id=obj.carrier_id, tracking_number=obj.tracking_number, shipment__isnull=True
        ).count()
        if not count:
            return _("none")
        url = unmatched_events_url(carrier_id=obj.carrier_id, tracking_number=obj.tracking_number)
        label = ngettext("%(count)d event to attach", "%(count)d events to attach", count) % {
            "count": count
        }
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("Messages to the customer"))
    def notifications_sent(self, obj):
        return notifications_table(shipment_id=obj.pk)
