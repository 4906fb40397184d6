"""Forms over ticket records that more than one face edits (the desk and the raw admin)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.shipments.models import DelayReason
from apps.tickets.models import ReplyTemplate
from apps.tickets.queue import unknown_placeholders

PLACEHOLDER_HELP = _(
    "Placeholders: {customer_name} {reference} {tracking_number} {carrier} "
    "{new_estimate} {delay_reason} {ticket_link} (the private link is added when "
    "the message is sent)."
)


def placeholders_checked(body: str) -> str:
    """`body` unchanged, or a form error naming the placeholders nobody fills."""
    unknown = unknown_placeholders(body)
    if unknown:
        raise forms.ValidationError(
            _("Unknown placeholders: %(names)s."),
            params={"names": ", ".join(f"{{{name}}}" for name in unknown)},
        )
    return body


class ReplyTemplateForm(forms.ModelForm):
    """Delay reasons from the list the promise watch uses; placeholders checked for typos."""

    delay_reason = forms.ChoiceField(
        label=_("Delay reason"),
        required=False,
        choices=[("", _("Any"))] + DelayReason.choices,
        help_text=_("Empty: any"),
    )

    class Meta:
        model = ReplyTemplate
        fields = ("name", "language", "category", "delay_reason", "body", "resolves", "is_active")
        help_texts = {"body": PLACEHOLDER_HELP}

    def clean_body(self):
        return placeholders_checked(self.cleaned_data["body"])
