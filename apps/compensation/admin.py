from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.compensation.forms import CompensationRuleForm
from apps.compensation.models import (
    Budget,
    CompensationRule,
    CompensationRuleVersion,
    Offer,
    OfferEvent,
    Voucher,
)
from apps.compensation.preview import rule_preview
from apps.compensation.services import rule_create, rule_update
from apps.core.admin import ReadOnlyAdminMixin
from apps.core.money import money_format

# A rule change is previewed over this many days of real delays.
PREVIEW_DAYS = 30


def _changes_display(version: CompensationRuleVersion) -> str:
    return "; ".join(
        f"{change['field']}: {change['before']} → {change['after']}"
        for change in version.changed_fields
    )


@admin.register(CompensationRuleVersion)
class CompensationRuleVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("rule", "version", "changed_at", "changed_by", "reason")
    list_select_related = ("rule", "changed_by")
    fields = ("rule", "version", "changed_at", "changed_by", "reason", "changes", "content")
    readonly_fields = ("changes",)

    @admin.display(description=_("Changes"))
    def changes(self, obj):
        return _changes_display(obj)


@admin.register(CompensationRule)
class CompensationRuleAdmin(admin.ModelAdmin):
    form = CompensationRuleForm
    list_display = (
        "name",
        "is_active",
        "priority",
        "preset",
        "stacking_group",
        "action",
        "amount",
        "percent",
        "carrier",
        "service_level",
        "min_hours_late",
        "approval_threshold",
        "valid_from",
        "valid_until",
        "version",
    )
    list_filter = ("is_active", "preset", "action", "stacking_group", "carrier", "service_level")
    list_select_related = ("carrier",)
    search_fields = ("name", "description")
    ordering = ("priority", "id")
    readonly_fields = ("version", "created_at", "updated_at", "earlier_versions")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "preset",
                    "description",
                    "is_active",
                    "priority",
                    "stacking_group",
                    ("valid_from", "valid_until"),
                    "version",
                )
            },
        ),
        (
            _("Conditions (empty means any)"),
            {
                "fields": (
                    ("min_hours_late", "max_hours_late"),
                    "min_business_days_late",
                    "promise_types",
                    "exempt_faults",
                    "carrier",
                    "service_level",
                    ("min_order_value", "max_order_value"),
                    "max_previous_grants",
                )
            },
        ),
        (
            _("Action"),
            {
                "fields": (
                    "action",
                    "currency",
                    "amount",
                    "percent",
                    ("rate", "cap_fare_multiple"),
                    "coupon_min_order",
                    "valid_days",
                    "per_order_cap",
                    "approval_threshold",
                )
            },
        ),
        (
            _("Record"),
            {"fields": ("change_reason", "created_at", "updated_at", "earlier_versions")},
        ),
    )

    @admin.display(description=_("Earlier versions"))
    def earlier_versions(self, obj):
        """The versions edits replaced, newest first: what changed, who changed it and why. Shown,
        not a formset: the record's form posts the rule alone."""
        if obj is None or obj.pk is None:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>v{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    version.version,
                    date_format(timezone.localtime(version.changed_at), "SHORT_DATETIME_FORMAT"),
                    version.changed_by or "—",
                    _changes_display(version),
                    version.reason,
                )
                for version in obj.versions.select_related("changed_by").order_by("-version")
            ),
        )
        return format_html("<table>{}</table>", rows) if rows else "—"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST:
            return self._preview_view(request, object_id, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _preview_view(self, request, object_id, form_url, extra_context):
        """The form as posted, not saved, with what the rules would have granted over the last
        PREVIEW_DAYS days of real delays with this change against the rules in force."""
        add = object_id is None
        obj = None if add else self.get_object(request, object_id)
        if not add and obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not (
            self.has_add_permission(request) if add else self.has_change_permission(request, obj)
        ):
            raise PermissionDenied
        form = self.get_form(request, obj, change=not add)(request.POST, instance=obj)
        preview = None
        if form.is_valid():
            # Only in memory: the preview never writes the rule.
            preview = rule_preview(rule=form.save(commit=False), days=PREVIEW_DAYS)
        fieldsets = self.get_fieldsets(request, obj)
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview the rule change"),
            "subtitle": None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "rule_preview": preview,
            "rule_preview_rows": _preview_rows(preview) if preview else [],
            **(extra_context or {}),
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=form_url
        )

    def save_model(self, request, obj, form, change):
        # The services write rules: an edit locks the rule, keeps the version it replaces and
        # bumps the version offers will name. Only the fields this form changed are written.
        data = {name: value for name, value in form.cleaned_data.items() if name != "change_reason"}
        if change:
            changes = {name: data[name] for name in form.changed_data if name in data}
            reason = form.cleaned_data.get("change_reason", "")
            saved = rule_update(rule=obj.pk, changes=changes, actor=request.user, reason=reason)
        else:
            saved = rule_create(fields=data, actor=request.user)
        obj.pk = saved.pk
        obj.refresh_from_db()


def _money_totals(totals: dict) -> str:
    return ", ".join(money_format(amount, currency) for currency, amount in totals.items()) or "—"


