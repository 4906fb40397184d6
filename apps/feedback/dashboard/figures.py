"""The dashboard's figures: grouped rows → a table (for the page, the CSV and the email) and a
Plotly chart specification (for the page).

A figure is built from the rows its selector returned; the days of the range with nothing in
them are filled in here, so every table has one line per day. Ratios are computed from the
counts the database returned, never from rows fetched one by one.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from apps.compensation.models import ActionKind
from apps.core.money import money_format, money_round
from apps.feedback.dashboard import selectors
from apps.feedback.dashboard.period import Period
from apps.shipments.models import DelayReason


class Money(NamedTuple):
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    label: str
    # int | text | date | percent (a share 0–1) | score (NPS −100…100) | hours (timedelta) | money
    kind: str = "int"


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None

    def display_rows(self) -> list[list[tuple[str, str]]]:
        """(text, kind) cells for the HTML page and email."""
        return [self._display(row) for row in self.rows]

    def display_total(self) -> list[tuple[str, str]] | None:
        return self._display(self.total) if self.total else None

    def _display(self, row) -> list[tuple[str, str]]:
        return [
            (cell_text(value, column.kind), column.kind)
            for value, column in zip(row, self.columns, strict=True)
        ]

    def csv_rows(self) -> list[list[Any]]:
        rows = [
            [csv_value(v, c.kind) for v, c in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]
        if self.total:
            rows.append(
                [csv_value(v, c.kind) for v, c in zip(self.total, self.columns, strict=True)]
            )
        return rows


@dataclass
class Figure:
    slug: str
    title: str
    note: str
    table: Table
    chart: dict = field(default_factory=dict)


def share(part, whole) -> float | None:
    return float(part) / float(whole) if whole else None


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    return (promoters - detractors) * 100 / answers if answers else None


def cell_text(value, kind: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):  # a label, e.g. "Total" in the day column
        return value
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "score":
        return f"{value:+.1f}"
    if kind == "hours":
        return _("%(hours)s h") % {"hours": f"{hours(value):.1f}"}
    if kind == "money":
        return money_format(value.amount, value.currency)
    if kind == "date":
        return value.isoformat()
    if kind == "int":
        return f"{value:,}"
    return str(value)


def csv_value(value, kind: str):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == "percent":
        return round(value * 100, 1)
    if kind == "score":
        return round(value, 1)
    if kind == "hours":
        return round(hours(value), 2)
    if kind == "money":
        return money_round(value.amount, value.currency)
    if kind == "date":
        return value.isoformat()
    return value


def hours(value) -> float:
    return value.total_seconds() / 3600 if isinstance(value, timedelta) else float(value) / 3600


def _as_timedelta(value) -> timedelta | None:
    """PostgreSQL returns intervals; SQLite's median returns microseconds."""
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(microseconds=float(value))


def reason_label(value: str) -> str:
    return str(DelayReason(value).label) if value in DelayReason.values else value


def kind_label(value: str) -> str:
    if value == selectors.NO_COMPENSATION:
        return _("No compensation")
    return str(ActionKind(value).label) if value in ActionKind.values else value


class Source:
    """The selectors' rows for one period (and maybe one agent), each fetched at most once."""

    def __init__(self, period: Period, *, assignee=None):
        self.period = period
        self.assignee = assignee

    @cached_property
    def delays(self):
        return selectors.delays_per_day(self.period)

    @cached_property
    def told_first(self):
        return selectors.told_first_per_day(self.period)

    @cached_property
    def opened(self):
        return selectors.tickets_opened_per_day(self.period, assignee=self.assignee)

    @cached_property
    def resolved(self):
        return selectors.tickets_resolved_per_day(self.period, assignee=self.assignee)

    @cached_property
    def feedback(self):
        return selectors.feedback_per_day(self.period, assignee=self.assignee)

    @cached_property
    def feedback_by_kind(self):
        return selectors.feedback_by_compensation(self.period)

    @cached_property
    def budgets(self):
        return selectors.budgets_in_period(self.period)

    @cached_property
    def agents(self) -> list[dict]:
        resolution = selectors.agents_resolution(self.period, assignee=self.assignee)
        feedback = selectors.agents_feedback(self.period, assignee=self.assignee)
        by_agent: dict[int, dict] = {}
        for row in resolution:
            by_agent.setdefault(row["assignee_id"], {}).update(row)
        for row in feedback:
            by_agent.setdefault(row["assignee_id"], {}).update(row)
        names = selectors.agents_named(by_agent)
        agents = [
            {"assignee_id": pk, "name": names.get(pk, str(pk)), **row}
            for pk, row in by_agent.items()
        ]
        return sorted(agents, key=lambda row: (row["name"].casefold(), row["assignee_id"]))


