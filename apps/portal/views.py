"""Customer pages: no account, no models of their own; they call selectors and services."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from apps.core.masking import mask_email, mask_name
from apps.portal.forms import TrackForm
from apps.shipments.normalize import tracking_number_clean
from apps.shipments.selectors import (
    shipment_estimates,
    shipment_find_for_customer,
    shipment_get_for_customer_page,
    shipment_timeline,
)
from apps.tickets.selectors import ticket_get_for_token


@require_GET
def home(request):
    return render(request, "portal/home.html")


@never_cache
@require_GET
def ticket_detail(request, token: str):
    ticket = ticket_get_for_token(token=token)
    if ticket is None:
        # The same answer for a wrong, revoked or expired link: nothing to probe.
        raise Http404("No such ticket link")
    shipment = ticket.shipment
    context = {
        "ticket": ticket,
        "customer_name": mask_name(ticket.customer.name),
        "customer_email": mask_email(ticket.customer.email),
        "shipment": shipment,
        "events": list(shipment_timeline(shipment=shipment, limit=10)) if shipment else [],
        "messages": ticket.public_messages,
        "due": ticket.first_response_due_at
        if not ticket.first_responded_at
        else ticket.resolution_due_at,
    }
    return render(request, "portal/ticket_detail.html", context)


_VERIFIED = "verified_shipments"
_NOT_FOUND = gettext_lazy(
    "We could not find a parcel with these details. Check the number and the contact."
)


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
                verified = request.session.get(_VERIFIED, [])
                if shipment.pk not in verified:
                    request.session[_VERIFIED] = [*verified[-9:], shipment.pk]
                return redirect("portal:parcel", shipment_id=shipment.pk)
    return render(request, "portal/track.html", {"form": form}, status=status)


@never_cache
@require_GET
def parcel(request, shipment_id: int):
    """A parcel this browser has verified: status, timeline and the estimate in plain words."""
    if shipment_id not in request.session.get(_VERIFIED, []):
        return redirect("portal:track")
    shipment = shipment_get_for_customer_page(shipment_id=shipment_id)
    if shipment is None:
        raise Http404("No such parcel")
    context = {
        "shipment": shipment,
        "customer_name": mask_name(shipment.customer.name),
        "events": list(shipment_timeline(shipment=shipment, limit=50)),
        "estimates": list(shipment_estimates(shipment=shipment, limit=5)),
    }
    return render(request, "portal/parcel.html", context)
