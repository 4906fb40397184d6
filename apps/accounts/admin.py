from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user screens, plus the desk settings: language and whether tickets are dealt."""

    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "preferred_language",
        "is_on_duty",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("is_on_duty", "preferred_language", "is_staff", "is_active", "groups")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Desk"), {"fields": ("preferred_language", "is_on_duty")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Desk"), {"fields": ("preferred_language", "is_on_duty")}),
    )