# --- charts -------------------------------------------------------------------------------------


def _layout(**extra) -> dict:
    layout = {
        "height": 320,
        "margin": {"l": 48, "r": 48, "t": 16, "b": 40},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    layout.update(extra)
    return layout


def _percent_axis(title: str, **extra) -> dict:
    return {
        "title": {"text": title},
        "range": [0, 100],
        "dtick": 25,
        "ticksuffix": "%",
        **extra,
    }


def _day_axis(period: Period) -> dict:
    """Days, not hours: a tick a day for a month or less, Plotly's choice beyond."""
    axis = {"type": "date", "tickformat": "%m-%d"}
    if len(period.days) <= 31:
        axis["dtick"] = 86_400_000
    return axis


def _count_axis(title: str, counts) -> dict:
    """Whole numbers only: small counts get a tick per unit instead of 0.5 steps."""
    axis = {"title": {"text": title}, "rangemode": "tozero"}
    if max(counts, default=0) <= 8:
        axis["dtick"] = 1
    return axis


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _days(period: Period) -> list[str]:
    return [day.isoformat() for day in period.days]


# --- figures ------------------------------------------------------------------------------------


def _by_day(rows: list[dict]) -> dict[date, dict]:
    return {row["day"]: row for row in rows}


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


def _delays_figure(source: Source, *, slug, title, key, label, column_prefix) -> Figure:
    period = source.period
    series, counts = _pivot(source.delays, key, label)
    columns = [Column("day", _("Day"), "date")]
    columns += [Column(f"{column_prefix}:{name}", text) for name, text in series]
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
                "x": _days(period),
                "y": [counts[name].get(day, 0) for day in period.days],
            }
            for name, text in series
        ],
        "layout": _layout(
            barmode="stack",
            xaxis=_day_axis(period),
            yaxis=_count_axis(_("Shipments"), [row[-1] for row in rows]),
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
        column_prefix="carrier",
    )


def delays_by_reason(source: Source) -> Figure:
    return _delays_figure(
        source,
        slug="delays-by-reason",
        title=_("Delayed shipments per day by reason"),
        key="delay_reason",
        label=lambda row: reason_label(row["delay_reason"]),
        column_prefix="reason",
    )


