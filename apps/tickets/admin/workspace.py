"""One ticket's workspace at /admin/tickets/ticket/<id>/work/: read the case, answer, act.

Every write is a POST naming its operation (`op`) and calls one ticket service; a refusal from
a service (an `ApplicationError`) comes back as a message on the page, never as an error page.
A reply is previewed with its placeholders filled in before it is sent.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.compensation.desk import offers_act, offers_panel
from apps.core.errors import ApplicationError
from apps.shipments.admin.outbox import notifications_table
from apps.shipments.models import Fault
from apps.shipments.selectors import shipment_timeline
from apps.tickets.admin.forms import (
    STATUS_LABELS,
    AssignForm,
    PriorityForm,
    ReplyForm,
    TransitionForm,
)
from apps.tickets.admin.replies import reply_and_resolve
from apps.tickets.models import (
    TICKET_TRANSITIONS,
    MessageAuthor,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.queue import (
    desk_agents,
    has_placeholders,
    reply_templates_for_ticket,
    reply_text_fill,
    ticket_get_for_workspace,
)
from apps.tickets.services import (
    ticket_assign,
    ticket_link_reissue,
    ticket_links_revoke,
    ticket_reply,
    ticket_set_priority,
    ticket_transition,
)

# The newest scans shown beside the conversation; the shipment's own page has them all.
TIMELINE_SHOWN = 30
# Another person builds the checked download view; this is its path.
ATTACHMENT_PATH = "/desk-files/attachments/{id}/"


def workspace_url(ticket_id: int) -> str:
    return reverse("admin:tickets_ticket_work", args=[ticket_id])


def attachment_url(attachment_id: int) -> str:
    return ATTACHMENT_PATH.format(id=attachment_id)


def _event_values(event) -> tuple[str, str]:
    """An event's from and to, in words where they are a status or a priority."""
    labels = {}
    if event.kind in (TicketEventKind.STATUS_CHANGED, TicketEventKind.CREATED):
        labels = STATUS_LABELS
    elif event.kind in (TicketEventKind.PRIORITY_CHANGED, TicketEventKind.SLA_BREACHED):
        labels = {str(value): label for value, label in TicketPriority.choices}
    return (
        labels.get(event.from_value, event.from_value),
        labels.get(event.to_value, event.to_value),
    )


