"""The desk as an attacker sees it: sign-in and permissions on every address (full pages and the
htmx fragments and polls), ids of other people's rows, CSRF on every POST, redirects, and GETs
that must not change anything.

Input handling is in test_security_input.py; escaping and leaks in test_security_xss.py.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import INTEGRATIONS
from apps.compensation.models import Offer, OfferStatus
from apps.desk.models import Macro, Presence, SavedView
from apps.feedback.models import FollowUp, FollowUpReason
from apps.tickets.models import Message, ReplyTemplate, Ticket, TicketCategory
from tests.desk.test_workspace_fixtures import late_ticket, resolve_macro, template  # noqa: F401
from tests.factories import (
    BudgetFactory,
    CompensationRuleFactory,
    OfferFactory,
    SurveyResponseFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SINCE = "2020-01-01T00:00:00Z"


# --- The cast and the rows behind each address -------------------------------------------------


@pytest.fixture
def integration(db):
    """An integration account as create_integration_token makes it (not staff)."""
    user = UserFactory(username="shop-system", is_staff=False)
    user.groups.add(Group.objects.get(name=INTEGRATIONS))
    return user


@pytest.fixture
def staff_integration(db):
    """The same integration account with the admin's "staff status" box ticked."""
    user = UserFactory(username="carrier-system", is_staff=True)
    user.groups.add(Group.objects.get(name=INTEGRATIONS))
    return user


@pytest.fixture
def customer_like(db):
    """Signed in, not staff, no role (a portal-ish account)."""
    return UserFactory(username="eve", is_staff=False)


@pytest.fixture
def rows(late_ticket, template, resolve_macro, agent, other_agent):  # noqa: F811
    rule = CompensationRuleFactory()
    budget = BudgetFactory()
    offer = OfferFactory(
        shipment=late_ticket.shipment,
        ticket=late_ticket,
        amount=Decimal("5000"),
        proposed_by=other_agent,
        manual_reason="waited",
    )
    response = SurveyResponseFactory(csat=1)
    follow_up = FollowUp.objects.create(
        survey=response.survey, ticket=response.survey.ticket, reason=FollowUpReason.LOW_CSAT
    )
    view = SavedView.objects.create(owner=other_agent, name="Bob's view", query="status=any")
    return {
        "ticket": late_ticket,
        "template": template,
        "macro": resolve_macro,
        "rule": rule,
        "budget": budget,
        "offer": offer,
        "follow_up": follow_up,
        "view": view,
    }


def desk_addresses(r) -> list[tuple[str, str]]:
    """(name, path) of every desk address, fragments and polls included."""
    t = r["ticket"].pk
    fig = "tickets"
    return [
        ("home", "/desk/"),
        ("home_counts", "/desk/counts/"),
        ("queue", "/desk/queue/"),
        ("queue_live", f"/desk/queue/live/?since={SINCE}&rows=1"),
        ("ticket", f"/desk/tickets/{t}/"),
        ("ticket_poll", f"/desk/tickets/{t}/poll/?after=0"),
        ("ticket_events", f"/desk/tickets/{t}/events/"),
        ("ticket_history", f"/desk/tickets/{t}/history/"),
        ("ticket_template", f"/desk/tickets/{t}/template/?template={r['template'].pk}"),
        ("ticket_next", f"/desk/tickets/{t}/next/"),
        ("ticket_previous", f"/desk/tickets/{t}/previous/"),
        ("templates", "/desk/templates/"),
        ("template_new", "/desk/templates/new/"),
        ("template_edit", f"/desk/templates/{r['template'].pk}/"),
        ("macros", "/desk/macros/"),
        ("macro_new", "/desk/macros/new/"),
        ("macro_edit", f"/desk/macros/{r['macro'].pk}/"),
        ("approvals", "/desk/approvals/"),
        ("rules", "/desk/rules/"),
        ("rule_new", "/desk/rules/new/"),
        ("rule", f"/desk/rules/{r['rule'].pk}/"),
        ("rule_describe", "/desk/rules/describe/"),
        ("budgets", "/desk/budgets/"),
        ("budget_new", "/desk/budgets/new/"),
        ("budget", f"/desk/budgets/{r['budget'].pk}/"),
        ("followups", "/desk/followups/"),
        ("followup", f"/desk/followups/{r['follow_up'].pk}/"),
        ("cost", "/desk/cost/"),
        ("dashboard", "/desk/dashboard/"),
        ("dashboard_headline", "/desk/dashboard/headline/"),
        ("dashboard_figure", f"/desk/dashboard/figure/{fig}/"),
        ("dashboard_csv", f"/desk/dashboard/csv/{fig}/"),
        ("own", "/desk/dashboard/me/"),
        ("own_figure", f"/desk/dashboard/me/figure/{fig}/"),
        ("own_csv", f"/desk/dashboard/me/csv/{fig}/"),
    ]


