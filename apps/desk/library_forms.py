"""The desk's forms for macros (reply templates use `apps.tickets.forms.ReplyTemplateForm`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.desk.models import Macro, MacroAssign
from apps.tickets.forms import PLACEHOLDER_HELP, placeholders_checked


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = (
            "name",
            "language",
            "category",
            "body",
            "set_status",
            "set_priority",
            "assign",
            "is_active",
        )
        help_texts = {"body": PLACEHOLDER_HELP}

    def clean_body(self):
        return placeholders_checked(self.cleaned_data["body"])

    def clean(self):
        data = super().clean()
        if (
            not (data.get("body") or "").strip()
            and not data.get("set_status")
            and data.get("set_priority") is None
            and data.get("assign", MacroAssign.KEEP) == MacroAssign.KEEP
        ):
            raise forms.ValidationError(
                _("A macro must do something: a reply, a status, a priority or an assignment.")
            )
        return data
