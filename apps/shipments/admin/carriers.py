"""Carriers (with their write-only webhook secret) and customers."""

import base64
import binascii

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.shipments.models import Carrier, Customer

_WHSEC_PREFIX = "whsec_"


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
