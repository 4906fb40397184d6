"""What the workspace's POSTs do: each operation reads its form and calls one ticket service.

A refusal from a service (an `ApplicationError`) comes back as a message on the page with the
agent's input kept, never as an error page. `TicketChanged` (someone replied, or the ticket's
status or priority moved since the page was drawn) holds the action: the page shows what
changed and keeps the draft, with "send anyway".
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.desk.offers_panel import offers_act
from apps.desk.views.workspace_data import macros_for_ticket
from apps.desk.workspace_forms import (
    STATUS_LABELS,
    AssignForm,
    MacroApplyForm,
    PriorityForm,
    ReplyForm,
    TransitionForm,
    agent_label,
)
from apps.tickets.errors import TicketChanged
from apps.tickets.models import MessageAuthor, TicketPriority
from apps.tickets.queue import has_placeholders, reply_text_fill
from apps.tickets.services import (
    delivery_change_decide,
    ticket_assign,
    ticket_link_reissue,
    ticket_links_revoke,
    ticket_macro_apply,
    ticket_reply,
    ticket_reply_and_resolve,
    ticket_set_priority,
    ticket_transition,
)

PRIORITY_LABELS = dict(TicketPriority.choices)


def _form_problems(form) -> str:
    return " ".join(
        f"{form.fields[name].label}: {error}"
        if name in form.fields and form.fields[name].label
        else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


class WorkspaceActions:
    """Mixed into `Workspace`: `self.ticket`, `self.request`, `done`, `refuse`, `render`."""

    def act(self):
        if not self.request.user.has_perm("tickets.change_ticket"):
            raise PermissionDenied
        operation = {
            "reply": self.reply,
            "macro": self.macro,
            "assign": self.assign,
            "transition": self.transition,
            "priority": self.priority,
            "link_reissue": self.link_reissue,
            "links_revoke": self.links_revoke,
            "offers_propose": self.offers,
            "offer_manual": self.offers,
            "delivery_decide": self.delivery_decide,
        }.get(self.request.POST.get("op", ""))
        if operation is None:
            return self.refuse(_("Unknown action."))
        try:
            return operation()
        except ApplicationError as error:
            return self.refuse(error.message, status=error.status_code)

    # --- replies --------------------------------------------------------------------------------

    def reply(self):
        post = self.request.POST
        form = ReplyForm(post, templates=self.templates)
        self.reply_form = form
        if not form.is_valid():
            return self.refuse(_form_problems(form))
        data = form.cleaned_data
        body = data["body"]
        internal = data["visibility"] == ReplyForm.INTERNAL
        template = next((t for t in self.templates if t.pk == data["template"]), None)
        if "_use_template" in post or (template is not None and not body.strip()):
            if template is None:
                return self.refuse(_("Choose a template to use."))
            filled = reply_text_fill(text=template.body, ticket=self.ticket)
            return self._preview(f"{body.rstrip()}\n\n{filled}" if body.strip() else filled)
        if "_preview" in post:
            return self._preview(reply_text_fill(text=body, ticket=self.ticket))
        if has_placeholders(body):
            # Never send a text the agent has not seen filled in.
            self.say("warning", _("The placeholders were filled in: check the text, then send it."))
            return self._preview(reply_text_fill(text=body, ticket=self.ticket))
        user = self.request.user
        try:
            if "_send_resolve" in post:
                if internal:
                    return self.refuse(
                        _("An internal note does not resolve a ticket: send a reply.")
                    )
                ticket_reply_and_resolve(
                    ticket=self.ticket,
                    body=body,
                    actor=user,
                    seen_message_id=data["seen_message_id"],
                )
                return self.done(_("Reply sent and the ticket resolved."))
            ticket_reply(
                ticket=self.ticket,
                body=body,
                author_kind=MessageAuthor.AGENT,
                author=user,
                is_internal=internal,
                seen_message_id=data["seen_message_id"],
            )
        except TicketChanged as error:
            return self._held(form, error, body)
        return self.done(
            _("Internal note added.") if internal else _("Reply sent to the customer.")
        )

    def _preview(self, text: str):
        data = self.request.POST.copy()
        data["body"] = text
        self.reply_form = self.fresh_reply_form(data)
        self.reply_form.is_valid()
        self.preview = text
        return self.render()

    def _held(self, form, error: TicketChanged, body: str):
        """Someone wrote since the agent's page was drawn: show it, keep the draft."""
        new_ids = error.extra.get("new_message_ids", [])
        new = [m for m in self.ticket.conversation if m.pk in new_ids]
        user = self.request.user
        if new and all(m.author_id == user.pk and m.body.strip() == body.strip() for m in new):
            # The same form sent twice (a double click, a reload): the first one went through.
            return self.done(_("This reply was already sent."))
        data = self.request.POST.copy()
        data["seen_message_id"] = str(max(new_ids, default=self.newest_id()))
        self.reply_form = self.fresh_reply_form(data)
        self.reply_form.is_valid()
        self.held_ids = new_ids
        writers = sorted(
            {agent_label(m.author) if m.author_id else self.ticket.customer.name for m in new}
        )
        return self.refuse(
            _(
                "%(who)s wrote on this ticket while you were writing (marked new above). "
                "Your reply was not sent and your draft is kept: read the new message, then "
                "send anyway or change your reply."
            )
            % {"who": ", ".join(writers) or _("Someone")},
            status=409,
            level="warning",
        )

    # --- macros ---------------------------------------------------------------------------------

    def macro(self):
        form = MacroApplyForm(self.request.POST)
        if not form.is_valid():
            return self.refuse(_("Choose a macro."))
        user = self.request.user
        macro_id = form.cleaned_data["macro"]
        fitting = macros_for_ticket(self.ticket) if user.has_perm("desk.view_macro") else []
        macro = next((m for m in fitting if m.pk == macro_id), None)
        if macro is None:
            return self.refuse(_("This macro does not fit this ticket."))
        body = reply_text_fill(text=macro.body, ticket=self.ticket) if macro.body else ""
        try:
            ticket_macro_apply(
                ticket=self.ticket,
                actor=user,
                body=body,
                set_status=macro.set_status,
                set_priority=macro.set_priority,
                assign=macro.assign,
                seen_message_id=form.cleaned_data["seen_message_id"],
                note=_("Macro: %(name)s") % {"name": macro.name},
            )
        except TicketChanged as error:
            new_ids = error.extra.get("new_message_ids", [])
            self.held_ids = new_ids
            self.macro_choose(macro.pk, seen_message_id=max(new_ids, default=self.newest_id()))
            return self.refuse(
                _(
                    "Someone wrote on this ticket since you opened it (marked new above). The "
                    "macro was not applied: read the new message, then apply it anyway."
                ),
                status=409,
                level="warning",
            )
        return self.done(_("Macro applied: %(name)s.") % {"name": macro.name})

    # --- the ticket's state ---------------------------------------------------------------------

    def _stale(self, error: TicketChanged, what: str):
        current = error.extra.get("current")
        if what == "status":
            text = _(
                "Someone changed this ticket while you were looking: its status is now "
                "%(value)s. Nothing was changed; check and choose again."
            ) % {"value": STATUS_LABELS.get(current, current)}
        else:
            text = _(
                "Someone changed this ticket while you were looking: its priority is now "
                "%(value)s. Nothing was changed; check and choose again."
            ) % {"value": PRIORITY_LABELS.get(current, current)}
        return self.refuse(text, status=409, level="warning")

    def transition(self):
        form = TransitionForm(self.request.POST)
        if not form.is_valid():
            return self.refuse(_form_problems(form))
        to_status = form.cleaned_data["to_status"]
        try:
            ticket_transition(
                ticket=self.ticket,
                to_status=to_status,
                actor=self.request.user,
                note=form.cleaned_data["note"],
                expected_status=form.cleaned_data["expected_status"],
            )
        except TicketChanged as error:
            if error.extra.get("current") == to_status:
                return self.done(_("Status: %(status)s.") % {"status": STATUS_LABELS[to_status]})
            return self._stale(error, "status")
        return self.done(_("Status: %(status)s.") % {"status": STATUS_LABELS[to_status]})

    def priority(self):
        form = PriorityForm(self.request.POST)
        if not form.is_valid():
            return self.refuse(_form_problems(form))
        priority = form.cleaned_data["priority"]
        try:
            ticket_set_priority(
                ticket=self.ticket,
                priority=priority,
                actor=self.request.user,
                expected_priority=form.cleaned_data["expected_priority"],
            )
        except TicketChanged as error:
            if error.extra.get("current") != priority:
                return self._stale(error, "priority")
        return self.done(_("Priority: %(priority)s.") % {"priority": PRIORITY_LABELS[priority]})

    def assign(self):
        form = AssignForm(self.request.POST, agents=self.agents)
        if not form.is_valid():
            return self.refuse(_form_problems(form))
        assignee_id = form.cleaned_data["assignee"]
        assignee = next((agent for agent in self.agents if agent.pk == assignee_id), None)
        try:
            ticket_assign(
                ticket=self.ticket,
                assignee=assignee,
                actor=self.request.user,
                expected_assignee_id=form.cleaned_data["expected_assignee"],
            )
        except TicketChanged as error:
            current = next(
                (agent for agent in self.agents if agent.pk == error.extra.get("current")), None
            )
            return self.refuse(
                _(
                    "Someone changed the assignee while you were looking: the ticket is now "
                    "with %(agent)s. Nothing was changed; check and choose again."
                )
                % {"agent": agent_label(current) if current else _("nobody")},
                status=409,
                level="warning",
            )
        if assignee is None:
            return self.done(_("The ticket is unassigned."))
        return self.done(_("Assigned to %(agent)s.") % {"agent": agent_label(assignee)})

    def link_reissue(self):
        # The new token goes to the customer only; the desk never shows it.
        ticket_link_reissue(ticket=self.ticket, actor=self.request.user, send=True)
        return self.done(_("A new link is on its way to the customer; earlier links stop working."))

    def links_revoke(self):
        ticket_links_revoke(ticket=self.ticket, actor=self.request.user)
        return self.done(_("Every link to this ticket stopped working."))

    def delivery_decide(self):
        if not self.request.user.has_perm("tickets.change_deliverychangerequest"):
            raise PermissionDenied
        change_id = self.request.POST.get("change", "")
        change = next((c for c in self.ticket.delivery_change_list if str(c.pk) == change_id), None)
        if change is None:
            return self.refuse(_("No such delivery change on this ticket."))
        change = delivery_change_decide(
            change=change, status=self.request.POST.get("status", ""), actor=self.request.user
        )
        return self.done(
            _("Delivery change: %(status)s.") % {"status": change.get_status_display()}
        )

    def offers(self):
        level, text = offers_act(
            op=self.request.POST["op"],
            ticket=self.ticket,
            user=self.request.user,
            post=self.request.POST,
        )
        if level >= 40:  # messages.ERROR
            return self.refuse(text)
        return self.done(text)
