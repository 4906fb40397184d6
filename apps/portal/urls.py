from django.urls import path

from apps.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("track/", views.track, name="track"),
    path("track/parcel/<int:shipment_id>/", views.parcel, name="parcel"),
    path("t/<str:token>/", views.ticket_detail, name="ticket"),
]
