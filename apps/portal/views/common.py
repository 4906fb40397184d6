"""What the customer pages share: wording of the services' refusals, the answer to a bad link,
downloads, and the page language."""

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.errors import ApplicationError

# The services' refusals are plain English sentences; these are the fixed ones, listed so that
# makemessages collects them and the page can show them in the reader's language.
_SERVICE_MESSAGES = (
    gettext_noop("A message cannot be empty."),
    gettext_noop("This request is closed. Please open a new one."),
    gettext_noop("Customers can only reopen a resolved request."),
    gettext_noop("This request is closed."),
    gettext_noop("Choose what should change."),
    gettext_noop("Choose a day."),
    gettext_noop("Choose a day after today."),
    gettext_noop("Choose a time of day."),
    gettext_noop("Say where."),
    gettext_noop("This confirmation link is not valid any more. Please fill in the form again."),
)


def service_message(error: ApplicationError) -> str:
    """The refusal in the reader's language where it is one of the fixed sentences."""
    return _(error.message) if error.message in _SERVICE_MESSAGES else error.message


def form_field(error: ApplicationError, form, default: str | None = None) -> str | None:
    """The form field a service's refusal is about, if the form has it."""
    return error.field if error.field in form.fields else default


def page_language() -> str:
    """The active language as one of ours ("en", "ko"): the customer's language for replies."""
    return translation.get_supported_language_variant(
        translation.get_language() or settings.LANGUAGE_CODE
    )


def link_missing(request):
    """The one answer to a link that opens nothing: wrong, revoked, expired, or not this
    ticket's. Rendered, not raised, so it reads as ours; it names nothing of any ticket."""
    return render(request, "portal/link_missing.html", status=404)


def attachment_response(attachment) -> FileResponse:
    """A stored file as a download only: never shown inline, its type not guessed again."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("No such file") from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
