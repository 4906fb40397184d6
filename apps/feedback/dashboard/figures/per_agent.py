"""The agents figure: each agent's resolved tickets, resolution times, SLA kept and survey
answers."""

from django.utils.translation import gettext as _

from apps.feedback.dashboard.figures.base import Column, Figure, Table, share
from apps.feedback.dashboard.figures.charts import layout, percent, percent_axis
from apps.feedback.dashboard.figures.source import Source
from apps.feedback.dashboard.figures.surveys import survey_columns, survey_row


def agents(source: Source) -> Figure:
    rows = []
    for row in source.agents:
        resolved = row.get("resolved", 0)
        rows.append(
            [
                row["name"],
                resolved,
                row.get("median_resolution"),
                row.get("mean_resolution"),
                share(row.get("resolution_kept", 0), resolved),
                share(row.get("first_response_kept", 0), resolved),
                *survey_row(row),
            ]
        )
    names = [row[0] for row in rows]
    chart = {
        "data": [
            {"type": "bar", "name": _("CSAT"), "x": names, "y": [percent(r[7]) for r in rows]},
            {
                "type": "bar",
                "name": _("Resolved within SLA"),
                "x": names,
                "y": [percent(r[4]) for r in rows],
            },
            {
                "type": "bar",
                "name": _("First response within SLA"),
                "x": names,
                "y": [percent(r[5]) for r in rows],
            },
        ],
        "layout": layout(barmode="group", hovermode="closest", yaxis=percent_axis("")),
    }
    return Figure(
        slug="agents",
        title=_("Agents"),
        note=_(
            "Tickets each agent resolved in the range (resolution time from opening), and the "
            "survey answers on the tickets assigned to them."
        ),
        table=Table(
            columns=[
                Column("agent", _("Agent"), "text"),
                Column("resolved", _("Resolved")),
                Column("median_resolution_hours", _("Median resolution time"), "hours"),
                Column("mean_resolution_hours", _("Mean resolution time"), "hours"),
                Column("resolution_kept_percent", _("Resolved within SLA (share)"), "percent"),
                Column(
                    "first_response_kept_percent",
                    _("First response within SLA (share)"),
                    "percent",
                ),
                *survey_columns(),
            ],
            rows=rows,
        ),
        chart=chart,
    )
