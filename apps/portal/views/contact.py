"""A request from someone without a verified parcel, confirmed by a one-time link by email."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from apps.core.errors import ApplicationError
from apps.core.masking import mask_email
from apps.portal.forms import ContactForm
from apps.portal.views.common import page_language
from apps.portal.views.tracking import ticket_filed
from apps.tickets.selectors import ticket_draft_get_for_token
from apps.tickets.services import DRAFT_VALID, ticket_draft_confirm, ticket_draft_create

_LINK_HOURS = int(DRAFT_VALID.total_seconds() // 3600)

# Each form sent is an email to the address typed: limit per client and per address, so the
# form cannot be used to flood someone's inbox. The per-address rate may be set in settings.
_DEFAULT_RATE_PER_EMAIL = "5/h"


def _contact_limited(request, email: str) -> bool:
    limits = settings.DELAYDESK
    by_client = is_ratelimited(
        request,
        group="contact-client",
        key="ip",
        rate=limits["LOOKUP_RATE_PER_CLIENT"],
        increment=True,
    )
    address = email.strip().lower()
    by_address = is_ratelimited(
        request,
        group="contact-email",
        key=lambda group, request: address,
        rate=limits.get("CONTACT_RATE_PER_EMAIL", _DEFAULT_RATE_PER_EMAIL),
        increment=True,
    )
    return by_client or by_address


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request):
    """The general form. Whatever was typed, the answer is "check your email": it says nothing
    about whether the address or the parcel is known to us."""
    form = ContactForm(
        request.POST or None, initial={"tracking_number": request.GET.get("number", "")[:64]}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            if _contact_limited(request, data["email"]):
                form.add_error(
                    None, _("Too many requests. Please wait a few minutes and try again.")
                )
                status = 429
            else:
                ticket_draft_create(
                    email=data["email"],
                    name=data["name"],
                    language=page_language(),
                    category=data["category"],
                    body=data["message"],
                    tracking_number=data["tracking_number"],
                )
                context = {"email": mask_email(data["email"]), "hours": _LINK_HOURS}
                return render(request, "portal/contact_sent.html", context)
    return render(request, "portal/contact.html", {"form": form}, status=status)


def _draft_invalid(request):
    # Wrong, used or expired: one answer, and the way back to the form.
    return render(request, "portal/draft_invalid.html", {"hours": _LINK_HOURS}, status=410)


@never_cache
@require_http_methods(["GET", "POST"])
def draft_confirm(request, token: str):
    """GET shows what is being confirmed and a button (a GET changes nothing: mail scanners
    follow links); the POST opens the ticket and shows its private link, once."""
    if request.method == "GET":
        draft = ticket_draft_get_for_token(token=token)
        if draft is None:
            return _draft_invalid(request)
        context = {"draft": draft, "token": token, "email": mask_email(draft.email)}
        return render(request, "portal/draft_confirm.html", context)
    try:
        ticket, ticket_token = ticket_draft_confirm(token=token)
    except ApplicationError:
        return _draft_invalid(request)
    return ticket_filed(request, ticket, ticket_token)