class Workspace:
    """The page for one ticket and the request acting on it."""

    def __init__(self, model_admin, request, ticket_id: int):
        self.model_admin = model_admin
        self.request = request
        # Checked before the read: whether a ticket exists is not for those who may not see it.
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        self.ticket = ticket_get_for_workspace(ticket_id=ticket_id)
        if self.ticket is None:
            raise Http404(_("No such ticket."))
        self.templates = reply_templates_for_ticket(ticket=self.ticket)
        self.agents = list(desk_agents())
        self.reply_form = ReplyForm(templates=self.templates)
        self.preview = ""

    # --- reading --------------------------------------------------------------------------------

    def render(self, status: int = 200):
        ticket = self.ticket
        shipment = ticket.shipment
        can_change = self.model_admin.has_change_permission(self.request, ticket)
        legal = TICKET_TRANSITIONS.get(ticket.status, set())
        context = {
            **self.model_admin.admin_site.each_context(self.request),
            "opts": self.model_admin.opts,
            "title": f"{ticket.reference} · {ticket.subject}",
            "ticket": ticket,
            "conversation": [
                (message, [(a, attachment_url(a.pk)) for a in message.attachments.all()])
                for message in ticket.conversation
            ],
            "timeline": [(event, *_event_values(event)) for event in ticket.timeline],
            "delivery_changes": ticket.delivery_change_list,
            "shipment": shipment,
            "shipment_fault": Fault(shipment.delay_fault).label
            if shipment and shipment.delay_fault
            else "",
            "tracking_events": list(shipment_timeline(shipment=shipment, limit=TIMELINE_SHOWN))
            if shipment
            else [],
            "notifications": notifications_table(shipment_id=shipment.pk) if shipment else "",
            "can_change": can_change,
            "can_change_delivery": self.request.user.has_perm(
                "tickets.change_deliverychangerequest"
            ),
            "reply_form": self.reply_form,
            "preview": self.preview,
            "assign_form": AssignForm(agents=self.agents, initial={"assignee": ticket.assignee_id}),
            "legal_moves": [
                (status.value, STATUS_LABELS[status]) for status in TicketStatus if status in legal
            ],
            "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
            "can_resolve": TicketStatus.RESOLVED in legal,
            "transition_form": TransitionForm(),
            "priority_form": PriorityForm(initial={"priority": ticket.priority}),
            "queue_url": reverse("admin:tickets_ticket_queue"),
            "change_url": reverse("admin:tickets_ticket_change", args=[ticket.pk]),
            **offers_panel(ticket=ticket, user=self.request.user),
        }
        return TemplateResponse(
            self.request, "admin/tickets/ticket/workspace.html", context, status=status
        )

    # --- acting ---------------------------------------------------------------------------------

    def act(self):
        if not self.model_admin.has_change_permission(self.request, self.ticket):
            raise PermissionDenied
        operation = {
            "reply": self.reply,
            "assign": self.assign,
            "transition": self.transition,
            "priority": self.priority,
            "link_reissue": self.link_reissue,
            "links_revoke": self.links_revoke,
            "offers_propose": self.offers,
            "offer_manual": self.offers,
        }.get(self.request.POST.get("op", ""))
        if operation is None:
            self._error(_("Unknown action."))
            return self._back()
        try:
            return operation()
        except ApplicationError as error:
            self._error(error.message)
            return self._back()

    def reply(self):
        post = self.request.POST
        form = ReplyForm(post, templates=self.templates)
        if not form.is_valid():
            self.reply_form = form
            return self.render(status=400)
        body = form.cleaned_data["body"]
        template = next((t for t in self.templates if t.pk == form.cleaned_data["template"]), None)
        internal = form.cleaned_data["visibility"] == ReplyForm.INTERNAL
        if "_use_template" in post or (template is not None and not body.strip()):
            if template is None:
                form.add_error("template", _("Choose a template to use."))
                self.reply_form = form
                return self.render(status=400)
            return self._preview(post, reply_text_fill(text=template.body, ticket=self.ticket))
        if "_preview" in post:
            return self._preview(post, reply_text_fill(text=body, ticket=self.ticket))
        if has_placeholders(body):
            # Never send a text the agent has not seen filled in.
            self._warning(_("The placeholders were filled in: check the text, then send it."))
            return self._preview(post, reply_text_fill(text=body, ticket=self.ticket))
        if "_send_resolve" in post:
            if internal:
                self._error(_("An internal note does not resolve a ticket: send a reply."))
                return self._preview(post, body)
            reply_and_resolve(ticket=self.ticket, body=body, actor=self.request.user)
            self._success(_("Reply sent and the ticket resolved."))
            return self._back()
        ticket_reply(
            ticket=self.ticket,
            body=body,
            author_kind=MessageAuthor.AGENT,
            author=self.request.user,
            is_internal=internal,
        )
        self._success(_("Internal note added.") if internal else _("Reply sent to the customer."))
        return self._back()

    def _preview(self, post, text: str):
        data = post.copy()
        data["body"] = text
        self.reply_form = ReplyForm(data, templates=self.templates)
        self.reply_form.is_valid()
        self.preview = text
        return self.render()

    def assign(self):
        form = AssignForm(self.request.POST, agents=self.agents)
        if not form.is_valid():
            self._form_errors(form)
            return self._back()
        assignee_id = form.cleaned_data["assignee"]
        assignee = next((agent for agent in self.agents if agent.pk == assignee_id), None)
        ticket_assign(ticket=self.ticket, assignee=assignee, actor=self.request.user)
        if assignee is None:
            self._success(_("The ticket is unassigned."))
        else:
            self._success(
                _("Assigned to %(agent)s.") % {"agent": assignee.get_full_name() or assignee}
            )
        return self._back()

    def transition(self):
        form = TransitionForm(self.request.POST)
        if not form.is_valid():
            self._form_errors(form)
            return self._back()
        to_status = form.cleaned_data["to_status"]
        ticket_transition(
            ticket=self.ticket,
            to_status=to_status,
            actor=self.request.user,
            note=form.cleaned_data["note"],
        )
        self._success(_("Status: %(status)s.") % {"status": STATUS_LABELS[to_status]})
        return self._back()

    def priority(self):
        form = PriorityForm(self.request.POST)
        if not form.is_valid():
            self._form_errors(form)
            return self._back()
        ticket_set_priority(
            ticket=self.ticket, priority=form.cleaned_data["priority"], actor=self.request.user
        )
        self._success(_("Priority saved."))
        return self._back()

    def link_reissue(self):
        # The new token goes to the customer only; the desk never shows it.
        ticket_link_reissue(ticket=self.ticket, actor=self.request.user, send=True)
        self._success(_("A new link is on its way to the customer; earlier links stop working."))
        return self._back()

    def links_revoke(self):
        ticket_links_revoke(ticket=self.ticket, actor=self.request.user)
        self._success(_("Every link to this ticket stopped working."))
        return self._back()

    def offers(self):
        level, text = offers_act(
            op=self.request.POST["op"],
            ticket=self.ticket,
            user=self.request.user,
            post=self.request.POST,
        )
        self.model_admin.message_user(self.request, text, level)
        return self._back()

    # --- helpers --------------------------------------------------------------------------------

    def _back(self):
        return HttpResponseRedirect(workspace_url(self.ticket.pk))

    def _success(self, text):
        self.model_admin.message_user(self.request, text, messages.SUCCESS)

    def _warning(self, text):
        self.model_admin.message_user(self.request, text, messages.WARNING)

    def _error(self, text):
        self.model_admin.message_user(self.request, text, messages.ERROR)

    def _form_errors(self, form):
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                self._error(f"{label}: {error}" if label else error)


def workspace_view(model_admin, request, ticket_id: int):
    workspace = Workspace(model_admin, request, ticket_id)
    if request.method == "POST":
        return workspace.act()
    return workspace.render()
