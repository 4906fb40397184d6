# ruff: noqa: F811  (pytest fixtures imported from test_workspace_fixtures)
"""Two agents on one ticket: the second one's stale send is held with the draft kept and the
new message shown; "send anyway" then keeps both replies. Presence shows who is there."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.desk.models import Presence
from apps.tickets.errors import TicketChanged
from apps.tickets.models import Message, MessageAuthor
from apps.tickets.services import ticket_reply
from tests.desk.test_workspace_fixtures import (  # noqa: F401  (fixtures)
    flash,
    late_ticket,
    newest_id,
    work_url,
)

pytestmark = pytest.mark.django_db


def _reply(client, ticket, body, seen):
    return client.post(
        work_url(ticket),
        {
            "op": "reply",
            "visibility": "public",
            "body": body,
            "seen_message_id": seen,
            "_send": "1",
        },
        HTTP_HX_REQUEST="true",
    )


def test_service_refuses_a_reply_written_over_a_newer_message(agent, other_agent, late_ticket):
    seen = newest_id(late_ticket)
    first = ticket_reply(
        ticket=late_ticket,
        body="First",
        author_kind=MessageAuthor.AGENT,
        author=other_agent,
        seen_message_id=seen,
    )
    with pytest.raises(TicketChanged) as caught:
        ticket_reply(
            ticket=late_ticket,
            body="Second",
            author_kind=MessageAuthor.AGENT,
            author=agent,
            seen_message_id=seen,
        )
    assert caught.value.extra["new_message_ids"] == [first.pk]
    assert not Message.objects.filter(body="Second").exists()


def test_second_agents_stale_send_is_held_then_sent_anyway(agent, other_agent, late_ticket):
    alice, bob = Client(), Client()
    alice.force_login(agent)
    bob.force_login(other_agent)
    alice.get(work_url(late_ticket))
    bob.get(work_url(late_ticket))
    seen = newest_id(late_ticket)

    assert _reply(alice, late_ticket, "Alice: it ships today.", seen).status_code == 200
    held = _reply(bob, late_ticket, "Bob: sorry for the wait.", seen)

    html = held.content.decode()
    assert held.status_code == 200  # in place (htmx swaps 2xx only); 409 without JavaScript
    assert "Alice wrote on this ticket while you were writing" in flash(held)[0]
    assert "Alice: it ships today." in html  # shown, marked new
    assert "ws-msg-new" in html
    assert "Bob: sorry for the wait.</textarea>" in html  # the draft is kept
    assert "Send anyway" in html
    assert not Message.objects.filter(body__startswith="Bob").exists()

    again = _reply(
        bob,
        late_ticket,
        "Bob: sorry for the wait.",
        held.context["reply_form"]["seen_message_id"].value(),
    )
    assert again.status_code == 200
    bodies = list(Message.objects.filter(ticket=late_ticket).values_list("body", flat=True))
    assert "Alice: it ships today." in bodies and "Bob: sorry for the wait." in bodies


def test_presence_shows_the_other_agent_on_the_page(client, agent, other_agent, late_ticket):
    Presence.objects.create(ticket=late_ticket, user=other_agent)
    client.force_login(agent)
    html = client.get(work_url(late_ticket)).content.decode()
    assert "Bob is viewing this ticket" in html


def test_old_presence_is_not_shown(client, agent, other_agent, late_ticket):
    Presence.objects.create(
        ticket=late_ticket, user=other_agent, seen_at=timezone.now() - timedelta(minutes=5)
    )
    client.force_login(agent)
    assert "Bob is" not in client.get(work_url(late_ticket)).content.decode()


def test_poll_while_writing_keeps_the_draft_guarded(client, agent, other_agent, late_ticket):
    seen = newest_id(late_ticket)
    Message.objects.create(
        ticket=late_ticket, author_kind="agent", author=other_agent, body="Bob answered"
    )
    client.force_login(agent)
    html = client.get(
        f"/desk/tickets/{late_ticket.pk}/poll/", {"after": seen, "composing": "1"}
    ).content.decode()
    assert "Bob answered" in html
    assert 'id="ws-seen"' not in html  # the form's seen id stays: the send will be held
    assert "A new message arrived while you were writing" in html
