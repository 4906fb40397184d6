"""The desk's forms for the queue and the workspace: they validate input, the services decide."""

from django import forms
from django.forms.renderers import get_default_renderer
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _

from apps.tickets.models import (
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
)

_BLANK = [("", _("Any"))]

# The model's labels are the customer's ("Waiting for you"); the desk says whom it waits for.
STATUS_LABELS = {
    **dict(TicketStatus.choices),
    TicketStatus.PENDING_CUSTOMER: _("Waiting for the customer"),
}


def _agent_label(user) -> str:
    return user.get_full_name() or user.username


# --- Rendering the queue's forms ---------------------------------------------------------------


def _attrs_html(attrs: dict) -> str:
    """django/forms/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _label_html(context) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = context["tag"]
    return f"<{tag}{_attrs_html(context['attrs'] or {})}>{label}</{tag}>"


def _input_html(context) -> str:
    widget = context["widget"]
    value = widget["value"]
    value_html = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value_html}{_attrs_html(widget["attrs"])}>'
    )


def _select_html(context) -> str:
    widget = context["widget"]
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'<option value="{conditional_escape(str(option["value"]))}"'
            f"{_attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "\n".join(parts)


class QuickFormRenderer:
    """The project's form renderer with the queue's widgets and labels written in Python.

    The same HTML as Django's templates for them (select, text and checkbox inputs, labels),
    without a template render per <option>: the queue shows its two forms on every page load.
    Anything else goes to the default renderer.
    """

    _quick = {
        "django/forms/label.html": _label_html,
        "django/forms/widgets/select.html": _select_html,
        "django/forms/widgets/text.html": _input_html,
        "django/forms/widgets/checkbox.html": _input_html,
    }

    def render(self, template_name, context, request=None):
        quick = self._quick.get(template_name)
        if quick is not None:
            return quick(context)
        return get_default_renderer().render(template_name, context, request=request)

    def __getattr__(self, name):
        return getattr(get_default_renderer(), name)


QUICK_FORM_RENDERER = QuickFormRenderer()


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; a bad value falls back to its default.

    `agents` and `carriers` are (id, label) pairs: the page needs their names, not the rows.
    """

    default_renderer = QUICK_FORM_RENDERER

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
            (_("Agent"), [(str(pk), label) for pk, label in agents]),
        ]
        self.fields["status"].choices = [
            (STATUS_OPEN, _("Open (new, open, waiting for the customer)")),
            (STATUS_ANY, _("Any")),
            *STATUS_LABELS.items(),
        ]
        self.fields["carrier"].choices = _BLANK + [(str(pk), name) for pk, name in carriers]

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
    """One action for the ticked rows; `agents` and `templates` are (id, label) pairs."""

    default_renderer = QUICK_FORM_RENDERER

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
        # Its own ids: the filter form above it on the page has a "priority" too.
        super().__init__(data, auto_id="id_bulk_%s")
        self.fields["agent"].choices = [("", "—")] + [(str(pk), label) for pk, label in agents]
        self.fields["template"].choices = [("", "—")] + [
            (str(pk), label) for pk, label in templates
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
