from rest_framework.routers import DefaultRouter

from apps.api import views

app_name = "api"

router = DefaultRouter()
router.register("carriers", views.CarrierViewSet, basename="carrier")

urlpatterns = router.urls
