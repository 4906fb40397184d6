"""Finding a parcel by its number and the customer's contact, its page, and a request about it."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from apps.core.errors import ApplicationError
from apps.core.masking import mask_name
from apps.portal.forms import ParcelTicketForm, TrackForm
from apps.portal.views.common import form_field, page_language, service_message
from apps.shipments.normalize import tracking_number_clean
from apps.shipments.selectors import (
    shipment_estimates,
    shipment_find_for_customer,
    shipment_get_for_customer_page,
    shipment_timeline,
)
from apps.tickets.services import ticket_open

VERIFIED = "verified_shipments"
_NOT_FOUND = gettext_lazy(
    "We could not find a parcel with these details. Check the number and the contact."
)


@require_GET
def home(request):
    return render(request, "portal/home.html")


def _lookup_limited(request, tracking_number: str) -> bool:
    limits = settings.DELAYDESK
    by_client = is_ratelimited(
        request,
        group="track-client",
        key="ip",
        rate=limits["LOOKUP_RATE_PER_CLIENT"],
        increment=True,
    )
    number = tracking_number_clean(tracking_number)[:64]
    by_parcel = is_ratelimited(
        request,
        group="track-parcel",
        key=lambda group, request: number,
        rate=limits["LOOKUP_RATE_PER_PARCEL"],
        increment=True,
    )
    return by_client or by_parcel


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """Find a parcel by tracking number plus email or phone ending.

    A POST, so the contact never lands in a URL or a log. Wrong number and wrong contact get the
    same answer; lookups are limited per client and per tracking number.
    """
    form = TrackForm(
        request.POST or None, initial={"tracking_number": request.GET.get("number", "")}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["tracking_number"]
        if _lookup_limited(request, number):
            form.add_error(None, _("Too many lookups. Please wait a few minutes and try again."))
            status = 429
        else:
            shipment = shipment_find_for_customer(
                tracking_number=number, contact=form.cleaned_data["contact"]
            )
            if shipment is None:
                form.add_error(None, _NOT_FOUND)
            else:
                verified = request.session.get(VERIFIED, [])
                if shipment.pk not in verified:
                    request.session[VERIFIED] = [*verified[-9:], shipment.pk]
                return redirect("portal:parcel", shipment_id=shipment.pk)
    return render(request, "portal/track.html", {"form": form}, status=status)


def _parcel_page(request, shipment, *, form=None, status=200):
    context = {
        "shipment": shipment,
        "customer_name": mask_name(shipment.customer.name),
        "events": list(shipment_timeline(shipment=shipment, limit=50)),
        "estimates": list(shipment_estimates(shipment=shipment, limit=5)),
        "ticket_form": form or ParcelTicketForm(),
    }
    return render(request, "portal/parcel.html", context, status=status)


def _verified_shipment(request, shipment_id: int):
    """The parcel if this browser proved it knows the parcel's contact; else None."""
    if shipment_id not in request.session.get(VERIFIED, []):
        return None
    shipment = shipment_get_for_customer_page(shipment_id=shipment_id)
    if shipment is None:
        raise Http404("No such parcel")
    return shipment


@never_cache
@require_GET
def parcel(request, shipment_id: int):
    """A parcel this browser has verified: status, timeline and the estimate in plain words."""
    shipment = _verified_shipment(request, shipment_id)
    if shipment is None:
        return redirect("portal:track")
    return _parcel_page(request, shipment)


@never_cache
@require_POST
def parcel_ticket(request, shipment_id: int):
    """File a request about a verified parcel; the answer shows its private link, once.

    Rendered, never redirected: the link's token must not travel in a Location header.
    """
    shipment = _verified_shipment(request, shipment_id)
    if shipment is None:
        return redirect("portal:track")
    form = ParcelTicketForm(request.POST)
    if not form.is_valid():
        return _parcel_page(request, shipment, form=form, status=400)
    message = form.cleaned_data["message"]
    try:
        ticket, token = ticket_open(
            customer=shipment.customer,
            shipment=shipment,
            category=form.cleaned_data["category"],
            subject=message.strip().splitlines()[0][:120],
            body=message,
            language=page_language(),
        )
    except ApplicationError as error:
        form.add_error(form_field(error, form, "message"), service_message(error))
        return _parcel_page(request, shipment, form=form, status=error.status_code)
    return ticket_filed(request, ticket, token)


def ticket_filed(request, ticket, token: str):
    """The one page that shows a new ticket's private link (the email carries its own)."""
    customer = ticket.customer
    context = {
        "ticket": ticket,
        "link": request.build_absolute_uri(reverse("portal:ticket", kwargs={"token": token})),
        "told": bool(customer.email or customer.phone),
    }
    return render(request, "portal/ticket_filed.html", context)
