"""Customer pages: no account, no models of their own; they call selectors and services."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.masking import mask_email, mask_name
from apps.shipments.selectors import shipment_timeline
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
        "due": ticket.first_response_due_at if not ticket.first_responded_at
        else ticket.resolution_due_at,
    }
    return render(request, "portal/ticket_detail.html", context)
