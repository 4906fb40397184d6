from django import forms
from django.utils.translation import gettext_lazy as _


class TrackForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    contact = forms.CharField(
        label=_("Email on the order, or the last 4 digits of the phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
    )