def post_addresses(r) -> list[tuple[str, str, dict]]:
    """(name, path, data) of every desk POST, each with data that would otherwise act."""
    t = r["ticket"]
    return [
        ("queue_bulk", "/desk/queue/", {"action": "assign_me", "tickets": [t.pk]}),
        ("view_save", "/desk/queue/views/", {"name": "mine", "query": "status=any"}),
        ("view_delete", f"/desk/queue/views/{r['view'].pk}/delete/", {}),
        (
            "reply",
            f"/desk/tickets/{t.pk}/",
            {"op": "reply", "visibility": "public", "body": "pwned", "seen_message_id": 10**6},
        ),
        ("links_revoke", f"/desk/tickets/{t.pk}/", {"op": "links_revoke"}),
        (
            "template_new",
            "/desk/templates/new/",
            {"name": "x", "language": "en", "category": "", "body": "x"},
        ),
        ("macro_new", "/desk/macros/new/", {"name": "x", "body": "x", "assign": "keep"}),
        ("approve", "/desk/approvals/", {"offer": r["offer"].pk, "op": "approve"}),
        ("rule_new", "/desk/rules/new/", {"name": "x"}),
        ("rule_edit", f"/desk/rules/{r['rule'].pk}/", {"name": "x"}),
        ("rule_preview", f"/desk/rules/{r['rule'].pk}/preview/", {"name": "x"}),
        ("rule_new_preview", "/desk/rules/new/preview/", {"name": "x"}),
        ("rule_describe", "/desk/rules/describe/", {"action": "fixed_coupon"}),
        ("budget_new", "/desk/budgets/new/", {"name": "x"}),
        ("budget_edit", f"/desk/budgets/{r['budget'].pk}/", {"name": "x"}),
        ("followup", f"/desk/followups/{r['follow_up'].pk}/", {"op": "take"}),
        ("logout", "/desk/logout/", {}),
    ]


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/desk/login/")


# --- Sign-in ----------------------------------------------------------------------------------


def test_every_address_sends_the_signed_out_to_sign_in(client, rows):
    for name, path in desk_addresses(rows):
        for headers in ({}, HTMX):
            response = client.get(path, **headers)
            assert _is_login_redirect(response), (name, headers, response.status_code)
            assert "next=" in response["Location"], name


def test_every_post_sends_the_signed_out_to_sign_in_and_changes_nothing(client, rows):
    before = (Message.objects.count(), Ticket.objects.filter(assignee__isnull=False).count())
    for name, path, data in post_addresses(rows):
        if name == "logout":
            continue
        response = client.post(path, data, **HTMX)
        assert _is_login_redirect(response), (name, response.status_code)
    assert (Message.objects.count(), Ticket.objects.filter(assignee__isnull=False).count()) == (
        before
    )
    assert SavedView.objects.filter(pk=rows["view"].pk).exists()


