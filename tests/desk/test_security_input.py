"""Bad input on the desk's addresses answers 400/404 (or the page with a message), never a 500:
non-numeric and odd-numeric ids, huge cursors, impossible dates."""

import base64
import json

import pytest

from apps.desk.models import SavedView
from tests.desk.test_security import rows  # noqa: F401
from tests.desk.test_workspace_fixtures import late_ticket, resolve_macro, template  # noqa: F401

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# str.isdigit() says yes to these; int() says no (superscripts, circled digits).
ODD_DIGITS = ["²", "①", "1²"]
OK = {200, 204, 302, 400, 404}


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


HUGE = "9" * 5000
BAD_DATES = [
    "x",
    "2026-02-30",
    "0000-01-01",
    "2026-13-01",
    HUGE,
    "2026-01-01T00:00:00",
]
BAD_CURSORS = [
    HUGE,
    "_" * 300,
    "x_y",
    "2026-01-01_" + HUGE,
    "2026-01-01T00:00:00_1",  # naive
    "2026-01-01T00:00:00+00:00_" + "9" * 30,
    "2026-01-01T00:00:00+00:00_-1",
]
QUEUE_CURSORS = [
    HUGE,
    "%%%%",
    _b64([0, "2026-01-01T00:00:00+00:00", 2**70]),
    _b64({"a": 1, "b": 2, "c": 3}),
    _b64([[], "2026-01-01T00:00:00+00:00", 1]),
    _b64("x"),
    _b64([0, 5, 1]),
]


def _get(client, path, params=None, **headers):
    response = client.get(path, params or {}, **headers)
    assert response.status_code in OK, (path, params, response.status_code)
    return response


def test_non_numeric_ids_in_paths_are_404(client, agent):
    client.force_login(agent)
    for path in (
        "/desk/tickets/abc/",
        "/desk/tickets/-1/",
        "/desk/tickets/1.5/poll/",
        "/desk/tickets/%00/",
        "/desk/queue/views/x/delete/",
        "/desk/templates/abc/",
        "/desk/rules/abc/",
        "/desk/followups/abc/",
        "/desk/budgets/abc/",
        "/desk/dashboard/figure/..%2F..%2Fetc/",
        "/desk/dashboard/me/csv/nope/",
    ):
        assert client.get(path).status_code == 404, path


def test_huge_ids_in_paths_are_404(client, manager):
    client.force_login(manager)
    big = "9" * 40
    for path in (
        f"/desk/tickets/{big}/",
        f"/desk/tickets/{big}/poll/",
        f"/desk/tickets/{big}/events/",
        f"/desk/tickets/{big}/history/",
        f"/desk/tickets/{big}/template/?template=1",
        f"/desk/tickets/{big}/next/",
        f"/desk/templates/{big}/",
        f"/desk/macros/{big}/",
        f"/desk/rules/{big}/",
        f"/desk/budgets/{big}/",
        f"/desk/followups/{big}/",
    ):
        assert client.get(path).status_code == 404, path


def test_bad_query_values_are_not_errors(client, manager, rows):  # noqa: F811
    client.force_login(manager)
    t = rows["ticket"].pk
    for path, params in (
        (f"/desk/tickets/{t}/", {"macro": "abc"}),
        (f"/desk/tickets/{t}/", {"macro": "9" * 40}),
        (f"/desk/tickets/{t}/poll/", {"after": "abc"}),
        (f"/desk/tickets/{t}/poll/", {"after": "9" * 40}),
        (f"/desk/tickets/{t}/poll/", {"after": "-1"}),
        (f"/desk/tickets/{t}/template/", {"template": "abc"}),
        (f"/desk/tickets/{t}/template/", {"template": "9" * 40}),
        (f"/desk/tickets/{t}/template/", {}),
        ("/desk/queue/", {"view": "abc"}),
        ("/desk/queue/", {"view": "9" * 40}),
        ("/desk/queue/", {"assignee": "9" * 40, "carrier": "9" * 40, "priority": "x"}),
        ("/desk/queue/", {"q": "x" * 5000, "status": "<script>", "sla": "'"}),
        ("/desk/queue/", {"assignee": "²"}),
        ("/desk/queue/live/", {"since": "x"}),
        ("/desk/queue/live/", {"since": ""}),
        ("/desk/queue/live/", {"since": HUGE}),
        ("/desk/queue/live/", {"since": "2026-01-01T00:00:00"}),
        ("/desk/followups/", {"status": "x" * 500}),
        ("/desk/templates/", {"language": "x" * 500, "category": "'"}),
    ):
        _get(client, path, params)
        _get(client, path, params, **HTMX)


