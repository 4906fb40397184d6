"""The history that arrives: tracking events (matched or not), estimate revisions, webhook ids.

All of it is written by ingestion only. The one thing an agent does here is resolve unmatched
events: attach them to the shipment that has since appeared with their tracking number.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db.models import Subquery
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.admin import ReadOnlyAdminMixin
from apps.core.errors import ApplicationError
from apps.shipments.models import EstimateRevision, Shipment, TrackingEvent, WebhookDelivery
from apps.shipments.services import events_attach


def shipment_label(shipment: Shipment | None) -> str:
    """Tracking number and carrier name; callers select_related `shipment__carrier`."""
    if shipment is None:
        return "—"
    return f"{shipment.tracking_number} ({shipment.carrier.name})"


class MatchedFilter(admin.SimpleListFilter):
    title = _("matched to a shipment")
    parameter_name = "matched"

    def lookups(self, request, model_admin):
        # Unmatched first: those are the ones waiting for an agent.
        return (("no", _("Unmatched")), ("yes", _("Matched")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(shipment__isnull=False)
        if self.value() == "no":
            return queryset.filter(shipment__isnull=True)
        return queryset


def unmatched_events_url(*, carrier_id: int | None = None, tracking_number: str = "") -> str:
    """The event list showing unmatched events only, optionally of one carrier and number."""
    params = {MatchedFilter.parameter_name: "no"}
    if carrier_id is not None:
        params["carrier__id__exact"] = carrier_id
    if tracking_number:
        params["tracking_number"] = tracking_number
    return f"{reverse('admin:shipments_trackingevent_changelist')}?{urlencode(params)}"


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "tracking_number",
        "carrier",
        "shipment_link",
        "status",
        "raw_status",
        "delay_reason",
        "location",
        "occurred_at",
        "received_at",
    )
    list_filter = (MatchedFilter, "carrier", "status", "delay_reason")
    list_select_related = ("carrier", "shipment__carrier")
    search_fields = ("tracking_number", "carrier_event_id", "shipment__order_reference")
    date_hierarchy = "occurred_at"
    actions = ("attach_to_shipment",)

    @admin.display(description=_("Shipment"), ordering="shipment__tracking_number")
    def shipment_link(self, obj):
        if not obj.shipment_id:
            return _("unmatched")
        url = reverse("admin:shipments_shipment_change", args=[obj.shipment_id])
        return format_html('<a href="{}">{}</a>', url, shipment_label(obj.shipment))

    def has_attach_permission(self, request):
        # The event rows stay read-only (no change form); attaching goes through the service,
        # which folds the events into the shipment's status: a capability of its own.
        return request.user.has_perm("shipments.attach_trackingevent")

    @admin.action(
        description=_("Attach to the shipment with this tracking number"),
        permissions=["attach"],
    )
    def attach_to_shipment(self, request, queryset):
        unmatched = queryset.filter(shipment__isnull=True)
        selected = list(unmatched.values_list("carrier_id", "tracking_number"))
        if not selected:
            self.message_user(
                request, _("None of the selected events is unmatched."), messages.WARNING
            )
            return
        wanted = set(selected)
        # Subqueries rather than lists of numbers: "select all" may cover thousands of events.
        candidates = Shipment.objects.filter(
            carrier_id__in=Subquery(unmatched.values("carrier_id")),
            tracking_number__in=Subquery(unmatched.values("tracking_number")),
        ).only("id", "carrier_id", "tracking_number", "created_at")
        shipments = [s for s in candidates if (s.carrier_id, s.tracking_number) in wanted]
        found = {(shipment.carrier_id, shipment.tracking_number) for shipment in shipments}
        try:
            # As when a new shipment picks up its early events: the customer hears of the
            # stages those events complete.
            result = events_attach(shipments=shipments)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        left = sum(1 for pair in selected if pair not in found)
        # One shipment per (carrier, number) takes the events: the newest, if numbers recur.
        self._report(request, attached=result.attached, shipments=len(found), left=left)

    def _report(self, request, *, attached: int, shipments: int, left: int) -> None:
        if attached:
            events = ngettext("%(count)d event", "%(count)d events", attached) % {"count": attached}
            targets = ngettext("%(count)d shipment", "%(count)d shipments", shipments) % {
                "count": shipments
            }
            parts = [
                _("%(events)s attached to %(shipments)s.")
                % {"events": events, "shipments": targets}
            ]
        else:
            parts = [_("No event attached.")]
        if left:
            parts.append(
                ngettext(
                    "%(count)d selected event still has no shipment with its tracking number.",
                    "%(count)d selected events still have no shipment with their tracking number.",
                    left,
                )
                % {"count": left}
            )
        level = messages.SUCCESS if attached and not left else messages.WARNING
        self.message_user(request, " ".join(str(part) for part in parts), level)


@admin.register(EstimateRevision)
class EstimateRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "shipment_label",
        "estimate_start",
        "estimate_end",
        "source",
        "reason",
        "created_at",
    )
    list_filter = ("source", "shipment__carrier")
    list_select_related = ("shipment__carrier",)
    search_fields = ("shipment__tracking_number", "shipment__order_reference", "reason")
    date_hierarchy = "created_at"

    @admin.display(description=_("Shipment"), ordering="shipment__tracking_number")
    def shipment_label(self, obj):
        return shipment_label(obj.shipment)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Received webhook ids, kept so a repeated delivery is answered without being re-applied."""

    list_display = ("webhook_id", "carrier", "received_at", "event_count", "created_count")
    list_filter = ("carrier",)
    list_select_related = ("carrier",)
    search_fields = ("webhook_id",)
    date_hierarchy = "received_at"