# --- Roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["stranger", "integration", "customer_like"])
def test_no_desk_role_is_refused_everywhere(request, client, rows, who):
    """Staff without a role, an integration's account and a plain account: 403 on every GET
    (fragments and polls too) and every POST, and nothing changes."""
    user = request.getfixturevalue(who)
    client.force_login(user)
    for name, path in desk_addresses(rows):
        for headers in ({}, HTMX):
            response = client.get(path, **headers)
            assert response.status_code == 403, (who, name, headers, response.status_code)
    messages_before = Message.objects.count()
    for name, path, data in post_addresses(rows):
        if name == "logout":
            continue
        response = client.post(path, data, **HTMX)
        assert response.status_code in (403, 405), (who, name, response.status_code)
    assert Message.objects.count() == messages_before
    assert SavedView.objects.filter(pk=rows["view"].pk).exists()
    assert not Presence.objects.exists()  # the poll never ran for them
    assert Offer.objects.get(pk=rows["offer"].pk).status == OfferStatus.PROPOSED


def test_an_inactive_desk_user_is_refused(client, agent, rows):
    agent.is_active = False
    agent.save()
    client.force_login(agent)
    # Django's ModelBackend drops inactive users from the session: back to sign-in.
    response = client.get("/desk/queue/")
    assert response.status_code in (302, 403)


MANAGER_ONLY_GETS = {
    "approvals",
    "budgets",
    "budget_new",
    "budget",
    "followups",
    "followup",
    "cost",
    "dashboard",
    "dashboard_headline",
    "dashboard_figure",
    "dashboard_csv",
    "macro_new",
    "macro_edit",
    "rule_new",
    "rule",
}
AGENT_GETS = {
    "home",
    "home_counts",
    "queue",
    "queue_live",
    "ticket",
    "ticket_poll",
    "ticket_events",
    "ticket_history",
    "ticket_template",
    "ticket_next",
    "ticket_previous",
    "templates",
    "template_new",
    "template_edit",
    "macros",
    "rules",
    "rule_describe",
    "own",
    "own_figure",
    "own_csv",
}


def test_the_address_lists_are_complete(rows):
    assert {name for name, _ in desk_addresses(rows)} == MANAGER_ONLY_GETS | AGENT_GETS


def test_an_agent_is_refused_every_manager_screen_and_fragment(client, agent, rows):
    client.force_login(agent)
    for name, path in desk_addresses(rows):
        if name not in MANAGER_ONLY_GETS:
            continue
        for headers in ({}, HTMX):
            response = client.get(path, **headers)
            assert response.status_code == 403, (name, headers, response.status_code)


def test_an_agent_opens_the_agent_screens(client, agent, rows):
    client.force_login(agent)
    for name, path in desk_addresses(rows):
        if name in AGENT_GETS:
            response = client.get(path)
            assert response.status_code in (200, 204, 302), (name, response.status_code)


def test_a_manager_opens_everything(client, manager, rows):
    client.force_login(manager)
    for name, path in desk_addresses(rows):
        response = client.get(path)
        assert response.status_code in (200, 204, 302), (name, response.status_code)


@pytest.mark.parametrize(
    "name",
    [
        "approve",
        "rule_new",
        "rule_edit",
        "rule_preview",
        "rule_new_preview",
        "budget_new",
        "budget_edit",
        "followup",
        "macro_new",
    ],
)
def test_an_agent_cannot_post_to_manager_screens(client, agent, rows, name):
    path, data = next((p, d) for n, p, d in post_addresses(rows) if n == name)
    client.force_login(agent)
    budgets = [(b.pk, b.name) for b in type(rows["budget"]).objects.all()]
    for headers in ({}, HTMX):
        response = client.post(path, data, **headers)
        assert response.status_code == 403, (name, headers, response.status_code)
    assert Offer.objects.get(pk=rows["offer"].pk).status == OfferStatus.PROPOSED
    assert [(b.pk, b.name) for b in type(rows["budget"]).objects.all()] == budgets
    assert not Macro.objects.filter(name="x").exists()
    rows["follow_up"].refresh_from_db()
    assert rows["follow_up"].assignee_id is None