def told_first(source: Source) -> Figure:
    period = source.period
    by_day = _by_day(source.told_first)
    rows = []
    for day in period.days:
        row = by_day.get(day, {})
        delayed, told = row.get("delayed", 0), row.get("told_first", 0)
        rows.append([day, delayed, told, share(told, delayed)])
    delayed = sum(row[1] for row in rows)
    told = sum(row[2] for row in rows)
    chart = {
        "data": [
            {
                "type": "bar",
                "name": _("Delayed shipments"),
                "x": _days(period),
                "y": [row[1] for row in rows],
                "marker": {"color": "#c9d6e8"},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Told before they complained"),
                "x": _days(period),
                "y": [_percent(row[3]) for row in rows],
                "yaxis": "y2",
                "connectgaps": True,
            },
        ],
        "layout": _layout(
            xaxis=_day_axis(period),
            yaxis=_count_axis(_("Shipments"), [row[1] for row in rows]),
            yaxis2=_percent_axis(_("Told first"), overlaying="y", side="right"),
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


def tickets(source: Source) -> Figure:
    period = source.period
    opened, resolved = _by_day(source.opened), _by_day(source.resolved)
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
            {"type": "bar", "name": _("Opened"), "x": _days(period), "y": [r[1] for r in rows]},
            {"type": "bar", "name": _("Resolved"), "x": _days(period), "y": [r[2] for r in rows]},
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Resolved within SLA"),
                "x": _days(period),
                "y": [_percent(r[4]) for r in rows],
                "yaxis": "y2",
                "connectgaps": True,
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("First response within SLA"),
                "x": _days(period),
                "y": [_percent(r[6]) for r in rows],
                "yaxis": "y2",
                "connectgaps": True,
                "line": {"dash": "dot"},
            },
        ],
        "layout": _layout(
            barmode="group",
            xaxis=_day_axis(period),
            yaxis=_count_axis(_("Tickets"), [max(row[1], row[2]) for row in rows]),
            yaxis2=_percent_axis(_("SLA kept"), overlaying="y", side="right"),
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


def _survey_row(row: dict) -> list:
    responses, answers = row.get("responses", 0), row.get("nps_answers", 0)
    return [
        responses,
        share(row.get("satisfied", 0), responses),
        answers,
        nps(row.get("promoters", 0), row.get("detractors", 0), answers),
    ]


SURVEY_COUNTS = ("responses", "satisfied", "nps_answers", "promoters", "detractors")


def _survey_total(rows: list[dict]) -> dict:
    return {key: sum(row.get(key, 0) for row in rows) for key in SURVEY_COUNTS}


def _survey_columns() -> list[Column]:
    return [
        Column("responses", _("Answers")),
        Column("csat_percent", _("CSAT (share of 4–5)"), "percent"),
        Column("nps_answers", _("NPS answers")),
        Column("nps", _("NPS"), "score"),
    ]


def feedback_over_time(source: Source) -> Figure:
    period = source.period
    by_day = _by_day(source.feedback)
    rows = [[day, *_survey_row(by_day.get(day, {}))] for day in period.days]
    chart = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("CSAT"),
                "x": _days(period),
                "y": [_percent(r[2]) for r in rows],
                "connectgaps": True,
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("NPS"),
                "x": _days(period),
                "y": [None if r[4] is None else round(r[4], 1) for r in rows],
                "yaxis": "y2",
                "connectgaps": True,
            },
        ],
        "layout": _layout(
            xaxis=_day_axis(period),
            yaxis=_percent_axis(_("CSAT")),
            yaxis2={
                "title": {"text": _("NPS")},
                "range": [-100, 100],
                "overlaying": "y",
                "side": "right",
                "zeroline": True,
            },
        ),
    }
    return Figure(
        slug="csat-nps",
        title=_("CSAT and NPS over time"),
        note=_(
            "Survey answers by the day they came in. CSAT: share of 4 and 5. NPS: promoters "
            "(9–10) minus detractors (0–6), over the answers that gave one."
        ),
        table=Table(
            columns=[Column("day", _("Day"), "date"), *_survey_columns()],
            rows=rows,
            total=[_("Total"), *_survey_row(_survey_total(source.feedback))],
        ),
        chart=chart,
    )


def feedback_by_compensation(source: Source) -> Figure:
    rows = [[kind_label(row["kind"]), *_survey_row(row)] for row in source.feedback_by_kind]
    labels = [row[0] for row in rows]
    chart = {
        "data": [
            {"type": "bar", "name": _("CSAT"), "x": labels, "y": [_percent(r[2]) for r in rows]},
            {
                "type": "bar",
                "name": _("NPS"),
                "x": labels,
                "y": [None if r[4] is None else round(r[4], 1) for r in rows],
            },
        ],
        "layout": _layout(
            barmode="group",
            hovermode="closest",
            yaxis={"title": {"text": _("CSAT % / NPS")}, "range": [-100, 100]},
        ),
    }
    return Figure(
        slug="csat-by-compensation",
        title=_("CSAT and NPS by compensation"),
        note=_(
            "By the kind of compensation the customer accepted for the ticket's parcel; "
            "'No compensation' when none was accepted."
        ),
        table=Table(
            columns=[Column("compensation", _("Compensation"), "text"), *_survey_columns()],
            rows=rows,
            total=[_("Total"), *_survey_row(_survey_total(source.feedback_by_kind))],
        ),
        chart=chart,
    )


