"""The desk's form for a compensation rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.compensation.models import CompensationRule
from apps.shipments.models import Fault, PromiseType


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
