"""The workspace's forms: they read and check input; the ticket services decide.

Every form that changes the ticket carries what the agent's page showed (the newest message,
the status, the priority, the assignee), so a change made meanwhile by someone else is caught
instead of overwritten.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.tickets.models import TicketPriority, TicketStatus

# The model's labels are the customer's ("Waiting for you"); the desk says whom it waits for.
STATUS_LABELS = {
    **dict(TicketStatus.choices),
    TicketStatus.PENDING_CUSTOMER: _("Waiting for the customer"),
}


def agent_label(user) -> str:
    return user.get_full_name() or user.username


class ReplyForm(forms.Form):
    PUBLIC = "public"
    INTERNAL = "internal"

    visibility = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (PUBLIC, _("Reply to the customer")),
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
        widget=forms.Textarea(attrs={"rows": 7, "id": "ws-body"}),
    )
    # The newest message on the agent's screen when they started: the service holds the send
    # if anything came after it.
    seen_message_id = forms.IntegerField(
        min_value=0, widget=forms.HiddenInput(attrs={"id": "ws-seen"})
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
        self.fields["template"].widget.attrs["id"] = "ws-template"


class TransitionForm(forms.Form):
    # Every status is accepted here: whether the move is allowed is the service's to say.
    to_status = forms.ChoiceField(label=_("Move to"), choices=list(STATUS_LABELS.items()))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    expected_status = forms.ChoiceField(
        choices=list(STATUS_LABELS.items()), widget=forms.HiddenInput
    )


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(
        label=_("Priority"), coerce=int, choices=TicketPriority.choices
    )
    expected_priority = forms.TypedChoiceField(
        coerce=int, choices=TicketPriority.choices, widget=forms.HiddenInput
    )


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), required=False, coerce=int, empty_value=None
    )
    expected_assignee = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, agents, initial=None):
        super().__init__(data, initial=initial)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [
            (str(agent.pk), agent_label(agent)) for agent in agents
        ]


class MacroApplyForm(forms.Form):
    macro = forms.IntegerField(min_value=1)
    seen_message_id = forms.IntegerField(min_value=0)
