"""The desk's form for a compensation rule."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.compensation.descriptions import (
    ACTION_FIELDS,
    ACTION_SPECIFIC_FIELDS,
    action_defaults,
    rule_description,
)
from apps.compensation.models import CompensationRule
from apps.shipments.models import Fault, PromiseType


def _plain_number(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class CompensationRuleForm(forms.ModelForm):
    """The JSON list conditions as checkboxes, so only known values can be stored."""

    promise_types = forms.MultipleChoiceField(
        label=_("Promise types"),
        choices=PromiseType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any promise type."),
    )
    exempt_faults = forms.MultipleChoiceField(
        label=_("Exempt faults"),
        choices=Fault.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("No offer when the delay's fault is one of these."),
    )
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=300,
        help_text=_("Kept with the version this change replaces."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in list(self.initial.items()):
            # ₩3,000 reads "3000", not "3000.00"; a rate of 0.50 reads "0.5".
            if isinstance(value, Decimal) and value.is_finite():
                self.initial[name] = _plain_number(value)
        if "description" in self.fields:
            # Written from the numbers by the rule services, in English and Korean.
            self.fields["description"].disabled = True
            self.fields["description"].required = False
            self.fields["description"].help_text = _(
                "Written from the action's numbers, in English and Korean, when the rule is saved."
            )

    def clean(self):
        """Only the chosen action's fields count: the others are reset to their defaults, so
        a value typed for another action (then hidden) is never stored nor validated."""
        cleaned = super().clean()
        action = cleaned.get("action")
        used = set(ACTION_FIELDS.get(action, ()))
        defaults = action_defaults()
        for name in ACTION_SPECIFIC_FIELDS:
            if name in used or name not in self.fields:
                continue
            self.errors.pop(name, None)
            cleaned[name] = defaults[name]
        return cleaned

    def description_preview(self) -> dict[str, str]:
        """The description the service will write, from the numbers as posted (or stored)."""
        values = dict(self.initial)
        if self.is_bound:
            values.update(
                {
                    name: self.data.get(self.add_prefix(name))
                    for name in self.fields
                    if name
                    in ("preset", "action", "currency", "per_order_cap", *ACTION_SPECIFIC_FIELDS)
                }
            )
        return rule_description(values)

    class Meta:
        model = CompensationRule
        # The admin's fieldsets choose what is shown; these are all the rule's editable fields.
        fields = (
            "name",
            "preset",
            "description",
            "is_active",
            "priority",
            "stacking_group",
            "valid_from",
            "valid_until",
            "min_hours_late",
            "max_hours_late",
            "min_business_days_late",
            "promise_types",
            "exempt_faults",
            "carrier",
            "service_level",
            "min_order_value",
            "max_order_value",
            "max_previous_grants",
            "currency",
            "action",
            "amount",
            "percent",
            "rate",
            "cap_fare_multiple",
            "coupon_min_order",
            "valid_days",
            "per_order_cap",
            "approval_threshold",
        )
        labels = {
            "name": _("Name"),
            "preset": _("Preset"),
            "description": _("Description"),
            "is_active": _("Active"),
            "priority": _("Priority"),
            "stacking_group": _("Stacking group"),
            "valid_from": _("Valid from"),
            "valid_until": _("Valid until"),
            "min_hours_late": _("At least this many hours late"),
            "max_hours_late": _("At most this many hours late"),
            "min_business_days_late": _("At least this many business days late"),
            "carrier": _("Carrier"),
            "service_level": _("Service level"),
            "min_order_value": _("Order value from"),
            "max_order_value": _("Order value up to"),
            "max_previous_grants": _("Earlier compensated delays, at most"),
            "currency": _("Currency"),
            "action": _("Action"),
            "amount": _("Amount"),
            "percent": _("Percent"),
            "rate": _("Share of the fare per day late"),
            "cap_fare_multiple": _("Cap, in multiples of the fare"),
            "coupon_min_order": _("Minimum order for the coupon"),
            "valid_days": _("Valid for (days)"),
            "per_order_cap": _("Cap per order"),
            "approval_threshold": _("A manager approves above"),
        }