def test_an_agent_cannot_apply_a_macro_by_id_that_does_not_fit(client, agent, rows):
    """A macro for another language/category posted by id is refused, not applied."""
    other = Macro.objects.create(name="KO only", language="ko", body="", set_status="closed")
    client.force_login(agent)
    ticket = rows["ticket"]
    response = client.post(
        f"/desk/tickets/{ticket.pk}/",
        {"op": "macro", "macro": other.pk, "seen_message_id": 10**6},
        **HTMX,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status != "closed"


def test_a_user_who_only_reads_follow_ups_cannot_change_them(client, rows):
    """View permission opens the page; taking or closing needs change_followup."""
    reader = UserFactory(username="reader")
    reader.user_permissions.add(
        Permission.objects.get(codename="view_ticket", content_type__app_label="tickets"),
        Permission.objects.get(codename="view_ticketevent"),
        Permission.objects.get(codename="view_followup"),
    )
    client.force_login(reader)
    follow_up = rows["follow_up"]
    assert client.get(f"/desk/followups/{follow_up.pk}/").status_code == 200
    client.post(f"/desk/followups/{follow_up.pk}/", {"op": "take"}, **HTMX)
    client.post(f"/desk/followups/{follow_up.pk}/", {"op": "done", "note": "called"}, **HTMX)
    follow_up.refresh_from_db()
    assert follow_up.assignee_id is None and follow_up.status == "open"


def test_a_reader_without_change_ticket_cannot_act_on_a_ticket(client, rows):
    reader = UserFactory(username="reader2")
    reader.user_permissions.add(
        Permission.objects.get(codename="view_ticket", content_type__app_label="tickets")
    )
    client.force_login(reader)
    ticket = rows["ticket"]
    response = client.post(
        f"/desk/tickets/{ticket.pk}/",
        {"op": "reply", "visibility": "public", "body": "hi", "seen_message_id": 10**6},
        **HTMX,
    )
    assert response.status_code == 403
    response = client.post("/desk/queue/", {"action": "assign_me", "tickets": [ticket.pk]})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    assert not Message.objects.filter(body="hi").exists()


def test_an_integration_account_marked_staff_is_still_not_a_desk_user(
    client, staff_integration, rows
):
    Message.objects.create(
        ticket=rows["ticket"],
        author_kind="agent",
        author=rows["ticket"].customer and UserFactory(username="noter"),
        body="INTERNAL: refund fraud?",
        is_internal=True,
    )
    client.force_login(staff_integration)
    for name, path in desk_addresses(rows):
        if name in AGENT_GETS:
            response = client.get(path, **HTMX)
            assert response.status_code == 403, (name, response.status_code)


# --- IDOR: other people's rows ---------------------------------------------------------------


def test_an_agent_cannot_delete_another_agents_saved_view(client, agent, rows):
    view = rows["view"]
    client.force_login(agent)
    response = client.post(reverse("desk:queue_view_delete", args=[view.pk]))
    assert response.status_code == 302
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_manager_cannot_delete_an_agents_saved_view_either(client, manager, rows):
    view = rows["view"]
    view.is_shared = True
    view.save()
    client.force_login(manager)
    client.post(reverse("desk:queue_view_delete", args=[view.pk]))
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_private_saved_view_of_another_agent_is_not_opened_by_id(client, agent, rows):
    view = rows["view"]
    view.query = "status=closed&q=SECRET-FILTER"
    view.save()
    client.force_login(agent)
    response = client.get("/desk/queue/", {"view": view.pk})
    assert response.status_code == 302
    assert "SECRET-FILTER" not in response["Location"]
    page = client.get("/desk/queue/")
    assert "Bob&#x27;s view" not in page.content.decode()
    assert "Bob's view" not in page.content.decode()


def test_saving_a_view_with_another_agents_name_does_not_overwrite_theirs(client, agent, rows):
    view = rows["view"]
    client.force_login(agent)
    client.post("/desk/queue/views/", {"name": view.name, "query": "status=closed"})
    view.refresh_from_db()
    assert view.query == "status=any"
    assert SavedView.objects.filter(owner=agent, name=view.name).exists()


def test_an_agent_cannot_share_a_view_without_the_permission(client, rows):
    user = UserFactory(username="noshare")
    for code in ("view_ticket", "view_ticketevent", "add_savedview"):
        user.user_permissions.add(Permission.objects.get(codename=code))
    client.force_login(user)
    client.post("/desk/queue/views/", {"name": "v", "query": "", "is_shared": "on"})
    assert SavedView.objects.get(owner=user, name="v").is_shared is False


def test_a_delivery_change_of_another_ticket_is_not_decided_here(client, agent, rows):
    from apps.tickets.models import DeliveryChangeRequest

    other = TicketFactory()
    change = DeliveryChangeRequest.objects.create(ticket=other, kind="redeliver")
    client.force_login(agent)
    response = client.post(
        f"/desk/tickets/{rows['ticket'].pk}/",
        {"op": "delivery_decide", "change": change.pk, "status": "arranged"},
        **HTMX,
    )
    assert response.status_code == 200
    change.refresh_from_db()
    assert (
        change.status == "requested"
        or change.status == DeliveryChangeRequest._meta.get_field("status").default
    )


def test_a_manager_cannot_approve_their_own_proposal_by_posting_its_id(client, manager, rows):
    offer = rows["offer"]
    Offer.objects.filter(pk=offer.pk).update(proposed_by=manager)
    client.force_login(manager)
    client.post("/desk/approvals/", {"offer": offer.pk, "op": "approve"}, **HTMX)
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.PROPOSED


def test_unknown_ids_are_404(client, manager, rows):
    client.force_login(manager)
    for path in (
        "/desk/tickets/999999/",
        "/desk/tickets/999999/poll/",
        "/desk/tickets/999999/events/",
        "/desk/tickets/999999/history/",
        "/desk/tickets/999999/template/?template=1",
        "/desk/tickets/999999/next/",
        "/desk/templates/999999/",
        "/desk/macros/999999/",
        "/desk/rules/999999/",
        "/desk/budgets/999999/",
        "/desk/followups/999999/",
        f"/desk/tickets/{rows['ticket'].pk}/template/?template=999999",
    ):
        assert client.get(path, **HTMX).status_code == 404, path


def test_an_inactive_template_is_not_served_by_id(client, agent, rows):
    hidden = ReplyTemplate.objects.create(
        name="retired", language="en", category=TicketCategory.LATE, body="old", is_active=False
    )
    client.force_login(agent)
    url = f"/desk/tickets/{rows['ticket'].pk}/template/?template={hidden.pk}"
    assert client.get(url).status_code == 404


# --- CSRF ------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("who", ["agent", "manager"])
def test_every_post_without_a_token_is_refused(request, csrf_client, rows, who):
    user = request.getfixturevalue(who)
    csrf_client.force_login(user)
    messages_before = Message.objects.count()
    for name, path, data in post_addresses(rows):
        for headers in ({}, HTMX):
            response = csrf_client.post(path, data, **headers)
            assert response.status_code == 403, (who, name, headers, response.status_code)
    assert Message.objects.count() == messages_before
    assert SavedView.objects.filter(pk=rows["view"].pk).exists()
    assert Offer.objects.get(pk=rows["offer"].pk).status == OfferStatus.PROPOSED
    assert not SavedView.objects.filter(name="mine").exists()
    # Still signed in: the logout POST without a token was refused too.
    assert csrf_client.get("/desk/").status_code == 200


def test_a_wrong_token_in_the_htmx_header_is_refused(csrf_client, agent, rows):
    csrf_client.force_login(agent)
    csrf_client.get("/desk/queue/")  # sets the cookie
    response = csrf_client.post(
        f"/desk/tickets/{rows['ticket'].pk}/",
        {"op": "links_revoke"},
        HTTP_X_CSRFTOKEN="A" * 32,
        **HTMX,
    )
    assert response.status_code == 403


def test_the_htmx_header_token_is_accepted(csrf_client, agent, rows):
    """What the page sends (hx-headers on <body>) passes the check."""
    csrf_client.force_login(agent)
    page = csrf_client.get(f"/desk/tickets/{rows['ticket'].pk}/")
    html = page.content.decode()
    token = html.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    response = csrf_client.post(
        f"/desk/tickets/{rows['ticket'].pk}/",
        {"op": "links_revoke"},
        HTTP_X_CSRFTOKEN=token,
        **HTMX,
    )
    assert response.status_code == 200


def test_the_login_form_needs_its_token(csrf_client, agent):
    response = csrf_client.post(
        "/desk/login/", {"username": agent.username, "password": "pass-for-tests"}
    )
    assert response.status_code == 403


# --- Redirects -------------------------------------------------------------------------------

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "http://testserver@evil.example/",
]


