"""The dashboard pages in the desk: the managers' one, each agent's own, their CSV downloads,
and the charting library's script served from our own origin.

The pages are wrapped in `admin.site.admin_view` (config via urls.py): signed-in, active staff
only, never cached. A bad filter is a 400 page that says what is wrong, never a 500.
"""

import csv
import gzip
from functools import lru_cache
from pathlib import Path

import plotly
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.feedback.dashboard.figures import (
    MANAGER_FIGURES,
    OWN_FIGURES,
    Figure,
    Source,
    figures_build,
    headline,
)
from apps.feedback.dashboard.period import Period, PeriodForm
from apps.feedback.dashboard.selectors import dashboard_reads

DASHBOARD_PERMISSION = "feedback.view_dashboard"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = plotly.__version__


def _page(request, *, names, assignee, title: str, csv_url_name: str, with_headline: bool):
    form = PeriodForm.from_query(request.GET)
    context = {
        **admin.site.each_context(request),
        "title": title,
        "form": form,
        "plotly_url": reverse("dashboard:plotly", args=[PLOTLY_VERSION]),
        "figures": [],
        "headline": [],
    }
    if not form.is_valid():
        return TemplateResponse(request, "feedback/dashboard/page.html", context, status=400)
    period = form.period
    source = Source(period, assignee=assignee)
    query = period.query()
    context["period"] = period
    with dashboard_reads():
        figures = figures_build(source, names)
        if with_headline:
            context["headline"] = headline(source)
    context["figures"] = [
        {
            "figure": figure,
            "chart_id": f"chart-{figure.slug}",
            "rows": figure.table.display_rows(),
            "total": figure.table.display_total(),
            "csv_url": f"{reverse(csv_url_name, args=[figure.slug])}?{query}",
        }
        for figure in figures
    ]
    return TemplateResponse(request, "feedback/dashboard/page.html", context)


@require_GET
def dashboard(request):
    """The managers' dashboard: delays, telling first, tickets and SLA, CSAT/NPS, spend, agents."""
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied
    return _page(
        request,
        names=MANAGER_FIGURES,
        assignee=None,
        title=_("Dashboard"),
        csv_url_name="dashboard:csv",
        with_headline=True,
    )


@require_GET
def own_dashboard(request):
    """Any desk user's own figures: their CSAT, resolution times and SLA kept."""
    return _page(
        request,
        names=OWN_FIGURES,
        assignee=request.user,
        title=_("My figures"),
        csv_url_name="dashboard:own_csv",
        with_headline=False,
    )


@require_GET
def dashboard_csv(request, figure: str):
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied
    return _csv(request, figure, names=MANAGER_FIGURES, assignee=None)


@require_GET
def own_csv(request, figure: str):
    return _csv(request, figure, names=OWN_FIGURES, assignee=request.user)


def _csv(request, name: str, *, names, assignee) -> HttpResponse:
    if name not in names:
        raise Http404
    form = PeriodForm.from_query(request.GET)
    if not form.is_valid():
        return HttpResponse(
            "\n".join(form.error_lines()) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    period = form.period
    with dashboard_reads():
        (figure,) = figures_build(Source(period, assignee=assignee), [name])
    return csv_response(figure, period)


def csv_response(figure: Figure, period: Period) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    carrier = f"-{period.carrier.code}" if period.carrier else ""
    filename = f"{figure.slug}{carrier}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv_write(response, figure)
    return response


def csv_write(out, figure: Figure) -> None:
    writer = csv.writer(out)
    writer.writerow([column.key for column in figure.table.columns])
    for row in figure.table.csv_rows():
        writer.writerow([_csv_safe(value) for value in row])


def _csv_safe(value):
    """A cell a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return f"'{value}"
    return value


# --- the charting library ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _plotly_gzipped() -> bytes:
    return gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=6)


@require_GET
def plotly_js(request, version: str):
    """plotly.min.js from the installed plotly wheel, under a versioned address.

    Nothing is fetched from a CDN: the script comes from the package that `make` installs, and
    the version in the address lets browsers keep it for a year. Compressed once per process
    (4.8 MB → about 1.4 MB) for clients that accept gzip.
    """
    if version != PLOTLY_VERSION:
        raise Http404
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(_plotly_gzipped(), content_type="text/javascript; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(PLOTLY_JS.open("rb"), content_type="text/javascript; charset=utf-8")
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
