"""Each dashboard figure on the known data set of dashboard_data.py: exact numbers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.feedback.dashboard.figures import (
    MANAGER_FIGURES,
    Money,
    Source,
    figures_build,
    headline,
)
from apps.feedback.dashboard.period import Period
from tests.feedback.dashboard_data import END, START, known_data

D1, D2, D3 = date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 3)


@pytest.fixture
def known(agent, other_agent):
    return known_data(agent, other_agent)


def figure(name, *, carrier=None, assignee=None, start=START, end=END):
    source = Source(Period(start=start, end=end, carrier=carrier), assignee=assignee)
    (built,) = figures_build(source, [name])
    return built


def test_delays_per_day_by_carrier(known):
    table = figure("delays-by-carrier").table

    assert [c.key for c in table.columns] == [
        "day",
        known.cj.name,
        known.hanjin.name,
        "total",
    ]
    # s2 at 00:30 in Seoul is on 2 March, although it is still 1 March in UTC.
    assert table.rows == [[D1, 1, 0, 1], [D2, 1, 1, 2], [D3, 1, 1, 2]]
    assert table.total == ["Total", 3, 2, 5]


def test_delays_per_day_by_reason(known):
    table = figure("delays-by-reason").table

    assert [c.label for c in table.columns] == [
        "Day",
        "Carrier over capacity",
        "No scan for too long",
        "Weather",
        "Total",
    ]
    assert table.rows == [[D1, 1, 0, 0, 1], [D2, 1, 0, 1, 2], [D3, 1, 1, 0, 2]]
    assert table.total == ["Total", 3, 1, 1, 5]


def test_told_first_share(known):
    table = figure("told-first").table

    assert table.rows == [[D1, 1, 1, 1.0], [D2, 2, 1, 0.5], [D3, 2, 1, 0.5]]
    assert table.total == ["Total", 5, 3, 0.6]


def test_told_first_for_one_carrier(known):
    table = figure("told-first", carrier=known.hanjin).table

    assert table.rows == [[D1, 0, 0, None], [D2, 1, 1, 1.0], [D3, 1, 0, 0.0]]
    assert table.total == ["Total", 2, 1, 0.5]


def test_tickets_opened_resolved_and_sla_kept(known):
    table = figure("tickets").table

    assert table.rows == [
        [D1, 1, 1, 0, 0.0, 1, 1.0],
        [D2, 2, 1, 1, 1.0, 1, 1.0],
        [D3, 2, 3, 2, 2 / 3, 1, 1 / 3],
    ]
    assert table.total == ["Total", 5, 5, 3, 0.6, 3, 0.6]


def test_tickets_for_one_carrier(known):
    # CJ: t1, t2, t3 (t4 has no parcel, t5 and t6 are Hanjin's).
    table = figure("tickets", carrier=known.cj).table

    assert table.total == ["Total", 3, 3, 3, 1.0, 1, 1 / 3]


def test_csat_and_nps_over_time(known):
    table = figure("csat-nps").table

    assert table.rows == [
        [D1, 1, 1.0, 1, 100.0],
        [D2, 1, 1.0, 1, 100.0],
        [D3, 3, 1 / 3, 2, -50.0],
    ]
    assert table.total == ["Total", 5, 0.6, 4, 25.0]


def test_csat_and_nps_by_compensation(known):
    table = figure("csat-by-compensation").table

    assert table.rows == [
        ["Coupon (fixed amount)", 2, 1.0, 2, 100.0],
        ["No compensation", 2, 0.0, 2, -50.0],
        ["Store credit", 1, 1.0, 0, None],
    ]
    assert table.total == ["Total", 5, 0.6, 4, 25.0]


def test_budgets_spent_and_reserved(known):
    table = figure("budgets").table

    assert table.rows == [
        [
            "March",
            D1,
            date(2025, 3, 31),
            "All carriers",
            Money(Decimal("1000000"), "KRW"),
            Money(Decimal("30000"), "KRW"),
            Money(Decimal("10000"), "KRW"),
            0.04,
        ],
        [
            "March CJ",
            D1,
            date(2025, 3, 31),
            "CJ Logistics",
            Money(Decimal("500000"), "KRW"),
            Money(Decimal("100000"), "KRW"),
            Money(Decimal("0"), "KRW"),
            0.2,
        ],
    ]
    assert [row[0] for row in figure("budgets", carrier=known.cj).table.rows] == ["March CJ"]


def test_agents_csat_resolution_times_and_sla(known):
    table = figure("agents").table

    assert table.rows == [
        ["Alice", 3, timedelta(hours=30), timedelta(hours=34), 2 / 3, 2 / 3, 3, 2 / 3, 3, 100 / 3],
        ["Bob", 2, timedelta(hours=15), timedelta(hours=15), 0.5, 0.5, 2, 0.5, 1, 0.0],
    ]
    assert table.display_rows()[0][2:4] == [("30.0 h", "hours"), ("34.0 h", "hours")]


def test_own_figures_are_only_the_agents(known):
    assert figure("agents", assignee=known.bob).table.rows == [
        ["Bob", 2, timedelta(hours=15), timedelta(hours=15), 0.5, 0.5, 2, 0.5, 1, 0.0]
    ]
    # Bob opened t3 and t4, resolved both on 3 March; one within the resolution SLA.
    assert figure("tickets", assignee=known.bob).table.total == ["Total", 2, 2, 1, 0.5, 1, 0.5]
    assert figure("csat-nps", assignee=known.bob).table.total == ["Total", 2, 0.5, 1, 0.0]


def test_headline(known):
    source = Source(Period(start=START, end=END))

    assert headline(source) == [
        ("Delayed shipments", "5"),
        ("Told first", "60.0%"),
        ("Tickets opened", "5"),
        ("Tickets resolved", "5"),
        ("Resolved within SLA", "60.0%"),
        ("CSAT", "60.0%"),
        ("NPS", "+25.0"),
    ]


def test_empty_range_has_a_line_per_day_and_no_ratios(db):
    table = figure("told-first", start=date(2024, 1, 1), end=date(2024, 1, 2)).table

    assert table.rows == [[date(2024, 1, 1), 0, 0, None], [date(2024, 1, 2), 0, 0, None]]
    assert table.display_rows()[0][3] == ("—", "percent")


# What static/js/dashboard.js understands of the Plotly-shaped chart specification.
TRACE_KEYS = {"type", "name", "x", "y", "yaxis", "mode", "marker", "line", "connectgaps"}
TRACE_KEYS |= {"offsetgroup", "base"}


def test_every_chart_is_one_the_page_can_draw(known):
    for built in figures_build(Source(Period(start=START, end=END)), MANAGER_FIGURES):
        assert built.chart["data"], built.slug
        for trace in built.chart["data"]:
            assert set(trace) <= TRACE_KEYS, (built.slug, set(trace) - TRACE_KEYS)
            assert trace["type"] in ("bar", "scatter"), built.slug
            assert trace.get("yaxis", "y") in ("y", "y2"), built.slug
            assert len(trace["x"]) == len(trace["y"]), built.slug
        assert built.chart["layout"].get("barmode", "group") in ("group", "stack"), built.slug
