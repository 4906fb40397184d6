"""Reply templates (agents add and edit them) and macros (managers write them) in the desk."""

import pytest

from apps.desk.models import Macro, MacroAssign
from apps.tickets.models import ReplyTemplate, TicketStatus

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "name": "Late: new estimate",
    "language": "ko",
    "category": "late",
    "delay_reason": "",
    "body": "{customer_name}님, 새 도착 예정일은 {new_estimate}입니다.",
    "is_active": "on",
}


def test_an_agent_adds_a_reply_template_and_is_redirected(client, agent):
    client.force_login(agent)

    response = client.post("/desk/templates/new/", TEMPLATE)

    assert response.status_code == 302
    assert response["Location"] == "/desk/templates/"
    saved = ReplyTemplate.objects.get()
    assert saved.language == "ko" and saved.category == "late"
    listing = client.get("/desk/templates/?language=ko").content.decode()
    assert "Late: new estimate" in listing


def test_an_unknown_placeholder_is_a_form_message(client, agent):
    client.force_login(agent)

    response = client.post("/desk/templates/new/", {**TEMPLATE, "body": "Hi {custmer_name}"})

    assert response.status_code == 200
    assert "Unknown placeholders: {custmer_name}." in response.content.decode()
    assert not ReplyTemplate.objects.exists()


def test_list_filters_by_language_and_category(client, agent):
    ReplyTemplate.objects.create(name="EN lost", language="en", category="lost", body="x")
    ReplyTemplate.objects.create(name="KO late", language="ko", category="late", body="y")
    client.force_login(agent)

    page = client.get("/desk/templates/?language=en&category=lost").content.decode()

    assert "EN lost" in page and "KO late" not in page


def test_agents_read_macros_but_only_managers_write_them(client, agent, manager):
    client.force_login(agent)
    assert client.get("/desk/macros/").status_code == 200
    assert client.get("/desk/macros/new/").status_code == 403

    client.force_login(manager)
    response = client.post(
        "/desk/macros/new/",
        {
            "name": "Resolve late parcel",
            "language": "en",
            "category": "late",
            "body": "Sorry, {customer_name}: it arrives {new_estimate}.",
            "set_status": TicketStatus.RESOLVED,
            "set_priority": "",
            "assign": MacroAssign.ME,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    macro = Macro.objects.get()
    assert macro.created_by == manager and macro.set_status == TicketStatus.RESOLVED


def test_a_macro_that_does_nothing_is_refused_with_a_message(client, manager):
    client.force_login(manager)

    response = client.post(
        "/desk/macros/new/",
        {"name": "Nothing", "language": "", "category": "", "body": "  ", "assign": "keep"},
    )

    assert response.status_code == 200
    assert "A macro must do something" in response.content.decode()
    assert not Macro.objects.exists()


def test_editing_a_missing_template_is_a_404(client, agent):
    client.force_login(agent)

    assert client.get("/desk/templates/999/").status_code == 404
