"""The desk's frame: sign-in, who may enter, the home page's counts and their links."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.compensation.models import Offer, OfferStatus
from apps.tickets.models import Ticket, TicketStatus
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

HOME = "/desk/"


def _counts(response) -> dict[str, int]:
    return {count_card["key"]: count_card["value"] for count_card in response.context["cards"]}


def test_signed_out_visitor_goes_to_the_desk_login_and_back(client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == "/desk/login/?next=/desk/"


def test_login_page_signs_an_agent_in_and_lands_on_home(client, agent):
    page = client.get("/desk/login/")
    assert page.status_code == 200
    assert "Username" in page.content.decode()

    response = client.post("/desk/login/", {"username": agent.username, "password": "x"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()

    agent.set_password("right-one")
    agent.save()
    response = client.post("/desk/login/", {"username": agent.username, "password": "right-one"})
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_staff_without_a_desk_role_is_refused(client, stranger):
    client.force_login(stranger)

    assert client.get(HOME).status_code == 403
    assert client.get(reverse("desk:home_counts")).status_code == 403


def test_home_counts_what_waits_for_the_agent(client, agent, other_agent):
    now = timezone.now()
    TicketFactory(assignee=agent, status=TicketStatus.OPEN)
    TicketFactory(assignee=other_agent, status=TicketStatus.OPEN)
    TicketFactory(assignee=None, status=TicketStatus.NEW)
    TicketFactory(assignee=None, status=TicketStatus.RESOLVED, resolved_at=now)
    late = TicketFactory(assignee=None, status=TicketStatus.OPEN)
    Ticket.objects.filter(pk=late.pk).update(
        first_response_due_at=now - timedelta(hours=3), resolution_due_at=now - timedelta(hours=1)
    )
    client.force_login(agent)

    response = client.get(HOME)

    assert response.status_code == 200
    counts = _counts(response)
    assert counts["mine"] == 1
    assert counts["unassigned"] == 2
    assert counts["breached"] == 1
    # Agents do not approve or call back: those counts are a manager's.
    assert "approvals" not in counts and "followups" not in counts
    html = response.content.decode()
    assert 'href="/desk/queue/?assignee=mine"' in html or "queue" not in html


def test_manager_sees_approvals_waiting_except_their_own(client, manager, other_manager):
    from tests.factories import OfferFactory

    mine = OfferFactory(proposed_by=manager, manual_reason="Waited a week")
    OfferFactory(proposed_by=other_manager, manual_reason="Waited a week")
    client.force_login(manager)

    counts = _counts(client.get(HOME))

    assert counts["approvals"] == 1
    assert Offer.objects.filter(status=OfferStatus.PROPOSED).count() == 2
    assert mine.proposed_by == manager


def test_counts_refresh_in_place(client, agent):
    client.force_login(agent)

    home = client.get(HOME).content.decode()
    assert 'hx-get="/desk/counts/"' in home
    fragment = client.get("/desk/counts/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "desk-count" in fragment.content.decode()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_home_in_both_languages(client, agent, language):
    client.force_login(agent)
    client.cookies["django_language"] = language

    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'<html lang="{language}">' in html
