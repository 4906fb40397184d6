"""The agents' queue at /desk/queue/: what to pick up next, filters, saved views, bulk actions,
and the rows that changed while the page stayed open.

The reads are `apps.tickets.queue` (one query per section of the page, whatever the number of
rows); the writes are the ticket services (see `queue_bulk`). Every POST ends in a redirect back
to the same filters and page (Post/Redirect/Get).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.core.parsing import id_from, moment_from
from apps.desk.access import desk_view
from apps.desk.models import SavedView
from apps.desk.queue_forms import (
    QueueBulkForm,
    QueueFilterForm,
    SavedViewForm,
    filter_form_from_query,
    quick_widgets,
)
from apps.desk.views.queue_bulk import bulk_act
from apps.desk.views.queue_rows import queue_rows_html
from apps.shipments.models import Carrier
from apps.tickets.models import ReplyTemplate
from apps.tickets.queue import Cursor, desk_agents, queue_changes, queue_page

CHANGE_PERMISSION = "tickets.change_ticket"
# How often an open queue asks for what changed (seconds).
LIVE_SECONDS = 10


class _FixedRead:
    """A read whose SQL never changes (no argument, no clock): compiled by the ORM once per
    process, then run as it is on every page. The rows are read afresh each time (nothing is
    cached but the SQL text); compiling these small querysets cost more than running them."""

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
_TEMPLATES = _FixedRead(
    lambda: (
        ReplyTemplate.objects.filter(is_active=True, resolves=True)
        .order_by("name", "language", "id")
        .values_list("pk", "name", "language")
    )
)


def _agents() -> list[tuple[int, str]]:
    """(id, name) of everyone a ticket can be given to, named as `User.__str__` does."""
    return [
        (pk, f"{first_name} {last_name}".strip() or username)
        for pk, username, first_name, last_name in _AGENTS.rows()
    ]


def _carriers() -> list[tuple[int, str]]:
    return [tuple(row) for row in _CARRIERS.rows()]


def _templates() -> list[tuple[int, str]]:
    # As `ReplyTemplate.__str__`: "name (language)".
    return [(pk, f"{name} ({language})") for pk, name, language in _TEMPLATES.rows()]


@dataclass(frozen=True, slots=True)
class ViewLink:
    """A saved view as the page lists it (its owner's name for the "shared by" title)."""

    pk: int
    name: str
    is_shared: bool
    query: str
    owner_id: int
    owner_name: str


def _saved_views(user) -> list[ViewLink]:
    """The agent's own views and those shared with the desk (1 query, no model instances)."""
    return [
        ViewLink(pk, name, is_shared, query, owner_id, f"{first} {last}".strip() or username)
        for pk, name, is_shared, query, owner_id, first, last, username in SavedView.objects.filter(
            Q(owner=user) | Q(is_shared=True)
        )
        .order_by("-is_shared", "name", "id")
        .values_list(
            "pk",
            "name",
            "is_shared",
            "query",
            "owner_id",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )
    ]


def _link(query: str, **extra) -> str:
    parts = [part for part in (query, *(f"{k}={v}" for k, v in extra.items() if v)) if part]
    return "?" + "&".join(parts) if parts else "?"


@desk_view()
def queue(request):
    if request.method == "POST":
        if not request.user.has_perm(CHANGE_PERMISSION):
            return HttpResponse(status=403)
        bulk_act(request)
        # Back to the same filters and page the agent acted from.
        return HttpResponseRedirect(request.get_full_path())
    if "view" in request.GET:
        return _open_saved_view(request)

    agents, carriers = _agents(), _carriers()
    form = QueueFilterForm(request.GET, agents=agents, carriers=carriers)
    filters = form.filters()
    now = timezone.now()
    cursor_text = request.GET.get("cursor", "")
    page = queue_page(
        user=request.user, filters=filters, cursor=Cursor.decode(cursor_text), now=now
    )
    can_change = request.user.has_perm(CHANGE_PERMISSION)
    query = form.query_string()
    views = _saved_views(request.user)
    bulk_form = QueueBulkForm(agents=agents, templates=_templates()) if can_change else None
    context = {
        "nav_key": "queue",
        "form": form,
        "filters": filters,
        "page": page,
        "rows_html": queue_rows_html(page.rows, can_change=can_change, now=now),
        "can_change": can_change,
        "bulk_form": bulk_form,
        "widgets": quick_widgets(form),
        "bulk_widgets": quick_widgets(bulk_form) if bulk_form else {},
        "query": query,
        "is_first_page": not page.previous_cursor,
        "next_link": _link(query, cursor=page.next_cursor) if page.next_cursor else "",
        "previous_link": _link(query, cursor=page.previous_cursor) if page.previous_cursor else "",
        "first_link": _link(query) if cursor_text else "",
        "active_link": _link(form.query_string(waiting=None)),
        "waiting_link": _link(form.query_string(waiting="on")),
        "since": now.isoformat(),
        "live_seconds": LIVE_SECONDS,
        "saved_views": views,
        "current_view": next((view for view in views if view.query == query), None),
        "view_form": SavedViewForm(initial={"query": query}),
        "can_save_view": request.user.has_perm("desk.add_savedview"),
    }
    return render(request, "desk/queue.html", context)


def _open_saved_view(request):
    """?view=<id>: the filters of a saved view the agent may see, checked by the filter form."""
    view_id = request.GET.get("view", "")
    saved = None
    if id_from(view_id):
        saved = (
            SavedView.objects.filter(Q(owner=request.user) | Q(is_shared=True), pk=id_from(view_id))
            .only("query")
            .first()
        )
    if saved is None:
        messages.warning(request, _("That saved view does not exist (any more)."))
        return HttpResponseRedirect(reverse("desk:queue"))
    form = filter_form_from_query(saved.query, agents=_agents(), carriers=_carriers())
    return HttpResponseRedirect(_link(form.query_string()))


@desk_view()
@require_GET
def queue_live(request):
    """What changed in this queue after `since` (the time the page was drawn or last updated).

    Nothing: 204. With `rows=1` (page 1, nothing ticked) the new body of page 1; otherwise a
    short note ("2 new or updated — show") that does not touch the rows the agent ticked.
    One query for the changes, one more for page 1 when there are some.
    """
    since = moment_from(request.GET.get("since", ""))
    if since is None:
        return HttpResponse(status=400)
    agents, carriers = _agents(), _carriers()
    form = QueueFilterForm(request.GET, agents=agents, carriers=carriers)
    filters = form.filters()
    now = timezone.now()
    changed = queue_changes(user=request.user, filters=filters, since=since, now=now)
    if not changed:
        response = HttpResponse(status=204)
        return response
    can_change = request.user.has_perm(CHANGE_PERMISSION)
    if request.GET.get("rows") == "1":
        page = queue_page(user=request.user, filters=filters, now=now)
        response = render(
            request,
            "desk/_queue_body.html",
            {
                "rows_html": queue_rows_html(page.rows, can_change=can_change, now=now),
                "page": page,
                "can_change": can_change,
            },
        )
        response["X-Queue-Mode"] = "rows"
        response["X-Queue-Since"] = now.isoformat()
    else:
        references = ", ".join(row.reference for row in changed[:5])
        text = ngettext(
            "%(count)d new or updated ticket (%(references)s)",
            "%(count)d new or updated tickets (%(references)s)",
            len(changed),
        ) % {"count": len(changed), "references": references}
        response = render(request, "desk/_queue_news.html", {"text": text})
        response["X-Queue-Mode"] = "news"
    response["Cache-Control"] = "no-store"
    return response


def _back(request) -> str:
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("desk:queue")


@desk_view("desk.add_savedview")
@require_POST
def saved_view_create(request):
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(_back(request))
    # The filters as the filter form reads them: a view never stores what the queue ignores.
    query = filter_form_from_query(
        form.cleaned_data["query"], agents=_agents(), carriers=_carriers()
    ).query_string()
    name = form.cleaned_data["name"]
    is_shared = form.cleaned_data["is_shared"]
    if is_shared and not request.user.has_perm("desk.change_savedview"):
        is_shared = False
    try:
        with transaction.atomic():
            view, created = SavedView.objects.update_or_create(
                owner=request.user, name=name, defaults={"query": query, "is_shared": is_shared}
            )
    except IntegrityError:
        messages.error(request, _("A view with that name exists already."))
        return HttpResponseRedirect(_back(request))
    if created:
        messages.success(request, _("View “%(name)s” saved.") % {"name": name})
    else:
        messages.success(request, _("View “%(name)s” updated.") % {"name": name})
    return HttpResponseRedirect(reverse("desk:queue") + _link(query))


@desk_view("desk.delete_savedview")
@require_POST
def saved_view_delete(request, view_id: int):
    deleted, _rows = SavedView.objects.filter(pk=view_id, owner=request.user).delete()
    if deleted:
        messages.success(request, _("The saved view was deleted."))
    else:
        messages.error(request, _("Only the person who saved a view can delete it."))
    return HttpResponseRedirect(_back(request))
