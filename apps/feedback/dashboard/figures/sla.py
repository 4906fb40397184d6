"""The tickets figure: opened and resolved per day, and the share resolved and first answered
within their SLA."""

from django.utils.translation import gettext as _

from apps.feedback.dashboard.figures.base import Column, Figure, Table, by_day, share
from apps.feedback.dashboard.figures.charts import (
    count_axis,
    day_axis,
    day_labels,
    layout,
    percent,
    percent_axis,
)
from apps.feedback.dashboard.figures.source import Source


def tickets(source: Source) -> Figure:
    period = source.period
    opened, resolved = by_day(source.opened), by_day(source.resolved)
    rows = []
    for day in period.days:
        done = resolved.get(day, {})
        count = done.get("resolved", 0)
        kept = done.get("resolution_kept", 0)
        first = done.get("first_response_kept", 0)
        rows.append(
            [
                day,
                opened.get(day, {}).get("opened", 0),
                count,
                kept,
                share(kept, count),
                first,
                share(first, count),
            ]
        )
    sums = [sum(row[n] for row in rows) for n in (1, 2, 3, 5)]
    chart = {
        "data": [
            {
                "type": "bar",
                "name": _("Opened"),
                "x": day_labels(period),
                "y": [r[1] for r in rows],
            },
            {
                "type": "bar",
                "name": _("Resolved"),
                "x": day_labels(period),
                "y": [r[2] for r in rows],
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Resolved within SLA"),
                "x": day_labels(period),
                "y": [percent(r[4]) for r in rows],
                "yaxis": "y2",
                "connectgaps": True,
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("First response within SLA"),
                "x": day_labels(period),
                "y": [percent(r[6]) for r in rows],
                "yaxis": "y2",
                "connectgaps": True,
                "line": {"dash": "dot"},
            },
        ],
        "layout": layout(
            barmode="group",
            xaxis=day_axis(period),
            yaxis=count_axis(_("Tickets"), [max(row[1], row[2]) for row in rows]),
            yaxis2=percent_axis(_("SLA kept"), overlaying="y", side="right"),
        ),
    }
    return Figure(
        slug="tickets",
        title=_("Tickets opened and resolved, SLA kept"),
        note=_(
            "SLA kept: of the tickets resolved that day, the share resolved by their resolution "
            "due time, and the share first answered by their first-response due time."
        ),
        table=Table(
            columns=[
                Column("day", _("Day"), "date"),
                Column("opened", _("Opened")),
                Column("resolved", _("Resolved")),
                Column("resolution_kept", _("Resolved within SLA")),
                Column("resolution_kept_percent", _("Resolved within SLA (share)"), "percent"),
                Column("first_response_kept", _("First response within SLA")),
                Column(
                    "first_response_kept_percent",
                    _("First response within SLA (share)"),
                    "percent",
                ),
            ],
            rows=rows,
            total=[
                _("Total"),
                sums[0],
                sums[1],
                sums[2],
                share(sums[2], sums[1]),
                sums[3],
                share(sums[3], sums[1]),
            ],
        ),
        chart=chart,
    )
