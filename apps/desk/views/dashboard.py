"""The dashboard pages in the desk: the managers' one, each agent's own figures, their CSVs.

The figures (and the SQL behind them) live in apps.feedback.dashboard; this module only picks
a page's figures and presents them. The page itself is a frame (filters, one empty card per
figure) that runs no figure query: each card's content (title, chart data as JSON, the table
folded under the chart) is a fragment fetched when the card scrolls into view, and the headline
numbers are one more fragment, so the figures' queries run in parallel requests and the first
screen does not wait for the last figure (static/js/dashboard.js, Chart.js from static/vendor/,
our own origin). A bad filter is a 400 that says what is wrong, never a 500.
"""

from django.db import connection
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.desk.access import desk_view
from apps.feedback.dashboard.export import csv_response
from apps.feedback.dashboard.figures import MANAGER_FIGURES, OWN_FIGURES, Source, figures_build
from apps.feedback.dashboard.figures import headline as headline_build
from apps.feedback.dashboard.period import PeriodForm
from apps.feedback.dashboard.selectors import dashboard_reads

DASHBOARD_PERMISSION = "feedback.view_dashboard"
PAGE = "desk/dashboard/page.html"
FIGURE = "desk/dashboard/_figure.html"
HEADLINE = "desk/dashboard/_headline.html"
# Requests a browser makes at once for one page's figures (gunicorn serves with a few workers).
PARALLEL_FETCHES = 4


def _page(request, *, names, own: bool, title: str):
    form = PeriodForm.from_query(request.GET)
    prefix = "own_" if own else ""
    context = {
        "title": title,
        "form": form,
        "cards": [],
        "nav_key": "dashboard",
        "is_own": own,
        "parallel": parallel_fetches(),
    }
    if not form.is_valid():
        return TemplateResponse(request, PAGE, context, status=400)
    period = form.period
    query = period.query()
    context["period"] = period
    if not own:
        context["headline_url"] = f"{reverse('dashboard:headline')}?{query}"
    context["cards"] = [
        {
            "slug": name,
            "fragment_url": f"{reverse(f'dashboard:{prefix}figure', args=[name])}?{query}",
            "csv_url": f"{reverse(f'dashboard:{prefix}csv', args=[name])}?{query}",
        }
        for name in names
    ]
    return TemplateResponse(request, PAGE, context)


def parallel_fetches() -> int:
    """How many figures a page asks for at once: several where the database serves concurrent
    connections (each figure runs in a worker of its own), one where it does not (SQLite's
    in-memory test database locks its tables under concurrent requests)."""
    return PARALLEL_FETCHES if connection.features.test_db_allows_multiple_connections else 1


def _period_or_400(request):
    form = PeriodForm.from_query(request.GET)
    if not form.is_valid():
        message = HttpResponse(
            "\n".join(form.error_lines()) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
        return None, message
    return form.period, None


def _figure(request, name: str, *, names, assignee):
    if name not in names:
        raise Http404
    period, error = _period_or_400(request)
    if error:
        return error
    with dashboard_reads():
        (figure,) = figures_build(Source(period, assignee=assignee), [name])
    item = {
        "figure": figure,
        "chart_id": f"chart-{figure.slug}",
        "rows": figure.table.display_rows(),
        "total": figure.table.display_total(),
    }
    return TemplateResponse(request, FIGURE, {"item": item})


@require_GET
@desk_view(DASHBOARD_PERMISSION)
def dashboard(request):
    """The managers' dashboard: delays, telling first, tickets and SLA, CSAT/NPS, spend, agents."""
    return _page(request, names=MANAGER_FIGURES, own=False, title=_("Dashboard"))


@require_GET
@desk_view()
def own_dashboard(request):
    """Any desk user's own figures: their CSAT, resolution times and SLA kept."""
    return _page(request, names=OWN_FIGURES, own=True, title=_("My figures"))


@require_GET
@desk_view(DASHBOARD_PERMISSION)
def headline(request):
    """The range's key numbers at the top of the managers' page (a fragment)."""
    period, error = _period_or_400(request)
    if error:
        return error
    with dashboard_reads():
        items = headline_build(Source(period))
    return TemplateResponse(request, HEADLINE, {"headline": items})


@require_GET
@desk_view(DASHBOARD_PERMISSION)
def figure(request, figure: str):
    """One figure's card content: title, chart data, the table folded under it (a fragment)."""
    return _figure(request, figure, names=MANAGER_FIGURES, assignee=None)


@require_GET
@desk_view()
def own_figure(request, figure: str):
    return _figure(request, figure, names=OWN_FIGURES, assignee=request.user)


@require_GET
@desk_view(DASHBOARD_PERMISSION)
def dashboard_csv(request, figure: str):
    return _csv(request, figure, names=MANAGER_FIGURES, assignee=None)


@require_GET
@desk_view()
def own_csv(request, figure: str):
    return _csv(request, figure, names=OWN_FIGURES, assignee=request.user)


def _csv(request, name: str, *, names, assignee) -> HttpResponse:
    if name not in names:
        raise Http404
    period, error = _period_or_400(request)
    if error:
        return error
    with dashboard_reads():
        (figure,) = figures_build(Source(period, assignee=assignee), [name])
    return csv_response(figure, period)