@pytest.mark.parametrize("cursor", QUEUE_CURSORS)
def test_the_queue_cursor_never_breaks_the_page(client, agent, late_ticket, cursor):  # noqa: F811
    client.force_login(agent)
    _get(client, "/desk/queue/", {"cursor": cursor})


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_approvals_and_follow_ups_cursors_never_break_the_page(client, manager, cursor):
    client.force_login(manager)
    _get(client, "/desk/approvals/", {"after": cursor})
    _get(client, "/desk/followups/", {"after": cursor, "status": "all"})


@pytest.mark.parametrize("value", BAD_DATES)
def test_bad_dates_on_the_cost_report_and_the_dashboard_are_400(client, manager, value):
    client.force_login(manager)
    for path in (
        "/desk/cost/",
        "/desk/dashboard/",
        "/desk/dashboard/headline/",
        "/desk/dashboard/figure/tickets/",
        "/desk/dashboard/csv/tickets/",
        "/desk/dashboard/me/",
        "/desk/dashboard/me/figure/tickets/",
        "/desk/dashboard/me/csv/tickets/",
    ):
        _get(client, path, {"start": value, "end": value})
        _get(client, path, {"start": "2026-01-01", "end": value})


def test_a_carrier_filter_that_is_not_an_id_is_400(client, manager):
    client.force_login(manager)
    for value in ("x", "9" * 40, "-1", "²"):
        _get(client, "/desk/dashboard/figure/tickets/", {"carrier": value})
        _get(client, "/desk/dashboard/headline/", {"carrier": value})


def test_bad_posts_are_answered_not_crashed(client, manager, agent, rows):  # noqa: F811
    t = rows["ticket"].pk
    client.force_login(manager)
    for path, data in (
        (f"/desk/tickets/{t}/", {"op": "nonsense"}),
        (f"/desk/tickets/{t}/", {}),
        (f"/desk/tickets/{t}/", {"op": "reply", "seen_message_id": "x"}),
        (
            f"/desk/tickets/{t}/",
            {"op": "reply", "seen_message_id": "9" * 40, "body": "x", "visibility": "public"},
        ),
        (
            f"/desk/tickets/{t}/",
            {"op": "reply", "template": "9" * 40, "seen_message_id": 1, "visibility": "public"},
        ),
        (f"/desk/tickets/{t}/", {"op": "macro", "macro": "x", "seen_message_id": 1}),
        (f"/desk/tickets/{t}/", {"op": "macro", "macro": "9" * 40, "seen_message_id": 1}),
        (f"/desk/tickets/{t}/", {"op": "assign", "assignee": "x", "expected_assignee": "y"}),
        (f"/desk/tickets/{t}/", {"op": "assign", "assignee": "9" * 40}),
        (f"/desk/tickets/{t}/", {"op": "priority", "priority": "9" * 40}),
        (f"/desk/tickets/{t}/", {"op": "transition", "to_status": "x", "expected_status": "y"}),
        (f"/desk/tickets/{t}/", {"op": "delivery_decide", "change": "x", "status": "x"}),
        (f"/desk/tickets/{t}/", {"op": "offer_manual", "amount": "1e999", "kind": "x"}),
        (
            f"/desk/tickets/{t}/",
            {"op": "offer_manual", "amount": "NaN", "kind": "store_credit", "reason": "r"},
        ),
        ("/desk/approvals/", {"offer": "x", "op": "approve"}),
        ("/desk/approvals/", {"offer": "9" * 40, "op": "approve"}),
        ("/desk/approvals/", {"offer": rows["offer"].pk, "op": "x"}),
        ("/desk/approvals/", {"offer": rows["offer"].pk, "op": "approve", "after": HUGE}),
        ("/desk/queue/", {"action": "x", "tickets": ["x", "9" * 40]}),
        ("/desk/queue/", {"action": "assign_agent", "agent": "9" * 40, "tickets": [t]}),
        ("/desk/queue/", {"action": "resolve_with_template", "template": "x", "tickets": [t]}),
        ("/desk/queue/views/", {"name": "x" * 500, "query": "y" * 5000}),
        ("/desk/queue/views/", {"name": "v", "query": "assignee=" + "9" * 40 + "&cursor=x"}),
        ("/desk/rules/new/", {"min_hours_late": "9" * 40, "amount": "NaN"}),
        ("/desk/rules/describe/", {"min_hours_late": "x", "amount": "1e999"}),
        ("/desk/budgets/new/", {"period_start": "9999-12-31", "period_end": "x", "amount": "NaN"}),
        (f"/desk/followups/{rows['follow_up'].pk}/", {"op": "x"}),
        (f"/desk/followups/{rows['follow_up'].pk}/", {"op": "done", "note": ""}),
    ):
        for headers in ({}, HTMX):
            response = client.post(path, data, **headers)
            assert response.status_code in OK | {409}, (path, data, response.status_code)


