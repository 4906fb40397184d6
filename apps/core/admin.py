"""Pieces every app's desk screens share; this module registers no model of its own."""

from django.forms.models import BaseInlineFormSet


class ReadOnlyAdminMixin:
    """History written by services only: staff may look, nobody may add, edit or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecentFormSet(BaseInlineFormSet):
    """An inline formset showing only the newest `limit` rows (a busy parcel has many scans).

    Django filters the inline queryset by its parent after `get_queryset`, so the slice has to
    be taken here, once, rather than in the inline's own `get_queryset`.
    """

    limit = 20

    def get_queryset(self):
        if not hasattr(self, "_recent_queryset"):
            self._recent_queryset = super().get_queryset()[: self.limit]
        return self._recent_queryset


def recent_formset(limit: int) -> type[RecentFormSet]:
    """A `RecentFormSet` class keeping the newest `limit` rows, for an inline's `formset`."""
    return type("RecentFormSet", (RecentFormSet,), {"limit": limit})
