from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.tickets.errors import AttachmentRefused
from apps.tickets.models import DeliveryChangeKind, TicketCategory
from apps.tickets.services import MAX_ATTACHMENTS, attachments_validate

MESSAGE_MAX_LENGTH = 5000
# What the file picker offers; the server checks each file's first bytes, whatever it claims.
ACCEPTED_FILES = "image/png,image/jpeg,image/gif,image/webp,application/pdf,.pdf"


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


def _message_field(label):
    return forms.CharField(
        label=label,
        max_length=MESSAGE_MAX_LENGTH,
        # Kept as typed (no stripping of inner spaces or lines); the service trims the ends.
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def _require_words(text: str) -> str:
    if not text.strip():
        raise forms.ValidationError(_("Please write a few words."))
    return text


class ParcelTicketForm(forms.Form):
    """A request about a parcel this browser has verified."""

    category = forms.ChoiceField(
        label=_("What went wrong?"), choices=TicketCategory.choices, widget=forms.RadioSelect
    )
    message = _message_field(_("Tell us more"))

    def clean_message(self):
        return _require_words(self.cleaned_data["message"])


class ContactForm(forms.Form):
    """A request from someone without a verified parcel: confirmed by a link sent by email."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(
        label=_("Your email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    tracking_number = forms.CharField(
        label=_("Tracking number (if you have one)"), max_length=64, required=False
    )
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=TicketCategory.choices, widget=forms.RadioSelect
    )
    message = _message_field(_("Your message"))

    def clean_message(self):
        return _require_words(self.cleaned_data["message"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe): cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_FILES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = _message_field(_("Your reply"))
    attachments = MultipleFileField(
        label=_("Photos or PDF (optional)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Worded per request, in the reader's language, with the configured limit.
        self.fields["attachments"].help_text = _(
            "Up to %(count)s files, each at most %(size)s."
        ) % {
            "count": MAX_ATTACHMENTS,
            "size": filesizeformat(settings.DELAYDESK["ATTACHMENT_MAX_BYTES"]),
        }

    def clean_body(self):
        return _require_words(self.cleaned_data["body"])

    def clean_attachments(self):
        """Every file is checked before anything is written; cleans to the service's list.

        Count and size are also checked here, only to say so in the reader's language and name
        the file: the service's own refusals are in English (see the report on the service).
        """
        uploads = self.cleaned_data["attachments"]
        limit = settings.DELAYDESK["ATTACHMENT_MAX_BYTES"]
        if len(uploads) > MAX_ATTACHMENTS:
            raise forms.ValidationError(
                ngettext(
                    "Please send at most %(count)d file at a time.",
                    "Please send at most %(count)d files at a time.",
                    MAX_ATTACHMENTS,
                )
                % {"count": MAX_ATTACHMENTS}
            )
        for upload in uploads:
            if upload.size > limit:
                raise forms.ValidationError(
                    _("“%(name)s” is larger than %(size)s."),
                    params={"name": upload.name, "size": filesizeformat(limit)},
                )
        try:
            return attachments_validate(uploads=uploads)
        except AttachmentRefused as refused:
            raise forms.ValidationError(_refusal_text(uploads, refused)) from refused


def _refusal_text(uploads, refused: AttachmentRefused) -> str:
    # Count and size passed above, so the service refused a file by its content: find which.
    for upload in uploads:
        try:
            attachments_validate(uploads=[upload])
        except AttachmentRefused:
            return _("“%(name)s” is not a photo (PNG, JPEG, GIF, WebP) or a PDF.") % {
                "name": upload.name
            }
    return refused.message


TIME_SLOTS = [
    ("", _("Choose a time")),
    ("09-12", _("Morning (9–12)")),
    ("12-15", _("Early afternoon (12–15)")),
    ("15-18", _("Late afternoon (15–18)")),
    ("18-21", _("Evening (18–21)")),
]


class DeliveryChangeForm(forms.Form):
    """Parses what was typed; whether it makes sense is the service's rule (errors per field)."""

    kind = forms.ChoiceField(
        label=_("What should change?"),
        choices=DeliveryChangeKind.choices,
        widget=forms.RadioSelect,
    )
    preferred_date = forms.DateField(
        label=_("Which day?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    time_slot = forms.ChoiceField(label=_("Which time?"), choices=TIME_SLOTS, required=False)
    place = forms.CharField(
        label=_("Where?"),
        max_length=200,
        required=False,
        help_text=_(
            "The pickup point's name, your neighbour's name and door, or the safe place "
            "(for example: behind the blue gate)."
        ),
    )
    note = forms.CharField(
        label=_("Anything the driver should know (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
