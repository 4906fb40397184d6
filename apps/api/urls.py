from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.api import views, webhooks

app_name = "api"

router = DefaultRouter()
router.register("carriers", views.CarrierViewSet, basename="carrier")

urlpatterns = [
    path(
        "webhooks/tracking/<slug:carrier_code>/",
        webhooks.TrackingWebhookApi.as_view(),
        name="tracking-webhook",
    ),
    *router.urls,
]
