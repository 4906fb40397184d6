"""The agent's queue at /desk/tickets/ticket/queue/: what to pick up next, and bulk actions.

The reads are `apps.tickets.queue`; the writes are the ticket services, one ticket at a time in
its own transaction, so one refusal (a closed ticket) does not undo the others.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.core.errors import ApplicationError
from apps.shipments.models import Carrier
from apps.tickets.admin.forms import STATUS_LABELS, BulkAction, QueueBulkForm, QueueFilterForm
from apps.tickets.admin.replies import reply_and_resolve
from apps.tickets.models import ReplyTemplate, Ticket, TicketPriority
from apps.tickets.queue import Cursor, desk_agents, queue_page, reply_text_fill
from apps.tickets.services import ticket_assign, ticket_set_priority


def _resolving_templates() -> list[ReplyTemplate]:
    return list(
        ReplyTemplate.objects.filter(is_active=True, resolves=True).order_by(
            "name", "language", "id"
        )
    )


def _page_link(request, cursor: str) -> str:
    params = request.GET.copy()
    params.pop("cursor", None)
    if cursor:
        params["cursor"] = cursor
    return f"?{params.urlencode()}"


def queue_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    agents = list(desk_agents())
    if request.method == "POST":
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        _bulk(model_admin, request, agents=agents)
        # Back to the same filters and page the agent acted from.
        return HttpResponseRedirect(request.get_full_path())

    carriers = list(Carrier.objects.order_by("name").only("id", "name"))
    filter_form = QueueFilterForm(request.GET, agents=agents, carriers=carriers)
    page = queue_page(
        user=request.user,
        filters=filter_form.filters(),
        cursor=Cursor.decode(request.GET.get("cursor", "")),
    )
    for ticket in page.rows:
        ticket.status_label = STATUS_LABELS.get(ticket.status, ticket.status)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Ticket queue"),
        "filter_form": filter_form,
        "bulk_form": QueueBulkForm(agents=agents, templates=_resolving_templates()),
        "page": page,
        "next_link": _page_link(request, page.next_cursor) if page.next_cursor else "",
        "previous_link": _page_link(request, page.previous_cursor) if page.previous_cursor else "",
        "first_link": _page_link(request, "") if request.GET.get("cursor") else "",
        "can_change": model_admin.has_change_permission(request),
    }
    return TemplateResponse(request, "admin/tickets/ticket/queue.html", context)


def _bulk(model_admin, request, *, agents) -> None:
    templates = _resolving_templates()
    form = QueueBulkForm(request.POST, agents=agents, templates=templates)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                model_admin.message_user(request, error, messages.ERROR)
        return
    data = form.cleaned_data
    tickets = list(
        Ticket.objects.filter(pk__in=data["tickets"])
        .select_related("customer", "shipment__carrier")
        .order_by("resolution_due_at", "pk")
    )
    action = data["action"]
    params = {}
    if action == BulkAction.ASSIGN_ME:
        operation = _assign(request.user, request.user)
    elif action == BulkAction.ASSIGN_AGENT:
        agent = next(agent for agent in agents if agent.pk == data["agent"])
        operation = _assign(agent, request.user)
        params["agent"] = agent.get_full_name() or agent.username
    elif action == BulkAction.SET_PRIORITY:
        operation = _set_priority(data["priority"], request.user)
        params["priority"] = TicketPriority(data["priority"]).label
    else:
        chosen = next(template for template in templates if template.pk == data["template"])
        operation = _resolve(chosen, templates, request.user)

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
        model_admin.message_user(request, _DONE[action] % params, messages.SUCCESS)
    if refused:
        message = ngettext(
            "%(count)d ticket refused: %(reasons)s",
            "%(count)d tickets refused: %(reasons)s",
            len(refused),
        ) % {"count": len(refused), "reasons": "; ".join(refused)}
        model_admin.message_user(request, message, messages.ERROR)
    if not tickets:
        model_admin.message_user(
            request, _("None of the selected tickets exists."), messages.WARNING
        )


_DONE = {
    BulkAction.ASSIGN_ME: gettext_lazy("Assigned to you: %(tickets)s."),
    BulkAction.ASSIGN_AGENT: gettext_lazy("Assigned to %(agent)s: %(tickets)s."),
    BulkAction.SET_PRIORITY: gettext_lazy("Priority set to %(priority)s: %(tickets)s."),
    BulkAction.RESOLVE: gettext_lazy("Replied and resolved: %(tickets)s."),
}


def _assign(assignee, actor):
    def operation(ticket):
        ticket_assign(ticket=ticket, assignee=assignee, actor=actor)

    return operation


def _set_priority(priority, actor):
    def operation(ticket):
        ticket_set_priority(ticket=ticket, priority=priority, actor=actor)

    return operation


class TemplateMissing(ApplicationError):
    pass


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
        reply_and_resolve(ticket=ticket, body=body, actor=actor)

    return operation
