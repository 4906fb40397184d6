"""Survey figures: CSAT and NPS over time and by the compensation the customer accepted, and
the survey counts other figures (agents, the headline) show."""

from django.utils.translation import gettext as _

from apps.compensation.models import ActionKind
from apps.feedback.dashboard import selectors
from apps.feedback.dashboard.figures.base import Column, Figure, Table, by_day, nps, share
from apps.feedback.dashboard.figures.charts import (
    day_axis,
    day_labels,
    layout,
    percent,
    percent_axis,
)
from apps.feedback.dashboard.figures.source import Source


def kind_label(value: str) -> str:
    if value == selectors.NO_COMPENSATION:
        return _("No compensation")
    return str(ActionKind(value).label) if value in ActionKind.values else value


def survey_row(row: dict) -> list:
    responses, answers = row.get("responses", 0), row.get("nps_answers", 0)
    return [
        responses,
        share(row.get("satisfied", 0), responses),
        answers,
        nps(row.get("promoters", 0), row.get("detractors", 0), answers),
    ]


SURVEY_COUNTS = ("responses", "satisfied", "nps_answers", "promoters", "detractors")


def survey_total(rows: list[dict]) -> dict:
    return {key: sum(row.get(key, 0) for row in rows) for key in SURVEY_COUNTS}


def survey_columns() -> list[Column]:
    return [
        Column("responses", _("Answers")),
        Column("csat_percent", _("CSAT (share of 4–5)"), "percent"),
        Column("nps_answers", _("NPS answers")),
        Column("nps", _("NPS"), "score"),
    ]


def feedback_over_time(source: Source) -> Figure:
    period = source.period
    per_day = by_day(source.feedback)
    rows = [[day, *survey_row(per_day.get(day, {}))] for day in period.days]
    chart = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("CSAT"),
                "x": day_labels(period),
                "y": [percent(r[2]) for r in rows],
                "connectgaps": True,
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("NPS"),
                "x": day_labels(period),
                "y": [None if r[4] is None else round(r[4], 1) for r in rows],
                "yaxis": "y2",
                "connectgaps": True,
            },
        ],
        "layout": layout(
            xaxis=day_axis(period),
            yaxis=percent_axis(_("CSAT")),
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
            columns=[Column("day", _("Day"), "date"), *survey_columns()],
            rows=rows,
            total=[_("Total"), *survey_row(survey_total(source.feedback))],
        ),
        chart=chart,
    )


def feedback_by_compensation(source: Source) -> Figure:
    rows = [[kind_label(row["kind"]), *survey_row(row)] for row in source.feedback_by_kind]
    labels = [row[0] for row in rows]
    chart = {
        "data": [
            {"type": "bar", "name": _("CSAT"), "x": labels, "y": [percent(r[2]) for r in rows]},
            {
                "type": "bar",
                "name": _("NPS"),
                "x": labels,
                "y": [None if r[4] is None else round(r[4], 1) for r in rows],
            },
        ],
        "layout": layout(
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
            columns=[Column("compensation", _("Compensation"), "text"), *survey_columns()],
            rows=rows,
            total=[_("Total"), *survey_row(survey_total(source.feedback_by_kind))],
        ),
        chart=chart,
    )
