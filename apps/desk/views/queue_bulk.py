"""The queue's bulk actions: the ticket services, one ticket at a time in its own transaction,
so one refusal (a closed ticket, a template missing in the ticket's language) does not undo the
others. The services check permissions and moves; this only reports what they said.
"""

from django.contrib import messages
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.core.errors import ApplicationError
from apps.desk.queue_forms import BulkAction, QueueBulkForm
from apps.tickets.models import ReplyTemplate, Ticket, TicketPriority
from apps.tickets.queue import desk_agents, reply_text_fill
from apps.tickets.services import ticket_assign, ticket_reply_and_resolve, ticket_set_priority

DONE = {
    BulkAction.ASSIGN_ME: gettext_lazy("Assigned to you: %(tickets)s."),
    BulkAction.ASSIGN_AGENT: gettext_lazy("Assigned to %(agent)s: %(tickets)s."),
    BulkAction.SET_PRIORITY: gettext_lazy("Priority set to %(priority)s: %(tickets)s."),
    BulkAction.RESOLVE: gettext_lazy("Replied and resolved: %(tickets)s."),
}


class TemplateMissing(ApplicationError):
    pass


def resolving_templates() -> list[ReplyTemplate]:
    return list(
        ReplyTemplate.objects.filter(is_active=True, resolves=True).order_by(
            "name", "language", "id"
        )
    )


def _agent_label(user) -> str:
    return user.get_full_name() or user.username


def bulk_act(request) -> None:
    """Validate the bulk form, run the action ticket by ticket, leave messages for the next page."""
    agents = list(desk_agents())
    templates = resolving_templates()
    form = QueueBulkForm(
        request.POST,
        agents=[(agent.pk, _agent_label(agent)) for agent in agents],
        templates=[(template.pk, str(template)) for template in templates],
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return
    data = form.cleaned_data
    tickets = list(
        Ticket.objects.filter(pk__in=data["tickets"])
        .select_related("customer", "shipment__carrier")
        .order_by("resolution_due_at", "pk")
    )
    action = data["action"]
    actor = request.user
    params = {}
    if action == BulkAction.ASSIGN_ME:
        operation = _assign(actor, actor)
    elif action == BulkAction.ASSIGN_AGENT:
        agent = next(agent for agent in agents if agent.pk == data["agent"])
        operation = _assign(agent, actor)
        params["agent"] = _agent_label(agent)
    elif action == BulkAction.SET_PRIORITY:
        operation = _set_priority(data["priority"], actor)
        params["priority"] = TicketPriority(data["priority"]).label
    else:
        chosen = next(template for template in templates if template.pk == data["template"])
        operation = _resolve(chosen, templates, actor)

    done, refused = [], []
    for ticket in tickets:
        try:
            with transaction.atomic():
                operation(ticket)
        except ApplicationError as error:
            refused.append(f"{ticket.reference}: {error.message}")
        else:
            done.append(ticket.reference)
    if done:
        params["tickets"] = ", ".join(done)
        messages.success(request, DONE[action] % params)
    if refused:
        messages.error(
            request,
            ngettext(
                "%(count)d ticket refused: %(reasons)s",
                "%(count)d tickets refused: %(reasons)s",
                len(refused),
            )
            % {"count": len(refused), "reasons": "; ".join(refused)},
        )
    if not tickets:
        messages.warning(request, _("None of the selected tickets exists."))


def _assign(assignee, actor):
    def operation(ticket):
        ticket_assign(ticket=ticket, assignee=assignee, actor=actor)

    return operation


def _set_priority(priority, actor):
    def operation(ticket):
        ticket_set_priority(ticket=ticket, priority=priority, actor=actor)

    return operation


def _resolve(chosen: ReplyTemplate, templates: list[ReplyTemplate], actor):
    """Each ticket gets the chosen template in its own language (same name), never another's."""
    by_name_and_language = {(t.name, t.language): t for t in templates}

    def operation(ticket):
        template = by_name_and_language.get((chosen.name, ticket.language))
        if template is None:
            raise TemplateMissing(
                _("there is no template “%(name)s” in %(language)s.")
                % {"name": chosen.name, "language": ticket.get_language_display()}
            )
        body = reply_text_fill(text=template.body, ticket=ticket)
        ticket_reply_and_resolve(ticket=ticket, body=body, actor=actor)

    return operation
