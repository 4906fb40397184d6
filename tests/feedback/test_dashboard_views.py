"""The dashboard pages: who may see them, the filters, the CSV downloads, the query budget."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.feedback.dashboard.views import PLOTLY_VERSION
from tests.factories import BudgetFactory, CarrierFactory, ShipmentFactory, TicketFactory
from tests.feedback.dashboard_data import END, START, known_data, kst

DASHBOARD = "/desk/dashboard/"
OWN = "/desk/dashboard/me/"
RANGE = {"start": START.isoformat(), "end": END.isoformat()}


@pytest.fixture
def known(agent, other_agent):
    return known_data(agent, other_agent)


def csv_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- who sees what -------------------------------------------------------------------------------


def test_manager_sees_the_dashboard_with_tables_and_charts(client, manager, known):
    client.force_login(manager)

    response = client.get(DASHBOARD, RANGE)

    assert response.status_code == 200
    page = response.content.decode()
    for slug in (
        "delays-by-carrier",
        "delays-by-reason",
        "told-first",
        "tickets",
        "csat-nps",
        "csat-by-compensation",
        "budgets",
        "agents",
    ):
        assert f'id="{slug}"' in page
        assert f'data-chart="chart-{slug}"' in page
        assert f'<script id="chart-{slug}" type="application/json">' in page
        assert f"/desk/dashboard/csv/{slug}/?start=2025-03-01&amp;end=2025-03-03" in page
    assert f"/desk/dashboard/plotly-{PLOTLY_VERSION}.min.js" in page
    # The numbers are on the page as tables, not only in the charts.
    assert "<dt>Told first</dt><dd>60.0%</dd>" in page
    assert '<td class="dashboard-percent">66.7%</td>' in page  # Alice's CSAT
    assert "https://cdn" not in page


def test_agent_cannot_see_the_managers_dashboard(client, agent):
    client.force_login(agent)

    assert client.get(DASHBOARD).status_code == 403
    assert client.get(f"{DASHBOARD}csv/agents/", RANGE).status_code == 403


def test_staff_without_a_role_cannot_see_it(client, stranger):
    client.force_login(stranger)

    assert client.get(DASHBOARD).status_code == 403


def test_signed_out_visitor_is_sent_to_the_desk_login(client, db):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/?next=/desk/dashboard/")
    assert client.get(OWN).status_code == 302


def test_agent_sees_only_their_own_figures(client, agent, known):
    client.force_login(agent)

    response = client.get(OWN, RANGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice" in page
    assert "Bob" not in page
    assert 'id="delays-by-carrier"' not in page
    rows = csv_of(client.get(f"{OWN}csv/agents/", RANGE))
    assert rows == [
        [
            "agent",
            "resolved",
            "median_resolution_hours",
            "mean_resolution_hours",
            "resolution_kept_percent",
            "first_response_kept_percent",
            "responses",
            "csat_percent",
            "nps_answers",
            "nps",
        ],
        ["Alice", "3", "30.0", "34.0", "66.7", "66.7", "3", "66.7", "3", "33.3"],
    ]
    # The managers' figures are not downloadable from one's own page.
    assert client.get(f"{OWN}csv/told-first/", RANGE).status_code == 404


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-13-01"}, "Enter a valid date."),
        ({"start": "2025-03-05", "end": "2025-03-01"}, "The end comes before the start."),
        ({"start": "2024-01-01", "end": "2025-03-01"}, "Choose at most a year."),
        ({"carrier": "999999"}, "Select a valid choice."),
        ({"carrier": "x'; DROP"}, "Select a valid choice."),
    ],
)
def test_bad_filters_are_a_400_that_says_why(client, manager, query, message):
    client.force_login(manager)

    response = client.get(DASHBOARD, query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'data-chart="' not in response.content.decode()
    download = client.get(f"{DASHBOARD}csv/tickets/", query)
    assert download.status_code == 400
    assert message in download.content.decode()


def test_carrier_filter_narrows_every_figure(client, manager, known):
    client.force_login(manager)

    rows = csv_of(client.get(f"{DASHBOARD}csv/told-first/", {**RANGE, "carrier": known.hanjin.pk}))

    assert rows[1:] == [
        ["2025-03-01", "0", "0", ""],
        ["2025-03-02", "1", "1", "100.0"],
        ["2025-03-03", "1", "0", "0.0"],
        ["Total", "2", "1", "50.0"],
    ]
    page = client.get(DASHBOARD, {**RANGE, "carrier": known.hanjin.pk}).content.decode()
    assert "March CJ" not in page


def test_no_dates_means_the_last_30_days(client, manager):
    client.force_login(manager)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert len(response.context["period"].days) == 30


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_downloads_hold_the_tables_numbers(client, manager, known):
    client.force_login(manager)

    response = client.get(f"{DASHBOARD}csv/delays-by-carrier/", RANGE)

    assert response["Content-Disposition"] == (
        'attachment; filename="delays-by-carrier-2025-03-01-2025-03-03.csv"'
    )
    assert csv_of(response) == [
        ["day", f"carrier:{known.cj.pk}", f"carrier:{known.hanjin.pk}", "total"],
        ["2025-03-01", "1", "0", "1"],
        ["2025-03-02", "1", "1", "2"],
        ["2025-03-03", "1", "1", "2"],
        ["Total", "3", "2", "5"],
    ]
    assert csv_of(client.get(f"{DASHBOARD}csv/tickets/", RANGE))[1:] == [
        ["2025-03-01", "1", "1", "0", "0.0", "1", "100.0"],
        ["2025-03-02", "2", "1", "1", "100.0", "1", "100.0"],
        ["2025-03-03", "2", "3", "2", "66.7", "1", "33.3"],
        ["Total", "5", "5", "3", "60.0", "3", "60.0"],
    ]
    assert csv_of(client.get(f"{DASHBOARD}csv/csat-nps/", RANGE))[-1] == [
        "Total",
        "5",
        "60.0",
        "4",
        "25.0",
    ]
    assert csv_of(client.get(f"{DASHBOARD}csv/csat-by-compensation/", RANGE)) == [
        ["compensation", "responses", "csat_percent", "nps_answers", "nps"],
        ["Coupon (fixed amount)", "2", "100.0", "2", "100.0"],
        ["No compensation", "2", "0.0", "2", "-50.0"],
        ["Store credit", "1", "100.0", "0", ""],
        ["Total", "5", "60.0", "4", "25.0"],
    ]
    assert csv_of(client.get(f"{DASHBOARD}csv/budgets/", RANGE)) == [
        [
            "budget",
            "period_start",
            "period_end",
            "carrier",
            "amount",
            "spent",
            "reserved",
            "used_percent",
        ],
        ["March", "2025-03-01", "2025-03-31", "All carriers", "1000000", "30000", "10000", "4.0"],
        ["March CJ", "2025-03-01", "2025-03-31", "CJ Logistics", "500000", "100000", "0", "20.0"],
    ]


def test_csv_keeps_a_formula_looking_name_as_text(client, manager, db):
    carrier = CarrierFactory(code="evil", name="=HYPERLINK(1)")
    BudgetFactory(
        name="@SUM(A1)",
        carrier=carrier,
        period_start=START,
        period_end=END,
        amount=Decimal("1000"),
    )
    client.force_login(manager)

    rows = csv_of(client.get(f"{DASHBOARD}csv/budgets/", RANGE))

    assert rows[1][:4] == ["'@SUM(A1)", "2025-03-01", "2025-03-03", "'=HYPERLINK(1)"]


def test_unknown_figure_is_404(client, manager):
    client.force_login(manager)

    assert client.get(f"{DASHBOARD}csv/nothing/", RANGE).status_code == 404


# --- the charting library ---------------------------------------------------------------------


def test_plotly_is_served_from_our_origin_with_long_cache(client, db):
    response = client.get(
        f"{DASHBOARD}plotly-{PLOTLY_VERSION}.min.js", HTTP_ACCEPT_ENCODING="gzip, br"
    )

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(response.content) > 500_000
    plain = client.get(f"{DASHBOARD}plotly-{PLOTLY_VERSION}.min.js")
    assert b"plotly.js" in b"".join(plain.streaming_content)[:2000]
    assert client.get(f"{DASHBOARD}plotly-0.0.1.min.js").status_code == 404


# --- query budget -------------------------------------------------------------------------------


def more_data(carriers, agents, count: int) -> None:
    """`count` more delayed parcels, each with a resolved ticket, spread over the range."""
    for n in range(count):
        carrier = carriers[n % len(carriers)]
        detected = kst(3, 1 + n % 3, 8) + timedelta(minutes=n)
        shipment = ShipmentFactory(
            carrier=carrier,
            is_delayed=True,
            delay_reason=("capacity", "weather", "customs", "vehicle")[n % 4],
            delay_detected_at=detected,
            promised_start=detected - timedelta(days=2),
            promised_end=detected - timedelta(days=1),
        )
        TicketFactory(
            shipment=shipment,
            customer=shipment.customer,
            created_at=detected,
            assignee=agents[n % len(agents)],
            status="resolved",
            resolved_at=detected + timedelta(hours=5),
            first_response_due_at=detected + timedelta(hours=4),
            first_responded_at=detected + timedelta(hours=1),
            resolution_due_at=detected + timedelta(hours=24),
        )


# Expect at most 19 queries: session, user, the user's and groups' permissions (2), carrier
# choices for the form, the filtered carrier, 10 figure queries (delays, told first, opened,
# resolved, feedback per day, by compensation, budgets, agents' resolution, agents' feedback,
# agents' names), and around them a savepoint, its release and (PostgreSQL) `SET LOCAL jit`.
PAGE_QUERIES = 19


@pytest.mark.parametrize("extra", [0, 60])
def test_dashboard_query_count_is_constant(
    client, manager, known, django_assert_max_num_queries, extra
):
    more_data(
        [known.cj, known.hanjin, CarrierFactory(code="post", name="Post")],
        [known.alice, known.bob],
        extra,
    )
    client.force_login(manager)

    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(DASHBOARD, {**RANGE, "carrier": known.cj.pk})
    assert response.status_code == 200
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(DASHBOARD, RANGE).status_code == 200
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(OWN, RANGE).status_code == 200