def budgets(source: Source) -> Figure:
    rows = []
    for row in source.budgets:
        currency = row["currency"]
        used = row["spent"] + row["reserved"]
        rows.append(
            [
                row["name"],
                row["period_start"],
                row["period_end"],
                row["carrier__name"] or _("All carriers"),
                Money(row["amount"], currency),
                Money(row["spent"], currency),
                Money(row["reserved"], currency),
                share(used, row["amount"]),
            ]
        )
    labels = [f"{row[0]} ({row[4].currency})" for row in rows]

    def amounts(column: int) -> list[float]:
        return [float(money_round(row[column].amount, row[column].currency)) for row in rows]

    chart = {
        "data": [
            {
                "type": "bar",
                "name": _("Budget"),
                "x": labels,
                "y": amounts(4),
                "offsetgroup": "budget",
                "marker": {"color": "#c9d6e8"},
            },
            {
                "type": "bar",
                "name": _("Spent"),
                "x": labels,
                "y": amounts(5),
                "offsetgroup": "used",
            },
            {
                "type": "bar",
                "name": _("Reserved"),
                "x": labels,
                "y": amounts(6),
                "base": amounts(5),
                "offsetgroup": "used",
            },
        ],
        "layout": _layout(barmode="group", hovermode="closest", yaxis={"rangemode": "tozero"}),
    }
    return Figure(
        slug="budgets",
        title=_("Compensation spent against budget"),
        note=_(
            "Budgets whose period overlaps the range: spent (issued to customers) and reserved "
            "(proposed, waiting) against the amount."
        ),
        table=Table(
            columns=[
                Column("budget", _("Budget"), "text"),
                Column("period_start", _("From"), "date"),
                Column("period_end", _("To"), "date"),
                Column("carrier", _("Carrier"), "text"),
                Column("amount", _("Amount"), "money"),
                Column("spent", _("Spent"), "money"),
                Column("reserved", _("Reserved"), "money"),
                Column("used_percent", _("Used (share)"), "percent"),
            ],
            rows=rows,
        ),
        chart=chart,
    )


def agents(source: Source) -> Figure:
    rows = []
    for row in source.agents:
        resolved = row.get("resolved", 0)
        rows.append(
            [
                row["name"],
                resolved,
                _as_timedelta(row.get("median_resolution")),
                _as_timedelta(row.get("mean_resolution")),
                share(row.get("resolution_kept", 0), resolved),
                share(row.get("first_response_kept", 0), resolved),
                *_survey_row(row),
            ]
        )
    names = [row[0] for row in rows]
    chart = {
        "data": [
            {"type": "bar", "name": _("CSAT"), "x": names, "y": [_percent(r[7]) for r in rows]},
            {
                "type": "bar",
                "name": _("Resolved within SLA"),
                "x": names,
                "y": [_percent(r[4]) for r in rows],
            },
            {
                "type": "bar",
                "name": _("First response within SLA"),
                "x": names,
                "y": [_percent(r[5]) for r in rows],
            },
        ],
        "layout": _layout(barmode="group", hovermode="closest", yaxis=_percent_axis("")),
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
                *_survey_columns(),
            ],
            rows=rows,
        ),
        chart=chart,
    )


def headline(source: Source) -> list[tuple[str, str]]:
    """The range's key numbers, for the top of the page and of the email."""
    delayed = sum(row["delayed"] for row in source.told_first)
    told = sum(row["told_first"] for row in source.told_first)
    resolved = sum(row["resolved"] for row in source.resolved)
    kept = sum(row["resolution_kept"] for row in source.resolved)
    survey = _survey_total(source.feedback)
    items = [
        (_("Delayed shipments"), cell_text(delayed, "int")),
        (_("Told first"), cell_text(share(told, delayed), "percent")),
        (_("Tickets opened"), cell_text(sum(row["opened"] for row in source.opened), "int")),
        (_("Tickets resolved"), cell_text(resolved, "int")),
        (_("Resolved within SLA"), cell_text(share(kept, resolved), "percent")),
        (_("CSAT"), cell_text(share(survey["satisfied"], survey["responses"]), "percent")),
        (
            _("NPS"),
            cell_text(
                nps(survey["promoters"], survey["detractors"], survey["nps_answers"]), "score"
            ),
        ),
    ]
    return items


# What each page shows, in order; the CSV download takes the same names.
MANAGER_FIGURES = {
    "delays-by-carrier": delays_by_carrier,
    "delays-by-reason": delays_by_reason,
    "told-first": told_first,
    "tickets": tickets,
    "csat-nps": feedback_over_time,
    "csat-by-compensation": feedback_by_compensation,
    "budgets": budgets,
    "agents": agents,
}
# An agent's own page: their row of the agents' table, their tickets and their survey answers.
OWN_FIGURES = {
    "agents": agents,
    "tickets": tickets,
    "csat-nps": feedback_over_time,
}


def figures_build(source: Source, names) -> list[Figure]:
    return [MANAGER_FIGURES[name](source) for name in names]
