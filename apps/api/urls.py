from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.api import (
    offers,
    shipment_events,
    shipments,
    ticket_messages,
    tickets,
    views,
    webhooks,
)

app_name = "api"

router = DefaultRouter()
router.register("carriers", views.CarrierViewSet, basename="carrier")

urlpatterns = [
    path(
        "webhooks/tracking/<slug:carrier_code>/",
        webhooks.TrackingWebhookApi.as_view(),
        name="tracking-webhook",
    ),
    path("shipments/", shipments.ShipmentsApi.as_view(), name="shipments"),
    path(
        "shipments/<int:shipment_id>/",
        shipments.ShipmentDetailApi.as_view(),
        name="shipment-detail",
    ),
    path(
        "shipments/<int:shipment_id>/events/",
        shipment_events.ShipmentEventsApi.as_view(),
        name="shipment-events",
    ),
    path("tickets/", tickets.TicketsApi.as_view(), name="tickets"),
    path("tickets/<int:ticket_id>/", tickets.TicketDetailApi.as_view(), name="ticket-detail"),
    path(
        "tickets/<int:ticket_id>/messages/",
        ticket_messages.TicketMessagesApi.as_view(),
        name="ticket-messages",
    ),
    path("offers/", offers.OffersApi.as_view(), name="offers"),
    path("offers/<int:offer_id>/", offers.OfferDetailApi.as_view(), name="offer-detail"),
    path(
        "offers/<int:offer_id>/approve/",
        offers.OfferApproveApi.as_view(),
        name="offer-approve",
    ),
    path(
        "offers/<int:offer_id>/reject/",
        offers.OfferRejectApi.as_view(),
        name="offer-reject",
    ),
    *router.urls,
]
