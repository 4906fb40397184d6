"""The agent's queue at /admin/tickets/ticket/queue/: what to pick up next, and bulk actions.

The reads are `apps.tickets.queue`; the writes are the ticket services, one ticket at a time in
its own transaction, so one refusal (a closed ticket) does not undo the others.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.shipments.models import Carrier
from apps.tickets.admin.forms import STATUS_LABELS, BulkAction, QueueBulkForm, QueueFilterForm
from apps.tickets.admin.queue_rows import queue_rows_html
from apps.tickets.admin.replies import reply_and_resolve
from apps.tickets.models import ReplyTemplate, Ticket, TicketPriority
from apps.tickets.queue import Cursor, desk_agents, queue_page, reply_text_fill
from apps.tickets.services import ticket_assign, ticket_set_priority


class _FixedRead:
    """A read whose SQL never changes (no argument, no clock): compiled by the ORM once per
    process, then run as it is. Building and compiling a queryset costs more than running
    these small reads, and the queue asks for them on every page."""

    def __init__(self, queryset):
        self._queryset = queryset
        self._sql = None

    def rows(self) -> list[tuple]:
        if self._sql is None:
            self._sql = self._queryset().query.sql_with_params()
        sql, params = self._sql
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


_AGENTS = _FixedRead(lambda: desk_agents().values_list("pk", "username", "first_name", "last_name"))
_CARRIERS = _FixedRead(lambda: Carrier.objects.order_by("name").values_list("pk", "name"))
_RESOLVING_TEMPLATES = _FixedRead(
    lambda: (
        ReplyTemplate.objects.filter(is_active=True, resolves=True)
        .order_by("name", "language", "id")
        .values_list("pk", "name", "language")
    )
)


def _resolving_templates() -> list[ReplyTemplate]:
    return list(
        ReplyTemplate.objects.filter(is_active=True, resolves=True).order_by(
            "name", "language", "id"
        )
    )


def _agent_choices(agents) -> list[tuple[int, str]]:
    return [(agent.pk, agent.get_full_name() or agent.username) for agent in agents]


def _agent_choices_read() -> tuple[tuple[int, str], ...]:
    """(id, name) of everyone a ticket can be given to, named as `User.__str__` does."""
    return tuple(
        (pk, f"{first_name} {last_name}".strip() or username)
        for pk, username, first_name, last_name in _AGENTS.rows()
    )


# Rendered pieces of the page by everything they are made of (language, choices, the values
# asked for, the sidebar's links): the same filters are asked for again and again, and forms
# of <select>s and the admin's sidebar are slow to render for what they are.
_FRAGMENTS: dict[tuple, str] = {}
_FRAGMENTS_KEPT = 256


def _fragment(key: tuple, render: Callable[[], str]) -> str:
    html = _FRAGMENTS.get(key)
    if html is None:
        html = render()
        if len(_FRAGMENTS) >= _FRAGMENTS_KEPT:
            _FRAGMENTS.clear()
        _FRAGMENTS[key] = html
    return html


def _nav_sidebar_html(request, available_apps) -> str:
    """admin/nav_sidebar.html for these apps on this path (it marks the current app/model)."""
    key = (
        "sidebar",
        get_language(),
        request.path,
        tuple(
            (
                app["app_label"],
                app["app_url"],
                str(app["name"]),
                tuple(
                    (
                        model["object_name"],
                        str(model["name"]),
                        model.get("admin_url"),
                        model.get("add_url"),
                        model.get("view_only"),
                    )
                    for model in app["models"]
                ),
            )
            for app in available_apps
        ),
    )
    return _fragment(
        key,
        lambda: render_to_string(
            "admin/nav_sidebar.html", {"available_apps": available_apps, "request": request}
        ),
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
    if request.method == "POST":
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        _bulk(model_admin, request, agents=list(desk_agents()))
        # Back to the same filters and page the agent acted from.
        return HttpResponseRedirect(request.get_full_path())

    agents = _agent_choices_read()
    carriers = tuple(_CARRIERS.rows())
    filter_form = QueueFilterForm(request.GET, agents=agents, carriers=carriers)
    page = queue_page(
        user=request.user,
        filters=filter_form.filters(),
        cursor=Cursor.decode(request.GET.get("cursor", "")),
    )
    language = get_language()
    asked = tuple((name, tuple(request.GET.getlist(name))) for name in filter_form.fields)
    filters_html = _fragment(
        ("filters", language, agents, carriers, asked),
        lambda: render_to_string(
            "admin/tickets/ticket/queue_filters.html", {"filter_form": filter_form}
        ),
    )
    can_change = model_admin.has_change_permission(request)
    bulk_actions_html = ""
    if can_change:
        # As `ReplyTemplate.__str__`: "name (language)".
        templates = tuple(
            (pk, f"{name} ({language_code})")
            for pk, name, language_code in _RESOLVING_TEMPLATES.rows()
        )
        bulk_actions_html = _fragment(
            ("bulk", language, agents, templates),
            lambda: render_to_string(
                "admin/tickets/ticket/queue_bulk_actions.html",
                {"bulk_form": QueueBulkForm(agents=agents, templates=templates)},
            ),
        )
    site_context = model_admin.admin_site.each_context(request)
    context = {
        **site_context,
        "nav_sidebar_html": _nav_sidebar_html(request, site_context["available_apps"]),
        "opts": model_admin.opts,
        "title": _("Ticket queue"),
        "filter_form": filter_form,
        "filters_html": filters_html,
        "bulk_actions_html": bulk_actions_html,
        "page": page,
        "rows_html": queue_rows_html(page.rows, status_labels=STATUS_LABELS, can_change=can_change),
        "next_link": _page_link(request, page.next_cursor) if page.next_cursor else "",
        "previous_link": _page_link(request, page.previous_cursor) if page.previous_cursor else "",
        "first_link": _page_link(request, "") if request.GET.get("cursor") else "",
        "can_change": can_change,
    }
    return TemplateResponse(request, "admin/tickets/ticket/queue.html", context)


def _bulk(model_admin, request, *, agents) -> None:
    templates = _resolving_templates()
    form = QueueBulkForm(
        request.POST,
        agents=_agent_choices(agents),
        templates=[(template.pk, str(template)) for template in templates],
    )
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
