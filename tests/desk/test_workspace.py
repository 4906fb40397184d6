# ruff: noqa: F811  (pytest fixtures imported from test_workspace_fixtures)
"""The ticket workspace at /desk/tickets/<id>/: the case beside its parcel, the customer's
history, notes apart, thumbnails, templates filled in place, answers in place, stale forms, and
a query count that does not grow with the conversation or the history."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.compensation.models import OfferStatus
from apps.desk.models import Presence
from apps.notifications.models import Notification
from apps.tickets.models import (
    Attachment,
    Message,
    MessageAuthor,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketStatus,
)
from tests.desk.test_workspace_fixtures import (  # noqa: F401  (fixtures)
    flash,
    late_ticket,
    newest_id,
    resolve_macro,
    template,
    work_url,
)
from tests.factories import (
    MessageFactory,
    OfferFactory,
    ShipmentFactory,
    SurveyResponseFactory,
    TicketFactory,
    TrackingEventFactory,
)

pytestmark = pytest.mark.django_db

INTERNAL_LABEL = "Internal note — not shown to the customer"


def _notified(ticket) -> set[str]:
    return set(
        Notification.objects.filter(subject_type="ticket", subject_id=ticket.pk).values_list(
            "stage", flat=True
        )
    )


def test_signed_out_goes_to_the_desk_login(client, late_ticket):
    response = client.get(work_url(late_ticket))
    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/")


def test_page_shows_conversation_parcel_estimate_and_tracking(client, agent, late_ticket):
    TrackingEventFactory(shipment=late_ticket.shipment, location="Daejeon hub")
    client.force_login(agent)

    response = client.get(work_url(late_ticket))
    html = response.content.decode()

    assert response.status_code == 200
    for text in ("DD-WORK1", "My parcel is late.", "CJ Logistics", "CJ555000111", "Daejeon hub"):
        assert text in html
    assert 'id="ws-estimate"' in html
    assert "30 hours late" in html


def test_ticket_timeline_is_drawn_when_unfolded(client, agent, late_ticket):
    TicketEvent.objects.create(
        ticket=late_ticket,
        kind=TicketEventKind.STATUS_CHANGED,
        actor=agent,
        from_value="new",
        to_value="pending_customer",
        note="asked for a photo",
    )
    client.force_login(agent)
    page = client.get(work_url(late_ticket)).content.decode()
    assert f'hx-get="/desk/tickets/{late_ticket.pk}/events/"' in page

    part = client.get(f"/desk/tickets/{late_ticket.pk}/events/", HTTP_HX_REQUEST="true")
    html = part.content.decode()
    assert "New → Waiting for the customer" in html
    assert "asked for a photo" in html and "Alice" in html
    assert client.get(f"/desk/tickets/{late_ticket.pk}/events/").status_code == 200


def test_internal_notes_are_apart_and_labelled(client, agent, late_ticket):
    MessageFactory(
        ticket=late_ticket, author_kind=MessageAuthor.AGENT, author=agent, body="We are on it."
    )
    MessageFactory(
        ticket=late_ticket,
        author_kind=MessageAuthor.AGENT,
        author=agent,
        is_internal=True,
        body="Hub in Daejeon is jammed.",
    )
    client.force_login(agent)

    html = client.get(work_url(late_ticket)).content.decode()

    items = re.findall(r'<li id="ws-m\d+" class="([^"]*)"[^>]*>(.*?)</li>\n', html, re.DOTALL)
    classes = {
        body: cls for cls, content in items for body in ("on it", "jammed") if body in content
    }
    assert "ws-msg-internal" in classes["jammed"]
    assert "ws-msg-internal" not in classes["on it"]
    assert html.count(INTERNAL_LABEL) == 1


def test_internal_note_is_not_sent_to_the_customer(client, agent, late_ticket):
    client.force_login(agent)
    response = client.post(
        work_url(late_ticket),
        {
            "op": "reply",
            "visibility": "internal",
            "body": "Carrier says Friday.",
            "seen_message_id": newest_id(late_ticket),
            "_send": "1",
        },
    )
    assert response.status_code == 302
    note = Message.objects.get(body="Carrier says Friday.")
    assert note.is_internal
    assert "agent_replied" not in _notified(late_ticket)


def test_public_reply_is_sent_and_told(client, agent, late_ticket):
    client.force_login(agent)
    response = client.post(
        work_url(late_ticket),
        {
            "op": "reply",
            "visibility": "public",
            "body": "It arrives Friday.",
            "seen_message_id": newest_id(late_ticket),
            "_send": "1",
        },
    )
    assert response.status_code == 302
    assert Message.objects.filter(body="It arrives Friday.", is_internal=False).exists()
    assert "agent_replied" in _notified(late_ticket)


def test_reply_in_place_with_htmx_answers_the_page_body(client, agent, late_ticket):
    client.force_login(agent)
    response = client.post(
        work_url(late_ticket),
        {
            "op": "reply",
            "visibility": "public",
            "body": "In place.",
            "seen_message_id": newest_id(late_ticket),
            "_send": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "In place." in html
    assert "Reply sent to the customer." in flash(response)


def test_double_submit_sends_once(client, agent, late_ticket):
    client.force_login(agent)
    data = {
        "op": "reply",
        "visibility": "public",
        "body": "Only once.",
        "seen_message_id": newest_id(late_ticket),
        "_send": "1",
    }
    client.post(work_url(late_ticket), data)
    second = client.post(work_url(late_ticket), data, HTTP_HX_REQUEST="true")

    assert Message.objects.filter(body="Only once.").count() == 1
    assert "This reply was already sent." in flash(second)


def test_image_attachments_are_thumbnails_other_files_chips(client, agent, late_ticket):
    message = MessageFactory(ticket=late_ticket, body="Photo and receipt")
    image = Attachment.objects.create(
        message=message,
        file="attachments/x.png",
        stored_name="x.png",
        original_name="box.png",
        content_type="image/png",
        size=2048,
    )
    pdf = Attachment.objects.create(
        message=message,
        file="attachments/y.pdf",
        stored_name="y.pdf",
        original_name="receipt.pdf",
        content_type="application/pdf",
        size=4096,
    )
    client.force_login(agent)

    html = client.get(work_url(late_ticket)).content.decode()

    assert re.search(rf'<img src="/desk-files/attachments/{image.pk}/" alt="box.png"', html)
    assert f'<a href="/desk-files/attachments/{pdf.pk}/">receipt.pdf</a>' in html
    assert '<span class="ws-chip-kind">PDF</span>' in html
    assert "4.0\xa0KB" in html
    assert "/media/" not in html


def test_template_text_is_filled_for_insertion(client, agent, late_ticket, template):
    client.force_login(agent)
    response = client.get(f"/desk/tickets/{late_ticket.pk}/template/", {"template": template.pk})
    assert response.json() == {
        "text": "Dear Kim Minji, your parcel CJ555000111 with CJ Logistics is late."
    }


def test_template_offered_and_inserted_without_javascript(client, agent, late_ticket, template):
    client.force_login(agent)
    page = client.get(work_url(late_ticket))
    assert "Late: new estimate" in page.content.decode()

    response = client.post(
        work_url(late_ticket),
        {
            "op": "reply",
            "visibility": "public",
            "template": template.pk,
            "body": "",
            "seen_message_id": newest_id(late_ticket),
            "_use_template": "1",
        },
    )
    assert response.status_code == 200
    assert response.context["preview"].startswith("Dear Kim Minji, your parcel CJ555000111")
    assert not Message.objects.filter(body__startswith="Dear").exists()


def test_send_with_placeholders_shows_the_filled_preview_first(client, agent, late_ticket):
    client.force_login(agent)
    response = client.post(
        work_url(late_ticket),
        {
            "op": "reply",
            "visibility": "public",
            "body": "Hi {customer_name}",
            "seen_message_id": newest_id(late_ticket),
            "_send": "1",
        },
    )
    assert response.context["preview"] == "Hi Kim Minji"
    assert not Message.objects.filter(body__startswith="Hi").exists()


def test_stale_status_form_gets_a_clear_message_and_changes_nothing(
    client, agent, other_agent, late_ticket
):
    client.force_login(agent)
    # Someone else put the ticket on hold after this page was drawn.
    Ticket.objects.filter(pk=late_ticket.pk).update(status=TicketStatus.PENDING_CUSTOMER)

    response = client.post(
        work_url(late_ticket),
        {
            "op": "transition",
            "to_status": "resolved",
            "expected_status": "open",
            "note": "done by phone",
        },
    )
    assert response.status_code == 409
    assert "its status is now Waiting for the customer" in " ".join(flash(response))
    assert Ticket.objects.get(pk=late_ticket.pk).status == TicketStatus.PENDING_CUSTOMER
    assert 'value="done by phone"' in response.content.decode()


def test_stale_priority_form_is_refused(client, agent, late_ticket):
    client.force_login(agent)
    Ticket.objects.filter(pk=late_ticket.pk).update(priority=4)
    response = client.post(
        work_url(late_ticket), {"op": "priority", "priority": 1, "expected_priority": 2}
    )
    assert response.status_code == 409
    assert Ticket.objects.get(pk=late_ticket.pk).priority == 4


def test_status_priority_assign_in_place(client, agent, late_ticket):
    client.force_login(agent)
    url = work_url(late_ticket)
    client.post(url, {"op": "priority", "priority": 3, "expected_priority": 2})
    client.post(url, {"op": "assign", "assignee": agent.pk, "expected_assignee": ""})
    response = client.post(
        url,
        {"op": "transition", "to_status": "resolved", "expected_status": "open"},
        HTTP_HX_REQUEST="true",
    )
    ticket = Ticket.objects.get(pk=late_ticket.pk)
    assert (ticket.priority, ticket.assignee, ticket.status) == (3, agent, "resolved")
    assert response.status_code == 200
    assert "Status: Resolved." in flash(response)


def test_unknown_operation_and_bad_input_are_messages(client, agent, late_ticket):
    client.force_login(agent)
    assert client.post(work_url(late_ticket), {"op": "nope"}).status_code == 400
    assert (
        client.post(work_url(late_ticket), {"op": "priority", "priority": "x"}).status_code == 400
    )


def test_view_only_user_cannot_act(client, stranger, late_ticket):
    client.force_login(stranger)
    assert client.get(work_url(late_ticket)).status_code == 403


def test_customer_history_shows_tickets_parcels_compensation_scores(client, agent, late_ticket):
    customer = late_ticket.customer
    older = TicketFactory(customer=customer, reference="DD-OLD01", subject="Broken box")
    ShipmentFactory(customer=customer, tracking_number="HJ999")
    OfferFactory(shipment=late_ticket.shipment, status=OfferStatus.ACCEPTED)
    SurveyResponseFactory(survey__ticket=older, csat=2, comment="Slow answer")
    client.force_login(agent)

    page = client.get(work_url(late_ticket)).content.decode()
    assert f'hx-get="/desk/tickets/{late_ticket.pk}/history/" hx-trigger="load"' in page
    part = client.get(f"/desk/tickets/{late_ticket.pk}/history/", HTTP_HX_REQUEST="true")
    whole = client.get(f"/desk/tickets/{late_ticket.pk}/history/")  # without JavaScript

    for html in (part.content.decode(), whole.content.decode()):
        for text in ("DD-OLD01", "HJ999", "₩3,000", "Satisfaction 2/5", "Slow answer"):
            assert text in html
    assert "<html" not in part.content.decode()


@pytest.mark.parametrize("size", [10, 60])
def test_history_query_count_is_constant(
    client, agent, late_ticket, size, django_assert_num_queries
):
    customer = late_ticket.customer
    for _ in range(size):
        ticket = TicketFactory(customer=customer)
        OfferFactory(shipment=ticket.shipment, status=OfferStatus.ISSUED)
        SurveyResponseFactory(survey__ticket=ticket)
    client.force_login(agent)
    # session, user, permissions (2), the ticket; other tickets, parcels, offers, scores.
    with django_assert_num_queries(9):
        response = client.get(f"/desk/tickets/{late_ticket.pk}/history/", HTTP_HX_REQUEST="true")
    assert len(response.context["history"].tickets) == 8


def _big_history(ticket, size, agent):
    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            ticket=ticket,
            author_kind=("customer", "agent")[index % 2],
            author=agent if index % 2 else None,
            is_internal=index % 4 == 3,
            body=f"message {index}",
            created_at=now + timedelta(seconds=index),
        )
        for index in range(size)
    )
    Attachment.objects.bulk_create(
        Attachment(
            message=message,
            file="attachments/a.png",
            stored_name="a.png",
            original_name="a.png",
            content_type="image/png",
            size=10,
        )
        for message in Message.objects.filter(ticket=ticket)[:size]
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=ticket, kind=TicketEventKind.NOTE_ADDED, actor=agent)
        for _ in range(size)
    )
    for _ in range(min(size, 40)):
        # The customer's other tickets (the page shows the newest few in one query).
        TicketFactory(customer=ticket.customer)


@pytest.mark.parametrize("size", [10, 500])
def test_page_query_count_is_constant(
    client, agent, late_ticket, resolve_macro, size, django_assert_num_queries
):
    _big_history(late_ticket, size, agent)
    client.force_login(agent)
    client.get(work_url(late_ticket))

    # session, user, permissions (2); the ticket, its messages, their attachments, its delivery
    # changes; reply templates, agents, macros, scans, offers, the others present. The GET
    # writes nothing (presence is the poll's); the customer's history and the ticket's own
    # timeline come after the page, each in a request of its own.
    with django_assert_num_queries(QUERIES):
        response = client.get(work_url(late_ticket))

    assert response.status_code == 200
    assert len(response.context["conversation"]) == size + 1


QUERIES = 14


def test_poll_shows_presence_and_new_messages(client, agent, other_agent, late_ticket):
    Presence.objects.create(ticket=late_ticket, user=other_agent, is_composing=True)
    seen = newest_id(late_ticket)
    new = MessageFactory(ticket=late_ticket, body="Any news?")
    client.force_login(agent)

    response = client.get(
        f"/desk/tickets/{late_ticket.pk}/poll/", {"after": seen, "composing": "0"}
    )
    html = response.content.decode()

    assert "Bob is writing a reply" in html
    assert "Any news?" in html
    assert f'id="ws-after" value="{new.pk}"' in html
    assert Presence.objects.get(ticket=late_ticket, user=agent).is_composing is False


def test_poll_query_count_is_small(client, agent, late_ticket, django_assert_max_num_queries):
    client.force_login(agent)
    client.get(f"/desk/tickets/{late_ticket.pk}/poll/", {"after": newest_id(late_ticket)})
    # session, user, permissions (2), the ticket, presence (one UPDATE), new messages, their
    # attachments, the others present.
    with django_assert_max_num_queries(9):
        client.get(f"/desk/tickets/{late_ticket.pk}/poll/", {"after": newest_id(late_ticket)})


def test_next_and_previous_follow_sla_due_among_open_tickets(client, agent, late_ticket):
    due = late_ticket.resolution_due_at
    later = TicketFactory(status="open", resolution_due_at=due + timedelta(hours=1))
    TicketFactory(
        status="resolved",
        resolved_at=timezone.now(),
        resolution_due_at=due + timedelta(minutes=30),
    )
    earlier = TicketFactory(status="new", resolution_due_at=due - timedelta(hours=1))
    client.force_login(agent)

    assert client.get(f"/desk/tickets/{late_ticket.pk}/next/")["Location"] == work_url(later)
    assert client.get(f"/desk/tickets/{late_ticket.pk}/previous/")["Location"] == work_url(earlier)
