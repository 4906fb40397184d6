"""The forms of the managers' desk screens: a decision on an offer, a budget, a follow-up's
note. The rule editor uses compensation's own CompensationRuleForm; the cost report its
CostPeriodForm."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.compensation.models import Budget
from apps.feedback.dashboard.period import DateRangeForm

REASON_MAX = 300


class DecisionForm(forms.Form):
    """Approve or reject one proposed offer; a rejection needs a reason (the service says so)."""

    offer = forms.IntegerField(min_value=1, error_messages={"invalid": _("Choose an offer.")})
    op = forms.ChoiceField(choices=(("approve", _("Approve")), ("reject", _("Reject"))))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=REASON_MAX)


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ("name", "period_start", "period_end", "carrier", "currency", "amount")
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {
            "name": _("Name"),
            "period_start": pgettext_lazy("period", "From"),
            "period_end": pgettext_lazy("period", "To"),
            "carrier": _("Carrier"),
            "currency": _("Currency"),
            "amount": _("Amount"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].empty_label = _("All carriers (general budget)")

    def validate_unique(self):
        # The budget services validate the whole row (constraints included) under their lock.
        return None

    def _post_clean(self):
        # Nothing is copied to the instance here: budget_create / budget_update write it.
        return None


class FollowUpForm(forms.Form):
    """What a manager writes on a follow-up: what was done, and whether it is done."""

    note = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    mark_done = forms.BooleanField(label=_("Mark done"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mark_done") and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say what was done before marking the follow-up done."))
        return cleaned


class CostPeriodForm(DateRangeForm):
    """The cost report's period: the dashboard's range of days, at most a year."""
