"""/desk/dashboard/…: the managers' dashboard and each desk user's own figures, with their CSVs
and the fragments the pages fetch (one per figure, and the headline numbers).

Included from config/urls.py (before the desk's own addresses) under its own namespace, so
`dashboard:index`, `dashboard:own`, `dashboard:csv` and `dashboard:own_csv` keep their names.
"""

from django.urls import path

from apps.desk.views import dashboard

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.dashboard, name="index"),
    path("headline/", dashboard.headline, name="headline"),
    path("figure/<slug:figure>/", dashboard.figure, name="figure"),
    path("csv/<slug:figure>/", dashboard.dashboard_csv, name="csv"),
    path("me/", dashboard.own_dashboard, name="own"),
    path("me/figure/<slug:figure>/", dashboard.own_figure, name="own_figure"),
    path("me/csv/<slug:figure>/", dashboard.own_csv, name="own_csv"),
]
