from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdminMixin
from apps.feedback.models import Survey, SurveyResponse


class SurveyResponseInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = SurveyResponse
    fields = ("csat", "nps", "comment", "created_at")
    extra = 0


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Surveys are scheduled and sent by the feedback services. The link's nonce is not shown:
    together with the signature it opens the customer's survey."""

    list_display = (
        "ticket",
        "language",
        "scheduled_for",
        "sent_at",
        "expires_at",
        "answered_at",
        "csat",
        "nps",
    )
    list_filter = (
        "language",
        ("sent_at", admin.EmptyFieldListFilter),
        ("answered_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("ticket", "response")
    search_fields = ("ticket__reference", "ticket__customer__email", "ticket__customer__name")
    date_hierarchy = "scheduled_for"
    fields = (
        "ticket",
        "language",
        "scheduled_for",
        "sent_at",
        "expires_at",
        "answered_at",
        "created_at",
    )
    inlines = (SurveyResponseInline,)

    @staticmethod
    def _response(obj) -> SurveyResponse | None:
        # Reverse one-to-one: absent raises, select_related("response") spares the query.
        return getattr(obj, "response", None)

    @admin.display(description=_("CSAT"), ordering="response__csat")
    def csat(self, obj):
        response = self._response(obj)
        return response.csat if response else None

    @admin.display(description=_("NPS"), ordering="response__nps")
    def nps(self, obj):
        response = self._response(obj)
        return response.nps if response else None


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket_reference", "csat", "nps", "is_low", "excerpt", "created_at")
    list_filter = ("csat", "nps")
    list_select_related = ("survey__ticket",)
    search_fields = ("survey__ticket__reference", "comment")
    date_hierarchy = "created_at"
    fields = ("survey", "ticket_reference", "csat", "nps", "is_low", "comment", "created_at")

    @admin.display(description=_("Ticket"), ordering="survey__ticket__reference")
    def ticket_reference(self, obj):
        return obj.survey.ticket.reference

    @admin.display(description=_("Low score"), boolean=True)
    def is_low(self, obj):
        return obj.is_low

    @admin.display(description=_("Comment"))
    def excerpt(self, obj):
        return Truncator(obj.comment).chars(80)
