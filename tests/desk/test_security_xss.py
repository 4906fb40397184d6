"""Stored XSS on the desk (every text a customer, a carrier feed or another agent wrote, drawn
in the queue, the workspace, its fragments, the managers' screens and the dashboard's JSON),
the JavaScript that inserts text, and internal notes kept off every customer-facing path."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from apps.desk.models import Macro, Presence, SavedView
from apps.feedback.models import FollowUp, FollowUpReason
from apps.shipments.models import DelayReason
from apps.tickets.models import Message, ReplyTemplate, TicketCategory, TicketStatus
from tests.factories import (
    CarrierFactory,
    CompensationRuleFactory,
    CustomerFactory,
    OfferFactory,
    ShipmentFactory,
    SurveyResponseFactory,
    TicketFactory,
    UserFactory,
    token_for,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
X = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>"
RAW = ("<script>alert(1)", "<img src=x", "\"'><")
NOTE = "INTERNAL-NOTE-7f3a: customer is a known fraudster"


def assert_inert(html: str, where: str = ""):
    for needle in RAW:
        assert needle not in html, (where, needle)


@pytest.fixture
def evil(agent, other_agent):
    """Every free text the desk draws, written by an attacker."""
    other_agent.first_name = X
    other_agent.save()
    carrier = CarrierFactory(code="evil", name=f"Carrier {X}")
    customer = CustomerFactory(name=f"Kim {X}", email="evil@example.com", phone=X[:20])
    shipment = ShipmentFactory(
        carrier=carrier,
        customer=customer,
        tracking_number=f"TN{X}"[:60],
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=timezone.now(),
    )
    ticket = TicketFactory(
        subject=f"Subject {X}",
        customer=customer,
        shipment=shipment,
        assignee=other_agent,
        status=TicketStatus.OPEN,
        category=TicketCategory.LATE,
        language="en",
    )
    Message.objects.create(ticket=ticket, author_kind="customer", body=f"Body {X}")
    Message.objects.create(
        ticket=ticket, author_kind="agent", author=other_agent, body=f"{NOTE} {X}", is_internal=True
    )
    template = ReplyTemplate.objects.create(
        name=f"Tpl {X}",
        language="en",
        category=TicketCategory.LATE,
        body=f"Dear {{customer_name}} {X}",
    )
    ReplyTemplate.objects.create(
        name=f"Resolve {X}", language="en", category=TicketCategory.LATE, body="ok", resolves=True
    )
    macro = Macro.objects.create(
        name=f"Macro {X}",
        language="en",
        category=TicketCategory.LATE,
        body=f"M {X}",
        assign="keep",
    )
    SavedView.objects.create(owner=agent, name=f"View {X}"[:80], query="status=any")
    SavedView.objects.create(owner=other_agent, name=f"Shared {X}"[:80], query="", is_shared=True)
    offer = OfferFactory(
        shipment=shipment,
        ticket=ticket,
        amount=Decimal("5000"),
        proposed_by=other_agent,
        manual_reason=f"Reason {X}",
        explanation=f"Expl {X}",
        rule=CompensationRuleFactory(name=f"Rule {X}"),
    )
    Presence.objects.create(ticket=ticket, user=other_agent, is_composing=True)
    response = SurveyResponseFactory(
        survey__ticket__customer=customer,
        survey__ticket__shipment=shipment,
        survey__ticket__subject=f"Survey {X}",
        csat=1,
        comment=f"Comment {X}",
    )
    follow_up = FollowUp.objects.create(
        survey=response.survey,
        ticket=response.survey.ticket,
        reason=FollowUpReason.LOW_CSAT,
        note=f"Note {X}",
    )
    return {
        "ticket": ticket,
        "template": template,
        "macro": macro,
        "offer": offer,
        "follow_up": follow_up,
        "carrier": carrier,
    }


def test_the_queue_escapes_every_text(client, agent, evil):
    client.force_login(agent)
    html = client.get("/desk/queue/", {"assignee": "anyone", "status": "any"}).content.decode()
    assert "Subject &lt;" in html or "Subject &quot;" in html or "Subject &#x27;" in html
    assert_inert(html, "queue")
    # Filter values typed by the agent come back escaped too (a link can carry them).
    html = client.get("/desk/queue/", {"q": X, "status": X, "assignee": X}).content.decode()
    assert_inert(html, "queue filters")


def test_the_queue_live_rows_and_news_escape_every_text(client, agent, evil):
    client.force_login(agent)
    for rows in ("1", "0"):
        response = client.get(
            "/desk/queue/live/",
            {
                "since": "2000-01-01T00:00:00Z",
                "assignee": "anyone",
                "status": "any",
                "rows": rows,
                "q": "",
            },
        )
        assert response.status_code == 200
        assert_inert(response.content.decode(), f"live rows={rows}")


def test_the_workspace_and_its_fragments_escape_every_text(client, agent, evil):
    client.force_login(agent)
    t = evil["ticket"].pk
    for path, params in (
        (f"/desk/tickets/{t}/", {}),
        (f"/desk/tickets/{t}/", {"macro": evil["macro"].pk}),
        (f"/desk/tickets/{t}/poll/", {"after": "0"}),
        (f"/desk/tickets/{t}/history/", {}),
        (f"/desk/tickets/{t}/events/", {}),
    ):
        for headers in ({}, HTMX):
            response = client.get(path, params, **headers)
            assert response.status_code == 200, path
            assert_inert(response.content.decode(), (path, params, headers))


def test_the_workspace_preview_and_refusals_escape_the_agents_own_input(client, agent, evil):
    client.force_login(agent)
    t = evil["ticket"].pk
    for data in (
        {"op": "reply", "visibility": "public", "body": X, "seen_message_id": 0, "_preview": "1"},
        {
            "op": "reply",
            "visibility": "public",
            "template": evil["template"].pk,
            "seen_message_id": 0,
            "_use_template": "1",
            "body": "",
        },
        {"op": "transition", "to_status": X, "note": X, "expected_status": X},
        {"op": X},
        {"op": "offer_manual", "kind": X, "amount": X, "reason": X},
    ):
        response = client.post(f"/desk/tickets/{t}/", data, **HTMX)
        assert_inert(response.content.decode(), data["op"])


def test_template_text_is_json_and_never_html(client, agent, evil):
    client.force_login(agent)
    response = client.get(
        f"/desk/tickets/{evil['ticket'].pk}/template/", {"template": evil["template"].pk}
    )
    assert response["Content-Type"] == "application/json"
    text = json.loads(response.content)["text"]
    assert X in text  # the raw text, for a textarea's .value


def test_the_template_insertion_script_writes_text_not_html():
    """keys.js puts the template's text in the textarea's value; no HTML sink anywhere."""
    source = (Path(settings.BASE_DIR) / "static/desk/keys.js").read_text()
    assert "body.value = before + glue + data.text + after" in source
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink


def test_the_desk_scripts_put_only_server_fragments_in_inner_html():
    for name in ("static/desk/queue.js", "static/js/dashboard.js", "static/desk/rules.js"):
        source = (Path(settings.BASE_DIR) / name).read_text()
        for line in source.splitlines():
            if "innerHTML" in line:
                assert re.search(r'innerHTML = (answer\.html|html|"")', line), (name, line)
        assert "eval(" not in source and "new Function" not in source


def test_the_library_lists_and_forms_escape_every_text(client, manager, evil):
    client.force_login(manager)
    for path in (
        "/desk/templates/",
        f"/desk/templates/{evil['template'].pk}/",
        "/desk/macros/",
        f"/desk/macros/{evil['macro'].pk}/",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert_inert(response.content.decode(), path)


def test_the_managers_screens_escape_every_text(client, manager, evil):
    client.force_login(manager)
    f = evil["follow_up"].pk
    for path in (
        "/desk/",
        "/desk/counts/",
        "/desk/approvals/",
        "/desk/followups/?status=all",
        f"/desk/followups/{f}/",
        "/desk/rules/",
        "/desk/budgets/",
        "/desk/cost/",
    ):
        for headers in ({}, HTMX):
            response = client.get(path, **headers)
            assert response.status_code == 200, path
            assert_inert(response.content.decode(), path)
    for data in (
        {"offer": evil["offer"].pk, "op": "reject", "reason": X},
        {"offer": X, "op": "approve"},
    ):
        response = client.post("/desk/approvals/", data, **HTMX)
        assert_inert(response.content.decode(), data)
    response = client.post(f"/desk/followups/{f}/", {"op": "note", "note": X}, **HTMX)
    assert_inert(response.content.decode(), "followup note")


def test_the_dashboard_fragments_embed_json_safely(client, manager, evil):
    """Carrier names reach the chart's JSON: inside <script type=application/json> a raw
    `</script>` would end the block; json_script escapes <, > and &."""
    client.force_login(manager)
    for path in (
        "/desk/dashboard/",
        "/desk/dashboard/headline/",
        "/desk/dashboard/figure/delays-by-carrier/",
        "/desk/dashboard/figure/agents/",
        "/desk/dashboard/figure/tickets/",
        "/desk/dashboard/me/figure/tickets/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert_inert(html, path)
        for block in re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S):
            assert "<" not in block, (path, block[:200])


def test_the_csv_exports_neutralise_formulas(client, manager, evil):
    carrier = evil["carrier"]
    carrier.name = '=HYPERLINK("http://evil.example","x")'
    carrier.save()
    Offer = type(evil["offer"])
    Offer.objects.filter(pk=evil["offer"].pk).update(status="issued", issued_at=timezone.now())
    client.force_login(manager)
    body = client.get("/desk/cost/", {"format": "csv"}).content.decode("utf-8-sig")
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


def test_saved_view_names_are_escaped_in_the_delete_buttons(client, agent, evil):
    client.force_login(agent)
    html = client.get("/desk/queue/").content.decode()
    assert 'aria-label="Delete the view View &quot;' in html or "View &quot;" in html
    assert_inert(html, "views")


# --- Internal notes stay on the desk ---------------------------------------------------------


def test_internal_notes_never_reach_the_customers_ticket_page(client, evil):
    page = client.get(f"/t/{token_for(evil['ticket'].reference)}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert NOTE not in html
    assert "Body " in html  # the customer's own message is there


def test_internal_notes_never_reach_an_integration_through_the_api(evil):
    from django.contrib.auth.models import Group

    from apps.accounts.roles import INTEGRATIONS

    system = UserFactory(username="shop", is_staff=False)
    system.groups.add(Group.objects.get(name=INTEGRATIONS))
    api = APIClient()
    api.force_authenticate(system)
    t = evil["ticket"].pk
    for path in (
        f"/api/v1/tickets/{t}/messages/",
        f"/api/v1/tickets/{t}/",
        "/api/v1/tickets/",
    ):
        response = api.get(path)
        assert NOTE not in response.content.decode(), (path, response.status_code)


def test_internal_notes_attachments_are_not_served_on_the_customers_link(
    client, evil, tmp_path, settings
):
    from apps.tickets.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "secret.txt").write_bytes(b"secret")
    note = Message.objects.get(ticket=evil["ticket"], is_internal=True)
    attachment = Attachment.objects.create(
        message=note,
        file="secret.txt",
        original_name="secret.txt",
        content_type="text/plain",
        size=6,
    )
    url = f"/t/{token_for(evil['ticket'].reference)}/files/{attachment.pk}/"
    response = client.get(url)
    assert response.status_code in (404, 410)
    assert b"secret" not in b"".join(getattr(response, "streaming_content", [response.content]))
    # And the staff download needs a desk user with the permission.
    assert client.get(f"/desk-files/attachments/{attachment.pk}/").status_code == 302


def test_an_internal_note_sends_the_customer_nothing(client, agent, evil):
    from apps.notifications.models import Notification

    client.force_login(agent)
    before = Notification.objects.count()
    t = evil["ticket"]
    newest = Message.objects.filter(ticket=t).order_by("-pk").values_list("pk", flat=True)[0]
    response = client.post(
        f"/desk/tickets/{t.pk}/",
        {"op": "reply", "visibility": "internal", "body": "note only", "seen_message_id": newest},
    )
    assert response.status_code == 302
    assert Message.objects.filter(body="note only", is_internal=True).exists()
    assert Notification.objects.count() == before
    page = client.get(f"/t/{token_for(t.reference)}/").content.decode()
    assert "note only" not in page


def test_an_internal_note_cannot_resolve_and_reply_at_once(client, agent, evil):
    client.force_login(agent)
    t = evil["ticket"]
    newest = Message.objects.filter(ticket=t).order_by("-pk").values_list("pk", flat=True)[0]
    client.post(
        f"/desk/tickets/{t.pk}/",
        {
            "op": "reply",
            "visibility": "internal",
            "body": "x",
            "seen_message_id": newest,
            "_send_resolve": "1",
        },
    )
    t.refresh_from_db()
    assert t.status == TicketStatus.OPEN
