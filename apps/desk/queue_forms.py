"""The queue's forms: its filters (from the query string), bulk actions and saved views.

They validate input; the ticket services decide. A bad filter value falls back to its default,
so a hand-edited or old link (or a saved view written before a filter changed) still opens.
"""

from django import forms
from django.forms.renderers import get_default_renderer
from django.http import QueryDict
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from apps.core.parsing import id_from
from apps.tickets.models import TicketCategory, TicketPriority, TicketStatus
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


# --- Rendering the queue's forms quickly ------------------------------------------------------


def _attrs_html(attrs: dict) -> str:
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
    return "".join(parts)


class QuickFormRenderer:
    """Django's HTML for selects, text and checkbox inputs and labels, written in Python (the
    queue shows its forms on every page load; a template per <option> is slow). Anything else
    goes to the default renderer."""

    _quick = {
        "django/forms/label.html": _label_html,
        "django/forms/widgets/select.html": _select_html,
        "django/forms/widgets/text.html": _input_html,
        "django/forms/widgets/search.html": _input_html,
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


def _options_html(choices, chosen: set[str]) -> str:
    parts = []
    for value, label in choices:
        if isinstance(label, list | tuple):  # an option group
            parts.append(f'<optgroup label="{conditional_escape(value)}">')
            parts.append(_options_html(label, chosen))
            parts.append("</optgroup>")
            continue
        value = "" if value is None else str(value)
        selected = " selected" if value in chosen else ""
        parts.append(
            f'<option value="{conditional_escape(value)}"{selected}>'
            f"{conditional_escape(label)}</option>"
        )
    return "".join(parts)


def quick_widgets(form: forms.Form) -> dict[str, str]:
    """Each select, text and checkbox field of `form` as HTML (id, name, value, choices), the
    same markup as Django's widgets, without a BoundField and widget context per field."""
    html = {}
    for name, field in form.fields.items():
        field_id = form.auto_id % name if form.auto_id else ""
        raw = form.data.get(name) if form.is_bound else form.initial.get(name, field.initial)
        widget = field.widget
        attrs = {"id": field_id, **widget.attrs}
        if isinstance(widget, forms.Select):
            chosen = {"" if raw is None else str(raw)}
            html[name] = (
                f'<select name="{name}"{_attrs_html(attrs)}>'
                f"{_options_html(field.choices, chosen)}</select>"
            )
        elif isinstance(widget, forms.CheckboxInput):
            checked = " checked" if raw not in (None, "", False, "false", "0") else ""
            html[name] = f'<input type="checkbox" name="{name}"{_attrs_html(attrs)}{checked}>'
        elif isinstance(widget, forms.TextInput):
            attrs.setdefault("type", widget.input_type)
            if getattr(field, "max_length", None):
                attrs["maxlength"] = field.max_length
            kind = attrs.pop("type")
            value = "" if raw in (None, "") else f' value="{conditional_escape(str(raw))}"'
            html[name] = f'<input type="{kind}" name="{name}"{value}{_attrs_html(attrs)}>'
    return {name: mark_safe(text) for name, text in html.items()}  # noqa: S308 (escaped above)


# --- Filters ----------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string (the names the desk's links use).

    `agents` and `carriers` are (id, label) pairs. `waiting` (the "Waiting for the customer"
    tab) lists the tickets whose SLA clock is stopped, which the main list leaves out.
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
    waiting = forms.BooleanField(label=_("Waiting for the customer"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Reference, tracking number, email or phone"),
                "type": "search",
            }
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

    def _valid_data(self) -> dict:
        self.is_valid()
        # A field that failed is left out: its default applies.
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in ("", None) and name not in self.errors
        }

    def filters(self) -> QueueFilters:
        data = self._valid_data()
        scope = data.get("assignee", SCOPE_MINE_AND_UNASSIGNED)
        assignee_id = None
        if id_from(scope):
            scope, assignee_id = "", id_from(scope)
        status = data.get("status", STATUS_OPEN)
        # Waiting tickets are listed apart, unless the agent asked for that status or for all.
        waiting = True if data.get("waiting") else None
        if waiting is None and status in (STATUS_OPEN, TicketStatus.NEW, TicketStatus.OPEN):
            waiting = False
        return QueueFilters(
            scope=scope,
            assignee_id=assignee_id,
            status=status,
            priority=data.get("priority"),
            category=data.get("category", ""),
            carrier_id=data.get("carrier"),
            delayed=data.get("delayed"),
            sla=data.get("sla", ""),
            customer_replied=bool(data.get("replied")),
            delivery_change_pending=bool(data.get("changes")),
            search=data.get("q", ""),
            waiting=waiting,
        )

    def query_string(self, **changes) -> str:
        """The valid, non-default filters as a query string (fields' order), with `changes`
        applied (a value of None removes the parameter): links, tabs and saved views."""
        data = self._valid_data()
        params = QueryDict(mutable=True)
        for name in self.fields:
            value = changes[name] if name in changes else self.data.get(name)
            if name in changes:
                if value is None:
                    continue
            elif name not in data or value in (None, ""):
                continue
            params[name] = value
        if params.get("assignee") == SCOPE_MINE_AND_UNASSIGNED:
            del params["assignee"]
        if params.get("status") == STATUS_OPEN:
            del params["status"]
        return params.urlencode()


def filter_form_from_query(query: str, *, agents, carriers) -> QueueFilterForm:
    """A saved view's query string, validated like any request's."""
    return QueueFilterForm(QueryDict(query), agents=agents, carriers=carriers)


# --- Bulk actions -----------------------------------------------------------------------------


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
            ids = sorted({int(item) for item in value or []})
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        if any(not 0 < pk < 2**63 for pk in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


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
        choices=[("", _("Priority…"))] + TicketPriority.choices,
    )
    template = forms.TypedChoiceField(
        label=_("Reply template"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data=None, *, agents, templates):
        # Its own ids: the filter form on the page has a "priority" too.
        super().__init__(data, auto_id="id_bulk_%s")
        self.fields["agent"].choices = [("", _("Agent…"))] + [
            (str(pk), label) for pk, label in agents
        ]
        self.fields["template"].choices = [("", _("Reply template…"))] + [
            (str(pk), label) for pk, label in templates
        ]

    def clean(self):
        cleaned = super().clean()
        needed = {
            BulkAction.ASSIGN_AGENT: ("agent", _("Choose the agent to assign to.")),
            BulkAction.SET_PRIORITY: ("priority", _("Choose the priority to set.")),
            BulkAction.RESOLVE: ("template", _("Choose the reply template to send.")),
        }.get(cleaned.get("action"))
        if needed and cleaned.get(needed[0]) is None:
            self.add_error(needed[0], needed[1])
        return cleaned


# --- Saved views ------------------------------------------------------------------------------


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=80)
    is_shared = forms.BooleanField(label=_("Share with the desk"), required=False)
    query = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, auto_id="id_view_%s", **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the view a name."))
        return name