def test_deleting_a_view_with_a_huge_id_is_a_redirect(client, agent):
    client.force_login(agent)
    response = client.post("/desk/queue/views/" + "9" * 30 + "/delete/")
    assert response.status_code in (302, 404)


def test_a_saved_view_with_odd_stored_query_still_opens(client, agent):
    # A NUL byte cannot reach the column (forms refuse it, PostgreSQL text refuses it); its
    # percent-encoded form can.
    view = SavedView.objects.create(owner=agent, name="odd", query="assignee=²&carrier=%%%&q=%00")
    client.force_login(agent)
    _get(client, "/desk/queue/", {"view": view.pk})


# --- Unicode digits: str.isdigit() is not "int() will parse it" ------------------------------


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_poll_after_with_unicode_digits(client, agent, late_ticket, value):  # noqa: F811
    client.force_login(agent)
    _get(client, f"/desk/tickets/{late_ticket.pk}/poll/", {"after": value}, **HTMX)


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_template_text_with_unicode_digits(client, agent, late_ticket, value):  # noqa: F811
    client.force_login(agent)
    _get(client, f"/desk/tickets/{late_ticket.pk}/template/", {"template": value})


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_workspace_macro_with_unicode_digits(client, agent, late_ticket, value):  # noqa: F811
    client.force_login(agent)
    _get(client, f"/desk/tickets/{late_ticket.pk}/", {"macro": value})


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_queue_saved_view_with_unicode_digits(client, agent, value):
    client.force_login(agent)
    _get(client, "/desk/queue/", {"view": value})


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_approvals_htmx_decision_with_unicode_digits(client, manager, value):
    client.force_login(manager)
    response = client.post("/desk/approvals/", {"offer": value, "op": "approve"}, **HTMX)
    assert response.status_code in OK


# --- Dates at the calendar's edges: Python and the database overflow ---------------------------

EDGE_TIMES = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]


@pytest.mark.parametrize("value", EDGE_TIMES)
def test_queue_cursor_at_the_calendars_edge(client, agent, late_ticket, value):  # noqa: F811
    client.force_login(agent)
    _get(client, "/desk/queue/", {"cursor": _b64([0, value, 1])})


@pytest.mark.parametrize("value", EDGE_TIMES)
def test_queue_live_since_at_the_calendars_edge(client, agent, late_ticket, value):  # noqa: F811
    client.force_login(agent)
    _get(client, "/desk/queue/live/", {"since": value, "rows": "1"})


@pytest.mark.parametrize("value", EDGE_TIMES)
def test_approvals_cursor_at_the_calendars_edge(client, manager, value):
    client.force_login(manager)
    _get(client, "/desk/approvals/", {"after": f"{value}_1"})


@pytest.mark.parametrize("value", EDGE_TIMES)
def test_follow_ups_cursor_at_the_calendars_edge(client, manager, value):
    client.force_login(manager)
    _get(client, "/desk/followups/", {"after": f"{value}_1", "status": "all"})


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_cost_report_at_the_calendars_edge(client, manager, value):
    client.force_login(manager)
    _get(client, "/desk/cost/", {"start": value, "end": value})


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize(
    "path",
    [
        "/desk/dashboard/headline/",
        "/desk/dashboard/figure/tickets/",
        "/desk/dashboard/csv/tickets/",
        "/desk/dashboard/me/figure/tickets/",
        "/desk/dashboard/me/csv/tickets/",
    ],
)
def test_dashboard_fragments_at_the_calendars_edge(client, manager, path, value):
    client.force_login(manager)
    _get(client, path, {"start": value, "end": value})
