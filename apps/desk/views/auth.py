"""Signing in and out of the desk (Django's own views with the desk's page)."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from apps.desk.access import is_desk_user


class DeskLoginView(auth_views.LoginView):
    template_name = "desk/login.html"
    redirect_authenticated_user = False
    next_page = reverse_lazy("desk:home")

    def get_default_redirect_url(self):
        return str(self.next_page)


class DeskLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("desk:login")


__all__ = ["DeskLoginView", "DeskLogoutView", "is_desk_user"]
