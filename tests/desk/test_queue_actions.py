"""The desk queue's writes and live updates: bulk actions (Post/Redirect/Get, refusals as
messages), saved views (personal and shared, only the owner deletes), and the live endpoint."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from zeal import zeal_ignore

from apps.desk.models import SavedView
from apps.tickets.models import (
    Message,
    MessageAuthor,
    ReplyTemplate,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.services import ticket_open
from tests.factories import CustomerFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/desk/queue/"
LIVE = "/desk/queue/live/"
PER_TICKET_SERVICE_READS = [{"model": "tickets.Ticket", "field": "get()"}]


def _bulk(client, tickets, path=QUEUE, **data):
    with zeal_ignore(PER_TICKET_SERVICE_READS):
        return client.post(path, {"tickets": [t.pk for t in tickets], **data}, follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Bulk actions -------------------------------------------------------------------------------


def test_bulk_assign_to_me_redirects_back_to_the_same_filters(client, agent):
    tickets = TicketFactory.create_batch(3)
    client.force_login(agent)

    with zeal_ignore(PER_TICKET_SERVICE_READS):
        response = client.post(
            f"{QUEUE}?priority=2&assignee=anyone",
            {"tickets": [t.pk for t in tickets[:2]], "action": "assign_me"},
        )

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?priority=2&assignee=anyone"
    assert [t.assignee for t in Ticket.objects.order_by("pk")] == [agent, agent, None]
    assert TicketEvent.objects.filter(kind=TicketEventKind.ASSIGNED, actor=agent).count() == 2
    page = client.get(response["Location"])
    assert any("Assigned to you" in text for text in _messages(page))


def test_bulk_assign_to_an_agent_and_set_priority(client, agent, other_agent):
    tickets = TicketFactory.create_batch(2, priority=TicketPriority.LOW)
    client.force_login(agent)

    _bulk(client, tickets, action="assign_agent", agent=other_agent.pk)
    _bulk(client, tickets, action="set_priority", priority=TicketPriority.URGENT)

    assert {t.assignee for t in Ticket.objects.all()} == {other_agent}
    assert {t.priority for t in Ticket.objects.all()} == {TicketPriority.URGENT}


def test_bulk_assign_to_someone_who_is_no_agent_is_a_message(client, agent, stranger):
    ticket = TicketFactory()
    client.force_login(agent)

    response = _bulk(client, [ticket], action="assign_agent", agent=stranger.pk)

    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert _messages(response)


def test_bulk_resolve_with_a_template_in_each_tickets_language_refuses_the_rest(client, agent):
    english = ReplyTemplate.objects.create(
        name="Sorry", language="en", body="Sorry, {customer_name}.", resolves=True
    )
    english_ticket = TicketFactory(language="en", customer=CustomerFactory(name="Ann"))
    korean_ticket = TicketFactory(language="ko")
    closed = TicketFactory(
        language="en",
        status=TicketStatus.CLOSED,
        resolved_at=timezone.now(),
        closed_at=timezone.now(),
    )
    client.force_login(agent)

    response = _bulk(
        client,
        [english_ticket, korean_ticket, closed],
        action="resolve_with_template",
        template=english.pk,
    )

    english_ticket.refresh_from_db()
    korean_ticket.refresh_from_db()
    assert english_ticket.status == TicketStatus.RESOLVED
    assert Message.objects.get(ticket=english_ticket, author_kind=MessageAuthor.AGENT).body == (
        "Sorry, Ann."
    )
    assert korean_ticket.status == TicketStatus.NEW
    assert not Message.objects.filter(ticket=closed).exists()
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1
    assert korean_ticket.reference in errors[0] and closed.reference in errors[0]
    assert any("Replied and resolved" in text for text in _messages(response))


def test_bulk_without_its_choice_or_selection_changes_nothing(client, agent):
    ticket = TicketFactory(priority=TicketPriority.LOW)
    client.force_login(agent)

    no_priority = _bulk(client, [ticket], action="set_priority")
    nothing = client.post(QUEUE, {"action": "assign_me"}, follow=True)
    garbage = client.post(QUEUE, {"action": "assign_me", "tickets": ["x"]}, follow=True)

    ticket.refresh_from_db()
    assert ticket.priority == TicketPriority.LOW and ticket.assignee is None
    assert "Choose the priority to set." in _messages(no_priority)
    assert "Select at least one ticket." in _messages(nothing)
    assert "The selection is not valid." in _messages(garbage)


def test_bulk_needs_the_csrf_token(agent):
    ticket = TicketFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)

    assert browser.post(QUEUE, {"tickets": [ticket.pk], "action": "assign_me"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- Saved views --------------------------------------------------------------------------------


def test_save_a_personal_view_and_open_it(client, agent, other_agent):
    client.force_login(agent)

    response = client.post(
        "/desk/queue/views/",
        {"name": "Late CJ", "query": "priority=3&category=late&bogus=1&carrier=zzz"},
    )

    saved = SavedView.objects.get()
    assert (saved.owner, saved.name, saved.is_shared) == (agent, "Late CJ", False)
    # Checked through the filter form: unknown or bad parameters are not kept.
    assert saved.query == "priority=3&category=late"
    assert response.status_code == 302
    opened = client.get(QUEUE, {"view": saved.pk})
    assert opened.status_code == 302
    assert opened["Location"] == "?priority=3&category=late"
    page = client.get(QUEUE + opened["Location"])
    assert page.context["current_view"].pk == saved.pk
    assert "Late CJ" in page.content.decode()

    client.force_login(other_agent)
    assert "Late CJ" not in client.get(QUEUE).content.decode()
    assert client.get(QUEUE, {"view": saved.pk})["Location"] == QUEUE


def test_a_shared_view_is_visible_to_every_agent_but_only_its_owner_deletes_it(
    client, agent, other_agent
):
    client.force_login(agent)
    client.post("/desk/queue/views/", {"name": "Breached", "query": "sla=breached&assignee=anyone"})
    client.post("/desk/queue/views/", {"name": "Team", "query": "sla=breached", "is_shared": "on"})
    shared = SavedView.objects.get(name="Team")
    assert shared.is_shared

    client.force_login(other_agent)
    page = client.get(QUEUE)
    assert [view.name for view in page.context["saved_views"]] == ["Team"]
    html = page.content.decode()
    assert f"/desk/queue/views/{shared.pk}/delete/" not in html
    refused = client.post(f"/desk/queue/views/{shared.pk}/delete/", follow=True)
    assert SavedView.objects.filter(pk=shared.pk).exists()
    assert "Only the person who saved a view can delete it." in _messages(refused)

    client.force_login(agent)
    client.post(f"/desk/queue/views/{shared.pk}/delete/")
    assert not SavedView.objects.filter(pk=shared.pk).exists()


def test_saving_a_view_again_under_its_name_updates_it_and_a_blank_name_is_a_message(client, agent):
    client.force_login(agent)
    client.post("/desk/queue/views/", {"name": "Mine", "query": "assignee=mine"})
    client.post("/desk/queue/views/", {"name": "Mine", "query": "assignee=mine&sla=at_risk"})
    blank = client.post("/desk/queue/views/", {"name": "  ", "query": ""}, follow=True)

    assert SavedView.objects.get().query == "assignee=mine&sla=at_risk"
    assert _messages(blank)
    assert SavedView.objects.count() == 1


def test_a_stranger_cannot_save_views(client, stranger):
    client.force_login(stranger)

    assert client.post("/desk/queue/views/", {"name": "x"}).status_code == 403


# --- Live ---------------------------------------------------------------------------------------


def test_live_endpoint_returns_a_ticket_filed_after_the_page_was_drawn(client, agent):
    TicketFactory(reference="DD-OLD")
    client.force_login(agent)
    page = client.get(QUEUE)
    since = page.context["since"]

    assert client.get(LIVE, {"since": since}).status_code == 204

    ticket, _token = ticket_open(
        customer=CustomerFactory(), category="late", subject="Where is it?", body="Still nothing."
    )
    rows = client.get(LIVE, {"since": since, "rows": "1"})
    news = client.get(LIVE, {"since": since})

    assert rows.status_code == 200 and rows["X-Queue-Mode"] == "rows"
    assert ticket.reference in rows.content.decode()
    assert "DD-OLD" in rows.content.decode()
    assert rows["X-Queue-Since"] > since
    assert news["X-Queue-Mode"] == "news"
    assert "1 new or updated ticket" in news.content.decode()
    assert ticket.reference in news.content.decode()
    # Filters apply: a queue of someone else's tickets has nothing new.
    assert client.get(LIVE, {"since": since, "assignee": "mine"}).status_code == 204


def test_live_endpoint_sees_a_customer_reply(client, agent):
    ticket = TicketFactory(reference="DD-TALK", status=TicketStatus.OPEN)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    client.force_login(agent)
    assert client.get(LIVE, {"since": since}).status_code == 204

    ticket.refresh_from_db()
    ticket.last_customer_message_at = timezone.now()
    ticket.save(update_fields=["last_customer_message_at", "updated_at"])

    assert "DD-TALK" in client.get(LIVE, {"since": since}).content.decode()


def test_live_endpoint_refuses_a_bad_time(client, agent):
    client.force_login(agent)

    assert client.get(LIVE, {"since": "yesterday"}).status_code == 400
    assert client.get(LIVE, {"since": "2026-01-01T00:00:00"}).status_code == 400


def test_a_saved_view_with_a_bad_query_is_checked_when_opened(client, agent):
    saved = SavedView.objects.create(
        owner=agent, name="Old", query="priority=99&assignee=mine&cursor=zzz&q=%3Cb%3E"
    )
    client.force_login(agent)

    opened = client.get(QUEUE, {"view": saved.pk})

    assert opened["Location"] == "?assignee=mine&q=%3Cb%3E"
    assert client.get(QUEUE + opened["Location"]).status_code == 200


def test_view_only_staff_sees_the_queue_but_cannot_act(client):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_ticket"),
        Permission.objects.get(codename="view_ticketevent"),  # the desk's own gate
    )
    ticket = TicketFactory()
    client.force_login(viewer)

    page = client.get(QUEUE)
    refused = client.post(QUEUE, {"tickets": [ticket.pk], "action": "assign_me"})

    assert page.status_code == 200
    assert 'name="tickets"' not in page.content.decode()
    assert refused.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None
