"""The desk's forms for the queue and the workspace: they validate input, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.shipments.models import DelayReason
from apps.tickets.models import (
    ReplyTemplate,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.queue import (
    SCOPE_ANYONE,
    SCOPE_MINE,
    SCOPE_MINE_AND_UNASSIGNED,
    SCOPE_UNASSIGNED,
    SEARCH_MAX_LENGTH,
    SLA_AT_RISK,
    SLA_BREACHED,
    STATUS_ANY,
    STATUS_OPEN,
    QueueFilters,
    unknown_placeholders,
)

_BLANK = [("", _("Any"))]

# The model's labels are the customer's ("Waiting for you"); the desk says whom it waits for.
STATUS_LABELS = {
    **dict(TicketStatus.choices),
    TicketStatus.PENDING_CUSTOMER: _("Waiting for the customer"),
}


def _agent_label(user) -> str:
    return user.get_full_name() or user.username


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; a bad value falls back to its default."""

    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_BLANK + TicketPriority.choices,
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_BLANK + TicketCategory.choices
    )
    carrier = forms.TypedChoiceField(
        label=_("Carrier"), required=False, coerce=int, empty_value=None
    )
    delayed = forms.TypedChoiceField(
        label=_("Parcel delayed"),
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
        choices=_BLANK + [("yes", _("Delayed")), ("no", _("Not delayed"))],
    )
    sla = forms.ChoiceField(
        label=_("SLA"),
        required=False,
        choices=_BLANK + [(SLA_BREACHED, _("Breached")), (SLA_AT_RISK, _("Due within an hour"))],
    )
    replied = forms.BooleanField(label=_("Customer replied"), required=False)
    changes = forms.BooleanField(label=_("Delivery change to arrange"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"placeholder": _("Reference, tracking number, email or phone")}
        ),
    )

    def __init__(self, data=None, *, agents, carriers):
        super().__init__(data)
        self.fields["assignee"].choices = [
            (SCOPE_MINE_AND_UNASSIGNED, _("Mine and unassigned")),
            (SCOPE_MINE, _("Mine")),
            (SCOPE_UNASSIGNED, _("Unassigned")),
            (SCOPE_ANYONE, _("Anyone")),
            (_("Agent"), [(str(agent.pk), _agent_label(agent)) for agent in agents]),
        ]
        self.fields["status"].choices = [
            (STATUS_OPEN, _("Open (new, open, waiting for the customer)")),
            (STATUS_ANY, _("Any")),
            *STATUS_LABELS.items(),
        ]
        self.fields["carrier"].choices = _BLANK + [
            (str(carrier.pk), carrier.name) for carrier in carriers
        ]

    def filters(self) -> QueueFilters:
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}
        scope = data.get("assignee", SCOPE_MINE_AND_UNASSIGNED)
        assignee_id = None
        if scope.isdigit():
            scope, assignee_id = "", int(scope)
        return QueueFilters(
            scope=scope,
            assignee_id=assignee_id,
            status=data.get("status", STATUS_OPEN),
            priority=data.get("priority"),
            category=data.get("category", ""),
            carrier_id=data.get("carrier"),
            delayed=data.get("delayed"),
            sla=data.get("sla", ""),
            customer_replied=bool(data.get("replied")),
            delivery_change_pending=bool(data.get("changes")),
            search=data.get("q", ""),
        )


class BulkAction:
    ASSIGN_ME = "assign_me"
    ASSIGN_AGENT = "assign_agent"
    SET_PRIORITY = "set_priority"
    RESOLVE = "resolve_with_template"

    choices = [
        (ASSIGN_ME, _("Assign to me")),
        (ASSIGN_AGENT, _("Assign to the agent chosen")),
        (SET_PRIORITY, _("Set the priority chosen")),
        (RESOLVE, _("Resolve with the reply template chosen")),
    ]


class TicketIdsField(forms.Field):
    """The ids of the rows ticked on the page; the view acts on those that exist."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one ticket."),
        "invalid": _("The selection is not valid."),
    }

    def to_python(self, value):
        try:
            return sorted({int(item) for item in value or []})
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error


class QueueBulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.choices)
    tickets = TicketIdsField()
    agent = forms.TypedChoiceField(label=_("Agent"), required=False, coerce=int, empty_value=None)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + TicketPriority.choices,
    )
    template = forms.TypedChoiceField(
        label=_("Reply template"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *, agents, templates):
        super().__init__(data)
        self.fields["agent"].choices = [("", "—")] + [
            (str(agent.pk), _agent_label(agent)) for agent in agents
        ]
        self.fields["template"].choices = [("", "—")] + [
            (str(template.pk), str(template)) for template in templates
        ]

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        needed = {
            BulkAction.ASSIGN_AGENT: ("agent", _("Choose the agent to assign to.")),
            BulkAction.SET_PRIORITY: ("priority", _("Choose the priority to set.")),
            BulkAction.RESOLVE: ("template", _("Choose the reply template to send.")),
        }.get(action)
        if needed and cleaned.get(needed[0]) is None:
            self.add_error(needed[0], needed[1])
        return cleaned


# --- Workspace ----------------------------------------------------------------------------------


class ReplyForm(forms.Form):
    PUBLIC = "public"
    INTERNAL = "internal"

    visibility = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (PUBLIC, _("Public reply (sent to the customer)")),
            (INTERNAL, _("Internal note (agents only)")),
        ],
        initial=PUBLIC,
        widget=forms.RadioSelect,
    )
    template = forms.TypedChoiceField(
        label=_("Reply template"), required=False, coerce=int, empty_value=None
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )

    def __init__(self, data=None, *, templates, initial=None):
        super().__init__(data, initial=initial)
        fitting = [(str(t.pk), str(t)) for t in templates if t.fits]
        others = [(str(t.pk), str(t)) for t in templates if not t.fits]
        choices = [("", "—")]
        if fitting:
            choices.append((_("For this ticket"), fitting))
        if others:
            choices.append((_("Other templates"), others))
        self.fields["template"].choices = choices


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *, agents, initial=None):
        super().__init__(data, initial=initial)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [
            (str(agent.pk), _agent_label(agent)) for agent in agents
        ]


class TransitionForm(forms.Form):
    # Every status is accepted here: whether the move is allowed is the service's to say, so a
    # stale page gets its reason rather than a form error.
    to_status = forms.ChoiceField(label=_("Move to"), choices=list(STATUS_LABELS.items()))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(
        label=_("Priority"), coerce=int, choices=TicketPriority.choices
    )


class ReplyTemplateForm(forms.ModelForm):
    """Delay reasons from the list the promise watch uses; placeholders checked for typos."""

    delay_reason = forms.ChoiceField(
        label=_("Delay reason"),
        required=False,
        choices=[("", _("Any"))] + DelayReason.choices,
        help_text=_("Empty: any"),
    )

    class Meta:
        model = ReplyTemplate
        fields = ("name", "language", "category", "delay_reason", "body", "resolves", "is_active")
        help_texts = {
            "body": _(
                "Placeholders: {customer_name} {reference} {tracking_number} {carrier} "
                "{new_estimate} {delay_reason} {ticket_link} (the private link is added when "
                "the message is sent)."
            )
        }

    def clean_body(self):
        body = self.cleaned_data["body"]
        unknown = unknown_placeholders(body)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(names)s."),
                params={"names": ", ".join(f"{{{name}}}" for name in unknown)},
            )
        return body
