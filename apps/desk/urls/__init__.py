"""The desk at /desk/: home, sign-in, and each area's own addresses (one module per area)."""

from django.urls import include, path

from apps.desk.views import auth, home

app_name = "desk"

urlpatterns = [
    path("", home.home, name="home"),
    path("counts/", home.home_counts, name="home_counts"),
    path("login/", auth.DeskLoginView.as_view(), name="login"),
    path("logout/", auth.DeskLogoutView.as_view(), name="logout"),
    path("", include("apps.desk.urls.queue")),
    path("", include("apps.desk.urls.workspace")),
    path("", include("apps.desk.urls.managers")),
    path("", include("apps.desk.urls.library")),
]