def _preview_rows(preview) -> list[tuple]:
    """(label, current, with the change, difference) rows: all carriers first, then each."""
    rows = [(_("All carriers"), preview.current, preview.changed, preview.difference)]
    rows += [(c.name, c.current, c.changed, c.difference) for c in preview.carriers]
    return [
        (
            label,
            current.offers,
            _money_totals(current.totals),
            changed.offers,
            _money_totals(changed.totals),
            difference.offers,
            _money_totals(difference.totals),
        )
        for label, current, changed, difference in rows
    ]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "period_start",
        "period_end",
        "carrier",
        "currency",
        "amount_display",
        "reserved_display",
        "spent_display",
        "available_display",
    )
    list_filter = ("currency", "carrier")
    list_select_related = ("carrier",)
    search_fields = ("name",)
    date_hierarchy = "period_start"
    readonly_fields = ("reserved", "spent", "available_display", "created_at", "updated_at")
    fields = (
        "name",
        ("period_start", "period_end"),
        "carrier",
        "currency",
        "amount",
        "reserved",
        "spent",
        "available_display",
        "created_at",
        "updated_at",
    )

    def save_model(self, request, obj, form, change):
        # Offers reserve and spend concurrently under a row lock: saving every column would
        # write back the reserved/spent read when this form was posted. Only what was edited is
        # written; the database check still refuses an amount below reserved + spent.
        if change:
            if form.changed_data:
                obj.save(update_fields=[*form.changed_data, "updated_at"])
        else:
            obj.save()

    @admin.display(description=_("Amount"), ordering="amount")
    def amount_display(self, obj):
        return money_format(obj.amount, obj.currency)

    @admin.display(description=_("Reserved"), ordering="reserved")
    def reserved_display(self, obj):
        return money_format(obj.reserved, obj.currency)

    @admin.display(description=_("Spent"), ordering="spent")
    def spent_display(self, obj):
        return money_format(obj.spent, obj.currency)

    @admin.display(description=_("Available"))
    def available_display(self, obj):
        if obj.pk is None:
            return "—"
        return money_format(obj.available, obj.currency)


class OfferEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OfferEvent
    fields = ("created_at", "from_status", "to_status", "actor", "note")
    ordering = ("created_at", "id")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


def _voucher_of(offer: Offer) -> Voucher | None:
    # The reverse one-to-one raises when absent; with select_related("voucher") no query runs.
    return getattr(offer, "voucher", None)


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only records: proposing, approving and issuing are services with their own rules,
    reached from the approval queue (`approvals/`), the ticket workspace and the API."""

    list_display = (
        "id",
        "shipment_label",
        "ticket",
        "kind",
        "amount_display",
        "status",
        "rule",
        "proposer",
        "decided_by",
        "created_at",
        "expires_at",
        "voucher_code",
    )
    list_filter = ("status", "kind", "stacking_group", "currency", "shipment__carrier")
    list_select_related = (
        "shipment__carrier",
        "ticket",
        "rule",
        "proposed_by",
        "decided_by",
        "voucher",
    )
    search_fields = (
        "shipment__tracking_number",
        "shipment__order_reference",
        "ticket__reference",
        "voucher__code",
    )
    date_hierarchy = "created_at"
    inlines = (OfferEventInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "status",
                    "shipment",
                    "ticket",
                    "kind",
                    "amount_display",
                    "explanation",
                    "voucher_code",
                )
            },
        ),
        (
            _("Origin"),
            {
                "fields": (
                    "rule",
                    "rule_version",
                    "stacking_group",
                    "budget",
                    "proposer",
                    "manual_reason",
                    "created_at",
                )
            },
        ),
        (
            _("Decision and answer"),
            {
                "fields": (
                    "decided_by",
                    "decided_at",
                    "decision_reason",
                    "issued_at",
                    "expires_at",
                    "responded_at",
                )
            },
        ),
    )
    readonly_fields = ("amount_display", "voucher_code", "proposer")

    def changelist_view(self, request, extra_context=None):
        # Deciding and reporting happen in the desk; these records are for looking things up.
        extra_context = {
            **(extra_context or {}),
            "approvals_url": reverse("desk:approvals"),
            "cost_url": reverse("desk:cost"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("Shipment"), ordering="shipment__tracking_number")
    def shipment_label(self, obj):
        return f"{obj.shipment.tracking_number} ({obj.shipment.carrier.name})"

    @admin.display(description=_("Amount"), ordering="amount")
    def amount_display(self, obj):
        return money_format(obj.amount, obj.currency)

    @admin.display(description=_("Proposed by"), ordering="proposed_by__username")
    def proposer(self, obj):
        return obj.proposed_by if obj.proposed_by_id else _("rule engine")

    @admin.display(description=_("Voucher"), ordering="voucher__code")
    def voucher_code(self, obj):
        voucher = _voucher_of(obj)
        return voucher.code if voucher else "—"


@admin.register(OfferEvent)
class OfferEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("offer", "created_at", "from_status", "to_status", "actor", "note")
    list_filter = ("to_status",)
    list_select_related = ("offer", "actor")
    search_fields = ("offer__shipment__tracking_number", "offer__ticket__reference", "note")
    date_hierarchy = "created_at"


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "offer", "shipment_label", "created_at", "redeemed_at")
    list_filter = (("redeemed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("offer__shipment__carrier",)
    search_fields = ("code", "offer__shipment__tracking_number", "offer__ticket__reference")
    date_hierarchy = "created_at"

    @admin.display(description=_("Shipment"), ordering="offer__shipment__tracking_number")
    def shipment_label(self, obj):
        shipment = obj.offer.shipment
        return f"{shipment.tracking_number} ({shipment.carrier.name})"
