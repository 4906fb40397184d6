"""The customer's ticket page, opened by the private link /t/<token>/ and nothing else.

Every read and write on a ticket takes the token; writes are POSTs that answer with the page
itself (status 200 and a notice), never a redirect, so the token never sits in a Location header.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.compensation.errors import OfferExpired
from apps.compensation.selectors import customer_offers_exist, offers_for_customer
from apps.compensation.services import offer_accept, offer_decline
from apps.core.errors import ApplicationError
from apps.core.masking import mask_email, mask_name
from apps.portal.forms import DeliveryChangeForm, ReplyForm
from apps.portal.views.common import (
    attachment_response,
    form_field,
    link_missing,
    service_message,
)
from apps.shipments.selectors import shipment_timeline
from apps.tickets.errors import ReopenWindowClosed
from apps.tickets.models import MessageAuthor, TicketStatus
from apps.tickets.selectors import attachment_get_for_token, ticket_get_for_token
from apps.tickets.services import (
    REOPEN_DAYS,
    attachments_add,
    delivery_change_request,
    ticket_reply,
    ticket_transition,
)


def _ticket(token: str):
    """The ticket behind the link, flagged with whether it has offers to show."""
    return ticket_get_for_token(token=token, flags={"has_offers": customer_offers_exist()})


@dataclass(frozen=True)
class _Allowed:
    """What the customer may still do on this ticket, for the page and the POSTs alike."""

    reopen_until: datetime | None
    can_reopen: bool
    can_write: bool
    can_change_delivery: bool


def _allowed(ticket) -> _Allowed:
    reopen_until = None
    if ticket.status == TicketStatus.RESOLVED:
        reopen_until = (ticket.resolved_at or timezone.now()) + timedelta(days=REOPEN_DAYS)
    can_reopen = reopen_until is not None and timezone.now() <= reopen_until
    # A closed ticket, or a resolved one past its reopen window, is read-only.
    can_write = ticket.is_open or can_reopen
    shipment = ticket.shipment
    return _Allowed(
        reopen_until=reopen_until,
        can_reopen=can_reopen,
        can_write=can_write,
        can_change_delivery=can_write and shipment is not None and not shipment.is_final,
    )


def _errors(form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def _page(
    request,
    ticket,
    token: str,
    *,
    reply_form=None,
    change_form=None,
    reopen_error: str = "",
    offer_error: str = "",
    notice: str = "",
    status: int = 200,
):
    shipment = ticket.shipment
    allowed = _allowed(ticket)
    # A refusal about a form the page no longer shows goes to the top of the page instead.
    alerts = []
    if reply_form is not None and not allowed.can_write:
        alerts += _errors(reply_form)
    if change_form is not None and not allowed.can_change_delivery:
        alerts += _errors(change_form)
    if reopen_error and not allowed.can_reopen:
        alerts.append(reopen_error)
    context = {
        "ticket": ticket,
        "token": token,
        "customer_name": mask_name(ticket.customer.name),
        "customer_email": mask_email(ticket.customer.email),
        "shipment": shipment,
        "events": list(shipment_timeline(shipment=shipment, limit=10)) if shipment else [],
        "messages": ticket.public_messages,
        "delivery_changes": ticket.delivery_change_list,
        "offers": offers_for_customer(ticket=ticket),
        "offer_error": offer_error,
        "due": ticket.first_response_due_at
        if not ticket.first_responded_at
        else ticket.resolution_due_at,
        "reopen_days": REOPEN_DAYS,
        "allowed": allowed,
        "reply_form": reply_form or ReplyForm(),
        "change_form": change_form or DeliveryChangeForm(),
        "reopen_error": reopen_error,
        "alerts": alerts,
        "notice": notice,
    }
    return render(request, "portal/ticket_detail.html", context, status=status)


def _done(request, token: str, notice: str):
    # Read again: the write changed the status, the messages or the requests shown.
    ticket = _ticket(token)
    if ticket is None:
        return link_missing(request)
    return _page(request, ticket, token, notice=notice)


@never_cache
@require_GET
def detail(request, token: str):
    ticket = _ticket(token)
    if ticket is None:
        return link_missing(request)
    return _page(request, ticket, token)


@never_cache
@require_POST
def reply(request, token: str):
    """A message with its files: every file checked first, then both written together."""
    ticket = _ticket(token)
    if ticket is None:
        return link_missing(request)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, ticket, token, reply_form=form, status=400)
    try:
        with transaction.atomic():
            message = ticket_reply(
                ticket=ticket, body=form.cleaned_data["body"], author_kind=MessageAuthor.CUSTOMER
            )
            attachments_add(message=message, checked=form.cleaned_data["attachments"])
    except ReopenWindowClosed:
        form.add_error(None, _reopen_closed_text())
        return _page(request, ticket, token, reply_form=form, status=409)
    except ApplicationError as error:
        form.add_error(form_field(error, form, "body"), service_message(error))
        return _page(request, ticket, token, reply_form=form, status=error.status_code)
    return _done(request, token, _("Thank you. Your message is with us."))


@never_cache
@require_POST
def delivery_change(request, token: str):
    ticket = _ticket(token)
    if ticket is None:
        return link_missing(request)
    form = DeliveryChangeForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, token, change_form=form, status=400)
    refusal = _delivery_change_refusal(ticket)
    if refusal:
        form.add_error(None, refusal)
        return _page(request, ticket, token, change_form=form, status=409)
    data = form.cleaned_data
    try:
        delivery_change_request(
            ticket=ticket,
            kind=data["kind"],
            preferred_date=data["preferred_date"],
            time_slot=data["time_slot"],
            place=data["place"],
            note=data["note"],
        )
    except ApplicationError as error:
        form.add_error(form_field(error, form), service_message(error))
        return _page(request, ticket, token, change_form=form, status=error.status_code)
    return _done(
        request, token, _("Thank you. We will arrange it with the carrier and let you know.")
    )


@never_cache
@require_POST
def reopen(request, token: str):
    ticket = _ticket(token)
    if ticket is None:
        return link_missing(request)
    try:
        ticket_transition(
            ticket=ticket,
            to_status=TicketStatus.OPEN,
            by_customer=True,
            note="reopened on the customer's page",
        )
    except ReopenWindowClosed:
        return _page(request, ticket, token, reopen_error=_reopen_closed_text(), status=409)
    except ApplicationError:
        message = _("Only a resolved request can be reopened.")
        return _page(request, ticket, token, reopen_error=message, status=409)
    return _done(request, token, _("Your request is open again. An agent will look at it."))


@never_cache
@require_POST
def offer_answer(request, token: str, offer_id: int, answer: str):
    """The customer accepts or declines an offer made on this ticket (and only this ticket)."""
    ticket = _ticket(token)
    if ticket is None:
        return link_missing(request)
    service = offer_accept if answer == "accept" else offer_decline
    try:
        service(ticket=ticket, offer_id=offer_id)
    except OfferExpired:
        return _page(request, ticket, token, offer_error=_("This offer has expired."), status=409)
    except ApplicationError:
        message = _("This offer cannot be answered any more.")
        return _page(request, ticket, token, offer_error=message, status=409)
    if answer == "accept":
        notice = _("Thank you. The compensation is yours; we have sent you the details.")
    else:
        notice = _("You declined the offer. If you would like something else, reply below.")
    return _done(request, token, notice)


def _delivery_change_refusal(ticket) -> str:
    if ticket.status == TicketStatus.CLOSED:
        return _("This request is closed. Please open a new one.")
    if not _allowed(ticket).can_write:
        # delivery_change_request would reopen a resolved ticket whatever its age.
        return _reopen_closed_text()
    if not _allowed(ticket).can_change_delivery:
        return _("There is no delivery left to change for this request.")
    return ""


def _reopen_closed_text() -> str:
    return _("A resolved request can be reopened within %(days)s days. Please open a new one.") % {
        "days": REOPEN_DAYS
    }


@never_cache
@require_POST
def language(request, token: str):
    """Switch the page's language in place: Django's set_language would redirect to `next`,
    which here would put the token in a Location header."""
    ticket = _ticket(token)
    if ticket is None:
        return link_missing(request)
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        code = translation.get_language()
    translation.activate(code)
    request.LANGUAGE_CODE = code
    response = _page(request, ticket, token)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@never_cache
@require_GET
def attachment(request, token: str, attachment_id: int):
    """A file of this ticket's public conversation, as a download; anything else: not found."""
    found = attachment_get_for_token(token=token, attachment_id=attachment_id)
    if found is None:
        return link_missing(request)
    try:
        return attachment_response(found)
    except Http404:
        return link_missing(request)
