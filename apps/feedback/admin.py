from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import MANAGERS
from apps.core.admin import ReadOnlyAdminMixin
from apps.core.errors import ApplicationError
from apps.core.money import money_format
from apps.feedback.models import (
    FollowUp,
    FollowUpStatus,
    Survey,
    SurveyResponse,
    WeeklyReportRun,
)
from apps.feedback.selectors import compensation_given, followup_list
from apps.feedback.services import followup_update, followups_assign


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


class FollowUpForm(forms.ModelForm):
    """What a manager sets by hand: who calls the customer back, what was done, done or not.
    The scores, the ticket and the times are the services' record and only shown."""

    mark_done = forms.BooleanField(
        label=_("Mark done"),
        required=False,
        help_text=_("The customer was contacted and the note says what was done."),
    )

    class Meta:
        model = FollowUp
        fields = ("assignee", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = (
                get_user_model()
                .objects.filter(is_active=True, groups__name=MANAGERS)
                .order_by("username")
                .distinct()
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mark_done") and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say what was done before marking the follow-up done."))
        return cleaned


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """Managers call back customers who gave a low score, with the whole story on one row:
    the ticket (opening its workspace), the parcel's delay reason, the compensation given and
    the agent who handled it. Opened by the survey services; closed here with a note."""

    form = FollowUpForm
    list_display = (
        "created_at",
        "ticket_link",
        "reason",
        "scores",
        "delay_reason",
        "compensation",
        "agent",
        "assignee",
        "status",
    )
    list_display_links = ("created_at",)
    list_filter = (
        "status",
        "reason",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        ("ticket__shipment__carrier", admin.RelatedOnlyFieldListFilter),
        "ticket__shipment__delay_reason",
    )
    list_select_related = (
        "survey__response",
        "ticket__assignee",
        "ticket__shipment__carrier",
        "assignee",
    )
    search_fields = ("ticket__reference", "survey__response__comment")
    date_hierarchy = "created_at"
    readonly_fields = (
        "ticket_link",
        "reason",
        "scores",
        "comment",
        "delay_reason",
        "compensation",
        "agent",
        "status",
        "created_at",
        "closed_at",
        "closed_by",
    )
    actions = ("assign_to_me",)

    def get_queryset(self, request):
        return followup_list()

    def get_fields(self, request, obj=None):
        editable = ["assignee", "note"]
        if obj is None or obj.status == FollowUpStatus.OPEN:
            editable.append("mark_done")
        return [*self.readonly_fields, *editable]

    def has_add_permission(self, request):
        # Opened by a low survey answer only.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = followup_update(
                follow_up=obj,
                actor=request.user,
                assignee=form.cleaned_data.get("assignee"),
                note=form.cleaned_data.get("note", ""),
                mark_done=form.cleaned_data.get("mark_done", False),
            )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        # The page's message and title read `obj`: give it what the service saved ("(done)").
        for name in ("status", "closed_at", "closed_by", "assignee", "note"):
            setattr(obj, name, getattr(saved, name))

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        try:
            count = followups_assign(
                follow_up_ids=list(queryset.values_list("pk", flat=True)),
                actor=request.user,
                assignee=request.user,
            )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, _("%(count)d follow-ups assigned to you.") % {"count": count})

    @admin.display(description=_("Ticket"), ordering="ticket__reference")
    def ticket_link(self, obj):
        url = reverse("desk:ticket", args=[obj.ticket_id])
        return format_html('<a href="{}">{}</a>', url, obj.ticket.reference)

    @admin.display(description=_("Scores"))
    def scores(self, obj):
        response = getattr(obj.survey, "response", None)
        if response is None:
            return "—"
        if response.nps is None:
            return f"CSAT {response.csat}"
        return f"CSAT {response.csat} · NPS {response.nps}"

    @admin.display(description=_("Comment"))
    def comment(self, obj):
        response = getattr(obj.survey, "response", None)
        return response.comment if response and response.comment else "—"

    @admin.display(description=_("Delay reason"), ordering="ticket__shipment__delay_reason")
    def delay_reason(self, obj):
        shipment = obj.ticket.shipment
        if shipment is None or not shipment.delay_reason:
            return "—"
        return shipment.get_delay_reason_display()

    @admin.display(description=_("Compensation given"))
    def compensation(self, obj):
        offers = compensation_given(obj)
        if not offers:
            return "—"
        return "; ".join(
            f"{offer.get_kind_display()} {money_format(offer.amount, offer.currency)}"
            f" ({offer.get_status_display()})"
            for offer in offers
        )

    @admin.display(description=_("Agent"), ordering="ticket__assignee__username")
    def agent(self, obj):
        agent = obj.ticket.assignee
        if agent is None:
            return "—"
        return agent.get_full_name() or agent.get_username()


@admin.register(WeeklyReportRun)
class WeeklyReportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """When each week's scheduled report went out, and to how many managers."""

    list_display = ("week_ending", "sent_at", "recipients")
    date_hierarchy = "week_ending"
