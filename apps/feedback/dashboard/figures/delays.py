"""Delay figures: delayed shipments per day by carrier and by reason, and the customers we told
before they complained. The days of the range with nothing in them are filled in here."""

from datetime import date

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
from apps.shipments.models import DelayReason


def reason_label(value: str) -> str:
    return str(DelayReason(value).label) if value in DelayReason.values else value


def _pivot(rows, key: str, label) -> tuple[list, dict]:
    """Counts per (day, series): the series in order of their label, and {series: {day: n}}."""
    counts: dict[str, dict[date, int]] = {}
    labels: dict[str, str] = {}
    for row in rows:
        series = row[key] or ""
        labels[series] = label(row)
        per_day = counts.setdefault(series, {})
        per_day[row["day"]] = per_day.get(row["day"], 0) + row["shipments"]
    order = sorted(labels, key=lambda series: labels[series].casefold())
    return [(series, labels[series]) for series in order], counts


def _delays_figure(source: Source, *, slug, title, key, label) -> Figure:
    period = source.period
    series, counts = _pivot(source.delays, key, label)
    columns = [Column("day", _("Day"), "date")]
    # The CSV header of a series is its name (the carrier's, the reason's), as on the page.
    columns += [Column(text, text) for _name, text in series]
    columns.append(Column("total", _("Total")))
    rows = []
    for day in period.days:
        values = [counts[name].get(day, 0) for name, _text in series]
        rows.append([day, *values, sum(values)])
    totals = [sum(row[n] for row in rows) for n in range(1, len(columns))]
    chart = {
        "data": [
            {
                "type": "bar",
                "name": text,
                "x": day_labels(period),
                "y": [counts[name].get(day, 0) for day in period.days],
            }
            for name, text in series
        ],
        "layout": layout(
            barmode="stack",
            xaxis=day_axis(period),
            yaxis=count_axis(_("Shipments"), [row[-1] for row in rows]),
        ),
    }
    return Figure(
        slug=slug,
        title=title,
        note=_("Shipments whose delay was detected that day (also those delivered since)."),
        table=Table(columns=columns, rows=rows, total=[_("Total"), *totals]),
        chart=chart,
    )


def delays_by_carrier(source: Source) -> Figure:
    return _delays_figure(
        source,
        slug="delays-by-carrier",
        title=_("Delayed shipments per day by carrier"),
        key="carrier_id",
        label=lambda row: row["carrier__name"],
    )


def delays_by_reason(source: Source) -> Figure:
    return _delays_figure(
        source,
        slug="delays-by-reason",
        title=_("Delayed shipments per day by reason"),
        key="delay_reason",
        label=lambda row: reason_label(row["delay_reason"]),
    )


def told_first(source: Source) -> Figure:
    period = source.period
    per_day = by_day(source.told_first)
    rows = []
    for day in period.days:
        row = per_day.get(day, {})
        delayed, told = row.get("delayed", 0), row.get("told_first", 0)
        rows.append([day, delayed, told, share(told, delayed)])
    delayed = sum(row[1] for row in rows)
    told = sum(row[2] for row in rows)
    chart = {
        "data": [
            {
                "type": "bar",
                "name": _("Delayed shipments"),
                "x": day_labels(period),
                "y": [row[1] for row in rows],
                "marker": {"color": "#c9d6e8"},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Told before they complained"),
                "x": day_labels(period),
                "y": [percent(row[3]) for row in rows],
                "yaxis": "y2",
                "connectgaps": True,
            },
        ],
        "layout": layout(
            xaxis=day_axis(period),
            yaxis=count_axis(_("Shipments"), [row[1] for row in rows]),
            yaxis2=percent_axis(_("Told first"), overlaying="y", side="right"),
        ),
    }
    return Figure(
        slug="told-first",
        title=_("Delayed customers told before they complained"),
        note=_(
            "Share of delayed shipments whose delay or exception notice was sent before the "
            "customer's first ticket on the parcel, or with no ticket at all."
        ),
        table=Table(
            columns=[
                Column("day", _("Day"), "date"),
                Column("delayed", _("Delayed shipments")),
                Column("told_first", _("Told first")),
                Column("told_first_percent", _("Told first (share)"), "percent"),
            ],
            rows=rows,
            total=[_("Total"), delayed, told, share(told, delayed)],
        ),
        chart=chart,
    )
