"""/desk/dashboard/…: included in config/urls.py before the admin's own /desk/ addresses."""

from django.contrib import admin
from django.urls import path

from apps.feedback.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", admin.site.admin_view(views.dashboard), name="index"),
    path("csv/<slug:figure>/", admin.site.admin_view(views.dashboard_csv), name="csv"),
    path("me/", admin.site.admin_view(views.own_dashboard), name="own"),
    path("me/csv/<slug:figure>/", admin.site.admin_view(views.own_csv), name="own_csv"),
    # A script for the pages above, the same for everyone: no sign-in, cached for a year.
    path("plotly-<str:version>.min.js", views.plotly_js, name="plotly"),
]