@pytest.mark.parametrize("target", EVIL)
def test_login_next_never_leaves_the_site(client, agent, target):
    response = client.post(
        "/desk/login/?next=" + target,
        {"username": agent.username, "password": "pass-for-tests", "next": target},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location == "/desk/", location


def test_login_next_inside_the_site_is_kept(client, agent):
    response = client.post(
        "/desk/login/",
        {"username": agent.username, "password": "pass-for-tests", "next": "/desk/queue/?a=1"},
    )
    assert response["Location"] == "/desk/queue/?a=1"


def test_the_login_page_escapes_next(client):
    response = client.get("/desk/login/", {"next": '"><script>alert(1)</script>'})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html


def _offsite(location: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(location.replace("\\", "/"))
    return bool(parts.netloc) or bool(parts.scheme) or location.lstrip().startswith("//")


@pytest.mark.parametrize("target", EVIL)
def test_desk_form_next_parameters_never_leave_the_site(client, agent, manager, rows, target):
    client.force_login(agent)
    own = SavedView.objects.create(owner=agent, name="own", query="")
    for path, data in (
        ("/desk/queue/views/", {"name": "n1", "query": "", "next": target}),
        ("/desk/queue/views/", {"name": "", "query": "", "next": target}),
        (f"/desk/queue/views/{own.pk}/delete/", {"next": target}),
        (f"/desk/queue/views/{rows['view'].pk}/delete/", {"next": target}),
    ):
        response = client.post(path, data)
        assert response.status_code == 302
        assert not _offsite(response["Location"]), (path, response["Location"])
    client.force_login(manager)
    follow_up = rows["follow_up"]
    for op in ("take", "bogus", "done"):
        response = client.post(f"/desk/followups/{follow_up.pk}/", {"op": op, "next": target})
        assert response.status_code == 302
        assert not _offsite(response["Location"]), (op, response["Location"])


def test_followup_next_cannot_climb_out_with_dot_segments(client, manager, rows):
    """/desk/..//evil is still a path on this host (no scheme, no host)."""
    client.force_login(manager)
    response = client.post(
        f"/desk/followups/{rows['follow_up'].pk}/",
        {"op": "take", "next": "/desk/..//evil.example/"},
    )
    assert not _offsite(response["Location"])


def test_approvals_after_cannot_inject_a_redirect(client, manager, rows):
    client.force_login(manager)
    response = client.post(
        "/desk/approvals/",
        {"offer": rows["offer"].pk, "op": "bogus", "after": "//evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/approvals/"


def test_logout_by_get_does_not_sign_out(client, agent):
    client.force_login(agent)
    response = client.get("/desk/logout/")
    assert response.status_code == 405
    assert client.get("/desk/").status_code == 200


def test_set_language_next_stays_on_site(client, agent):
    client.force_login(agent)
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "https://evil.example/"})
    assert not _offsite(response["Location"])


# --- GETs change nothing ---------------------------------------------------------------------


def _state():
    return (
        list(Ticket.objects.order_by("pk").values_list("pk", "status", "priority", "assignee_id")),
        Message.objects.count(),
        list(Offer.objects.order_by("pk").values_list("pk", "status")),
        list(SavedView.objects.order_by("pk").values_list("pk", "name", "query")),
        list(Macro.objects.order_by("pk").values_list("pk", "name")),
        list(ReplyTemplate.objects.order_by("pk").values_list("pk", "name", "body")),
        list(FollowUp.objects.order_by("pk").values_list("pk", "status", "assignee_id")),
    )


def test_gets_with_action_parameters_change_nothing(client, manager, rows):
    """Every address, asked by GET with the parameters a POST would carry: nothing moves
    (presence rows aside: the poll is the page saying it is open)."""
    client.force_login(manager)
    before = _state()
    params = {
        "op": "reply",
        "visibility": "public",
        "body": "sent by GET",
        "seen_message_id": 10**6,
        "action": "assign_me",
        "tickets": rows["ticket"].pk,
        "offer": rows["offer"].pk,
        "name": "by-get",
        "query": "status=any",
        "macro": rows["macro"].pk,
    }
    for _name, path in desk_addresses(rows):
        client.get(path, params)
        client.get(path, params, **HTMX)
    for op in ("approve", "take", "done", "links_revoke", "macro", "assign"):
        client.get("/desk/approvals/", {"op": op, "offer": rows["offer"].pk})
        client.get(f"/desk/followups/{rows['follow_up'].pk}/", {"op": op, "note": "x"})
        client.get(f"/desk/tickets/{rows['ticket'].pk}/", {**params, "op": op})
        client.get(f"/desk/queue/views/{rows['view'].pk}/delete/")
        client.get("/desk/queue/views/", {"name": "by-get"})
    assert _state() == before


def test_queue_view_save_and_delete_refuse_get(client, agent, rows):
    client.force_login(agent)
    own = SavedView.objects.create(owner=agent, name="own", query="")
    assert client.get(f"/desk/queue/views/{own.pk}/delete/").status_code == 405
    assert client.get("/desk/queue/views/", {"name": "x"}).status_code == 405
    assert SavedView.objects.filter(pk=own.pk).exists()


def test_rule_preview_by_get_only_redirects(client, manager, rows):
    client.force_login(manager)
    response = client.get(f"/desk/rules/{rows['rule'].pk}/preview/", {"name": "changed"})
    assert response.status_code == 302
    rows["rule"].refresh_from_db()
    assert rows["rule"].name != "changed"


# --- Presence --------------------------------------------------------------------------------


def test_presence_shows_only_this_tickets_viewers(client, agent, other_agent, manager, rows):
    ticket = rows["ticket"]
    secret = TicketFactory(subject="VIP complaint")
    Presence.objects.create(ticket=secret, user=manager, is_composing=True)
    Presence.objects.create(
        ticket=ticket, user=other_agent, seen_at=timezone.now() - timedelta(minutes=5)
    )
    client.force_login(agent)
    html = client.get(f"/desk/tickets/{ticket.pk}/poll/?after=0", **HTMX).content.decode()
    assert "Carol is writing" not in html  # on another ticket
    assert "Bob is viewing" not in html  # left long ago
    assert "ws-presence" not in html
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "is writing" not in page and "Carol is viewing" not in page


def test_the_poll_writes_presence_only_for_the_ticket_in_its_path(client, agent, rows):
    client.force_login(agent)
    other = TicketFactory()
    client.get(f"/desk/tickets/{rows['ticket'].pk}/poll/?after=0&ticket={other.pk}")
    assert list(Presence.objects.values_list("ticket_id", "user_id")) == [
        (rows["ticket"].pk, agent.pk)
    ]


def test_the_poll_returns_only_this_tickets_new_messages(client, agent, rows):
    other = TicketFactory()
    Message.objects.create(
        ticket=other, author_kind="agent", author=agent, body="OTHER TICKET NOTE", is_internal=True
    )
    client.force_login(agent)
    html = client.get(f"/desk/tickets/{rows['ticket'].pk}/poll/?after=0").content.decode()
    assert "OTHER TICKET NOTE" not in html
    assert "My parcel is late." in html
