import base64
import binascii

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from apps.shipments.models import (
    Carrier,
    Customer,
    EstimateRevision,
    Shipment,
    TrackingEvent,
    WebhookDelivery,
)

_WHSEC_PREFIX = "whsec_"


class ReadOnlyAdminMixin:
    """History written by services only: staff may look, nobody may add, edit or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecentFormSet(BaseInlineFormSet):
    """An inline formset showing only the newest `limit` rows (a busy parcel has many scans).

    Django filters the inline queryset by its parent after `get_queryset`, so the slice has to
    be taken here, once, rather than in the inline's own `get_queryset`.
    """

    limit = 20

    def get_queryset(self):
        if not hasattr(self, "_recent_queryset"):
            self._recent_queryset = super().get_queryset()[: self.limit]
        return self._recent_queryset


def _recent_formset(limit: int) -> type[RecentFormSet]:
    return type("RecentFormSet", (RecentFormSet,), {"limit": limit})


class CarrierForm(forms.ModelForm):
    """The webhook secret is write-only: never rendered back, blank keeps the current one."""

    tracking_url_template = Carrier._meta.get_field("tracking_url_template").formfield(
        assume_scheme="https"
    )
    new_webhook_secret = forms.CharField(
        label=_("New webhook secret"),
        required=False,
        strip=True,
        max_length=Carrier._meta.get_field("webhook_secret").max_length,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            'Standard Webhooks secret ("whsec_…"); during a rotation, several separated by '
            "spaces. Leave blank to keep the current secret."
        ),
    )
    remove_webhook_secret = forms.BooleanField(
        label=_("Remove the webhook secret"),
        required=False,
        help_text=_("Webhooks from this carrier are refused while no secret is set."),
    )

    class Meta:
        model = Carrier
        fields = (
            "name",
            "code",
            "country",
            "tracking_url_template",
            "stale_after_hours",
            "is_active",
        )

    def clean_new_webhook_secret(self):
        value = self.cleaned_data["new_webhook_secret"]
        for secret in value.split():
            if not secret.startswith(_WHSEC_PREFIX):
                raise forms.ValidationError(
                    _('Each secret starts with "%(prefix)s".'), params={"prefix": _WHSEC_PREFIX}
                )
            try:
                base64.b64decode(secret.removeprefix(_WHSEC_PREFIX), validate=True)
            except (binascii.Error, ValueError) as error:
                raise forms.ValidationError(
                    _('The part after "%(prefix)s" must be base64.'),
                    params={"prefix": _WHSEC_PREFIX},
                ) from error
        return " ".join(value.split())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove_webhook_secret") and cleaned.get("new_webhook_secret"):
            raise forms.ValidationError(_("Either set a new secret or remove it, not both."))
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("remove_webhook_secret"):
            self.instance.webhook_secret = ""
        elif self.cleaned_data.get("new_webhook_secret"):
            self.instance.webhook_secret = self.cleaned_data["new_webhook_secret"]
        return super().save(commit=commit)


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    form = CarrierForm
    list_display = ("name", "code", "country", "is_active", "stale_after_hours", "secret_state")
    list_filter = ("is_active", "country")
    search_fields = ("name", "code")
    ordering = ("name",)
    readonly_fields = ("secret_state", "created_at", "updated_at")

    def get_fields(self, request, obj=None):
        fields = [
            "name",
            "code",
            "country",
            "tracking_url_template",
            "stale_after_hours",
            "is_active",
            "secret_state",
        ]
        # A view-only page would render every listed field's value: the secret inputs are
        # listed only where they render as empty, write-only inputs.
        can_edit = (
            self.has_add_permission(request)
            if obj is None
            else self.has_change_permission(request, obj)
        )
        if can_edit:
            fields += ["new_webhook_secret", "remove_webhook_secret"]
        if obj is not None:
            fields += ["created_at", "updated_at"]
        return fields

    @admin.display(description=_("Webhook secret"))
    def secret_state(self, obj):
        return _("set") if obj.webhook_secret else _("not set")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "language", "channel", "time_zone", "created_at")
    list_filter = ("language", "channel")
    search_fields = ("name", "email", "phone")
    readonly_fields = ("created_at", "updated_at")


def _shipment_label(shipment: Shipment | None) -> str:
    """Tracking number and carrier name; callers select_related `shipment__carrier`."""
    if shipment is None:
        return "—"
    return f"{shipment.tracking_number} ({shipment.carrier.name})"


class TrackingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TrackingEvent
    formset = _recent_formset(20)
    verbose_name_plural = _("Recent tracking events (newest 20)")
    fields = (
        "occurred_at",
        "status",
        "raw_status",
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
    formset = _recent_formset(10)
    verbose_name_plural = _("Estimate revisions (newest 10)")
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
        "is_delayed",
        "delay_reason",
        "promised_end",
        "estimate_end",
        "last_event_at",
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
        "is_delayed",
        "delay_reason",
        "delay_detected_at",
        "delay_hours",
        "delay_business_days",
        "delay_measured_at",
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
            _("Status"),
            {
                "fields": (
                    "status",
                    "raw_status",
                    "status_changed_at",
                    "last_event_at",
                    "shipped_at",
                    "delivered_at",
                )
            },
        ),
        (
            _("Delay"),
            {
                "fields": (
                    "is_delayed",
                    "delay_reason",
                    "delay_detected_at",
                    "delay_hours",
                    "delay_business_days",
                    "delay_measured_at",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def has_add_permission(self, request):
        # Shipments arrive from the shop and the carriers (import, API), with their promise.
        return False


class MatchedFilter(admin.SimpleListFilter):
    title = _("matched to a shipment")
    parameter_name = "matched"

    def lookups(self, request, model_admin):
        return (("yes", _("Matched")), ("no", _("Unmatched")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(shipment__isnull=False)
        if self.value() == "no":
            return queryset.filter(shipment__isnull=True)
        return queryset


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

    @admin.display(description=_("Shipment"), ordering="shipment__tracking_number")
    def shipment_link(self, obj):
        return _shipment_label(obj.shipment) if obj.shipment_id else _("unmatched")


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
        return _shipment_label(obj.shipment)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Received webhook ids, kept so a repeated delivery is answered without being re-applied."""

    list_display = ("webhook_id", "carrier", "received_at", "event_count", "created_count")
    list_filter = ("carrier",)
    list_select_related = ("carrier",)
    search_fields = ("webhook_id",)
    date_hierarchy = "received_at"
