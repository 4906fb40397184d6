"""One ticket's workspace at /admin/tickets/ticket/<id>/work/: the conversation with notes apart,
the parcel, reply templates previewed and sent, assignment, status, priority, links, delivery
changes, permissions, escaping and its query budget."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import Notification
from apps.shipments.models import DelayReason, ShipmentStatus
from apps.tickets.models import (
    Attachment,
    DeliveryChangeRequest,
    DeliveryChangeStatus,
    Message,
    MessageAuthor,
    ReplyTemplate,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.queue import reply_templates_for_ticket
from tests.factories import (
    CarrierFactory,
    CustomerFactory,
    MessageFactory,
    ShipmentFactory,
    TicketFactory,
    TrackingEventFactory,
    UserFactory,
    token_for,
)

pytestmark = pytest.mark.django_db

INTERNAL_LABEL = "Internal note — not shown to the customer"


def _work(ticket) -> str:
    return reverse("admin:tickets_ticket_work", args=[ticket.pk])


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def _notified(ticket) -> set[str]:
    return set(
        Notification.objects.filter(subject_type="ticket", subject_id=ticket.pk).values_list(
            "stage", flat=True
        )
    )


@pytest.fixture
def late_ticket(db):
    """A late parcel's ticket: delayed at the carrier, with a new estimate and a few scans."""
    now = timezone.now()
    carrier = CarrierFactory(code="cj", name="CJ Logistics")
    customer = CustomerFactory(name="Kim Minji", email="minji@example.com")
    shipment = ShipmentFactory(
        carrier=carrier,
        customer=customer,
        tracking_number="CJ555000111",
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=now,
        delay_hours=30,
        estimate_start=now + timedelta(days=2),
        estimate_end=now + timedelta(days=2, hours=2),
    )
    return TicketFactory(
        reference="DD-WORK1",
        subject="Where is my parcel?",
        customer=customer,
        shipment=shipment,
        category=TicketCategory.LATE,
        language="en",
        status=TicketStatus.OPEN,
    )


# --- Reading the case ---------------------------------------------------------------------------


def test_public_replies_and_internal_notes_are_shown_apart(client, agent, late_ticket):
    MessageFactory(ticket=late_ticket, body="My parcel is late.")
    MessageFactory(
        ticket=late_ticket, author_kind=MessageAuthor.AGENT, author=agent, body="We are on it."
    )
    MessageFactory(
        ticket=late_ticket,
        author_kind=MessageAuthor.AGENT,
        author=agent,
        is_internal=True,
        body="Carrier hub in Daejeon is jammed.",
    )
    client.force_login(agent)

    html = client.get(_work(late_ticket)).content.decode()

    items = re.findall(r'<li class="desk-message ([^"]*)">(.*?)</li>', html, re.DOTALL)
    by_body = {
        body: classes
        for classes, content in items
        for body in ("My parcel is late.", "We are on it.", "Carrier hub in Daejeon is jammed.")
        if body in content
    }
    assert "desk-message-internal" in by_body["Carrier hub in Daejeon is jammed."]
    assert "desk-message-internal" not in by_body["We are on it."]
    assert "desk-message-customer" in by_body["My parcel is late."]
    assert html.count(INTERNAL_LABEL) == 1
    note = next(content for _, content in items if "Daejeon" in content)
    assert INTERNAL_LABEL in note


def test_attachments_link_to_the_checked_download(client, agent, late_ticket):
    message = MessageFactory(ticket=late_ticket, body="Photo of the box")
    attachment = Attachment.objects.create(
        message=message,
        file="attachments/x.png",
        stored_name="x.png",
        original_name="box.png",
        content_type="image/png",
        size=2048,
    )
    client.force_login(agent)

    html = client.get(_work(late_ticket)).content.decode()

    assert f'<a href="/desk-files/attachments/{attachment.pk}/">box.png</a>' in html
    assert "/media/" not in html


def test_parcel_panel_shows_status_promise_estimate_delay_timeline_and_messages_sent(
    client, agent, late_ticket
):
    shipment = late_ticket.shipment
    now = timezone.now()
    TrackingEventFactory(
        shipment=shipment, location="Seoul hub", occurred_at=now - timedelta(days=2)
    )
    TrackingEventFactory(
        shipment=shipment,
        location="Daejeon hub",
        status=ShipmentStatus.IN_TRANSIT,
        occurred_at=now - timedelta(hours=3),
    )
    Notification.objects.create(
        channel="email",
        recipient="minji@example.com",
        stage="delayed",
        subject_type="shipment",
        subject_id=shipment.pk,
        dedupe_key=f"shipment:{shipment.pk}:delayed:email",
    )
    client.force_login(agent)

    html = client.get(_work(late_ticket)).content.decode()

    for text in (
        "CJ Logistics",
        "CJ555000111",
        "In transit",
        "Carrier over capacity",
        "30 hours late",
        ">Carrier<",  # the fault
        "minji@example.com",
        "delayed",
    ):
        assert text in html
    # Newest scan first.
    assert html.index("Daejeon hub") < html.index("Seoul hub")


def test_full_timeline_of_events_is_shown(client, agent, late_ticket):
    TicketEvent.objects.create(ticket=late_ticket, kind=TicketEventKind.CREATED, to_value="new")
    TicketEvent.objects.create(
        ticket=late_ticket,
        kind=TicketEventKind.STATUS_CHANGED,
        actor=agent,
        from_value="new",
        to_value="open",
        note="picked up",
    )
    client.force_login(agent)

    response = client.get(_work(late_ticket))

    assert [row[0].kind for row in response.context["timeline"]] == ["created", "status_changed"]
    html = response.content.decode()
    assert "picked up" in html
    # Statuses in words, as the desk names them.
    assert "<td>New</td>\n              <td>Open</td>" in html


def test_ticket_without_a_parcel_opens_and_its_templates_fill_in(client, agent):
    ticket = TicketFactory(shipment=None, customer=CustomerFactory(name="Lee Jun"))
    template = _template(body="Hi {customer_name}, parcel: {tracking_number}.")
    client.force_login(agent)

    page = client.get(_work(ticket))
    preview = client.post(
        _work(ticket),
        {"op": "reply", "visibility": "public", "template": template.pk, "_use_template": "1"},
    )

    assert page.status_code == 200
    assert "No parcel is linked to this ticket." in page.content.decode()
    assert preview.context["preview"] == "Hi Lee Jun, parcel: ."


def test_unknown_ticket_is_404(client, agent):
    client.force_login(agent)

    assert client.get(reverse("admin:tickets_ticket_work", args=[999999])).status_code == 404


# --- Reply templates ------------------------------------------------------------------------------


def test_templates_fitting_the_ticket_come_first_most_specific_first(late_ticket):
    def template(name, **fields):
        return ReplyTemplate.objects.create(name=name, body="x", **{"language": "en", **fields})

    template("A any")
    template("B late", category="late")
    template("C late at capacity", category="late", delay_reason="capacity")
    template("D korean", language="ko", category="late")
    template("E lost", category="lost")
    template("F weather", delay_reason="weather")
    template("G off", is_active=False)

    offered = reply_templates_for_ticket(ticket=late_ticket)

    assert [(t.name, t.fits) for t in offered] == [
        ("C late at capacity", True),
        ("B late", True),
        ("A any", True),
        ("D korean", False),
        ("E lost", False),
        ("F weather", False),
    ]


def _template(**fields):
    return ReplyTemplate.objects.create(
        **{
            "name": "Late: new estimate",
            "language": "en",
            "category": "late",
            "body": (
                "Hello {customer_name},\n"
                "{reference}: your parcel {tracking_number} with {carrier} is late "
                "({delay_reason}). New estimate: {new_estimate}.\n"
                "Follow it here: {ticket_link} {unknown}"
            ),
            **fields,
        }
    )


def test_template_preview_fills_the_placeholders_and_sends_nothing(client, agent, late_ticket):
    template = _template()
    client.force_login(agent)

    response = client.post(
        _work(late_ticket),
        {"op": "reply", "visibility": "public", "template": template.pk, "_use_template": "1"},
    )

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.startswith("Hello Kim Minji,\nDD-WORK1: your parcel CJ555000111 with CJ ")
    assert "(Carrier over capacity)" in preview
    assert "New estimate: " in preview and "{new_estimate}" not in preview
    # The link is minted by the outbox into each message sent; unknown braces stay as typed.
    assert "Follow it here: {ticket_link} {unknown}" in preview
    assert response.context["reply_form"]["body"].value() == preview
    assert not Message.objects.filter(ticket=late_ticket).exists()
    assert not Notification.objects.exists()


def test_preview_fills_placeholders_typed_into_the_body(client, agent, late_ticket):
    client.force_login(agent)

    response = client.post(
        _work(late_ticket),
        {"op": "reply", "visibility": "public", "body": "Dear {customer_name}", "_preview": "1"},
    )

    assert response.context["preview"] == "Dear Kim Minji"


def test_preview_escapes_hostile_values(client, agent, late_ticket):
    late_ticket.customer.name = '<script>alert("x")</script>{reference}'
    late_ticket.customer.save()
    template = _template(body="Hi {customer_name}")
    client.force_login(agent)

    response = client.post(
        _work(late_ticket),
        {"op": "reply", "visibility": "public", "template": template.pk, "_use_template": "1"},
    )

    html = response.content.decode()
    # Filled in one pass: a value that looks like a placeholder is not filled again.
    assert response.context["preview"] == 'Hi <script>alert("x")</script>{reference}'
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;{reference}" in html


def test_send_with_unfilled_placeholders_shows_the_filled_text_first(client, agent, late_ticket):
    client.force_login(agent)

    response = client.post(
        _work(late_ticket),
        {"op": "reply", "visibility": "public", "body": "Hi {customer_name}", "_send": "1"},
    )

    assert response.status_code == 200
    assert response.context["preview"] == "Hi Kim Minji"
    assert not Message.objects.filter(ticket=late_ticket).exists()


# --- Replying -----------------------------------------------------------------------------------


def test_send_reply_stores_it_and_queues_the_customer_notification(client, agent, late_ticket):
    client.force_login(agent)

    response = client.post(
        _work(late_ticket),
        {
            "op": "reply",
            "visibility": "public",
            "body": "Hi Kim Minji, it arrives on Friday. {ticket_link}",
            "_send": "1",
        },
        follow=True,
    )

    message = Message.objects.get(ticket=late_ticket)
    assert (message.author_kind, message.author, message.is_internal) == ("agent", agent, False)
    assert message.body == "Hi Kim Minji, it arrives on Friday. {ticket_link}"
    assert _notified(late_ticket) == {"agent_replied"}
    late_ticket.refresh_from_db()
    assert late_ticket.first_responded_at is not None
    assert response.redirect_chain[-1][0] == _work(late_ticket)
    assert "Reply sent to the customer." in _messages(response)


def test_internal_note_is_stored_and_the_customer_is_not_told(client, agent, late_ticket):
    client.force_login(agent)

    client.post(
        _work(late_ticket),
        {"op": "reply", "visibility": "internal", "body": "Called the hub.", "_send": "1"},
    )

    message = Message.objects.get(ticket=late_ticket)
    assert message.is_internal
    assert not Notification.objects.exists()
    late_ticket.refresh_from_db()
    assert late_ticket.first_responded_at is None


def test_send_and_resolve(client, agent, late_ticket):
    client.force_login(agent)

    client.post(
        _work(late_ticket),
        {"op": "reply", "visibility": "public", "body": "Delivered today.", "_send_resolve": "1"},
    )

    late_ticket.refresh_from_db()
    assert late_ticket.status == TicketStatus.RESOLVED
    assert Message.objects.get(ticket=late_ticket).body == "Delivered today."
    # One message to the customer: the reply and the resolution together.
    assert _notified(late_ticket) == {"replied_resolved"}
    sent = Notification.objects.filter(subject_type="ticket", subject_id=late_ticket.pk)
    assert sent.count() == 1


def test_empty_reply_is_refused_with_the_services_message(client, agent, late_ticket):
    client.force_login(agent)

    response = client.post(
        _work(late_ticket),
        {"op": "reply", "visibility": "public", "body": "   ", "_send": "1"},
        follow=True,
    )

    assert "A message cannot be empty." in _errors(response)
    assert not Message.objects.exists()


def test_reply_to_a_closed_ticket_is_refused_not_a_500(client, agent):
    now = timezone.now()
    closed = TicketFactory(status=TicketStatus.CLOSED, resolved_at=now, closed_at=now)
    client.force_login(agent)

    response = client.post(
        _work(closed),
        {"op": "reply", "visibility": "public", "body": "Hi", "_send": "1"},
        follow=True,
    )

    assert response.status_code == 200
    assert "This request is closed. Please open a new one." in _errors(response)


# --- Handling -----------------------------------------------------------------------------------


def test_assign_to_an_agent_and_back_to_nobody(client, agent, other_agent, late_ticket):
    client.force_login(agent)

    client.post(_work(late_ticket), {"op": "assign", "assignee": other_agent.pk})
    late_ticket.refresh_from_db()
    assigned_to = late_ticket.assignee
    client.post(_work(late_ticket), {"op": "assign", "assignee": ""})
    late_ticket.refresh_from_db()

    assert assigned_to == other_agent
    assert late_ticket.assignee is None
    events = TicketEvent.objects.filter(ticket=late_ticket, kind=TicketEventKind.ASSIGNED)
    assert [(e.from_value, e.to_value, e.actor) for e in events] == [
        ("", "bob", agent),
        ("bob", "", agent),
    ]


def test_assignee_picker_offers_active_agents_and_managers_only(
    client, agent, other_agent, manager, stranger, late_ticket
):
    UserFactory(username="gone", is_active=False).groups.set(agent.groups.all())
    client.force_login(agent)

    form = client.get(_work(late_ticket)).context["assign_form"]

    offered = [label for value, label in form.fields["assignee"].choices if value]
    assert offered == ["Alice", "Bob", "Carol"]


def test_only_legal_moves_are_offered(client, agent, late_ticket):
    client.force_login(agent)

    response = client.get(_work(late_ticket))

    assert response.context["legal_moves"] == [
        ("pending_customer", "Waiting for the customer"),
        ("resolved", "Resolved"),
    ]
    html = response.content.decode()
    assert '<option value="pending_customer">' in html
    assert '<option value="closed">' not in html


def test_legal_status_change_is_made_and_audited(client, agent, late_ticket):
    client.force_login(agent)

    response = client.post(
        _work(late_ticket),
        {"op": "transition", "to_status": "pending_customer", "note": "asked for the address"},
        follow=True,
    )

    late_ticket.refresh_from_db()
    assert late_ticket.status == TicketStatus.PENDING_CUSTOMER
    event = TicketEvent.objects.get(ticket=late_ticket, kind=TicketEventKind.STATUS_CHANGED)
    assert (event.actor, event.note) == (agent, "asked for the address")
    assert _notified(late_ticket) == {"status_pending_customer"}
    assert not _errors(response)


@pytest.mark.parametrize("to_status", ["closed", "new", "open"])
def test_illegal_status_change_shows_the_services_reason(client, agent, late_ticket, to_status):
    client.force_login(agent)

    response = client.post(
        _work(late_ticket), {"op": "transition", "to_status": to_status}, follow=True
    )

    assert response.status_code == 200
    assert _errors(response) == [f"A ticket cannot move from 'open' to '{to_status}'."]
    late_ticket.refresh_from_db()
    assert late_ticket.status == TicketStatus.OPEN
    assert not TicketEvent.objects.filter(ticket=late_ticket).exists()


def test_unknown_status_is_refused_without_a_500(client, agent, late_ticket):
    client.force_login(agent)

    response = client.post(
        _work(late_ticket), {"op": "transition", "to_status": "teleported"}, follow=True
    )

    assert response.status_code == 200
    assert _errors(response)


def test_priority_change(client, agent, late_ticket):
    client.force_login(agent)

    client.post(_work(late_ticket), {"op": "priority", "priority": TicketPriority.URGENT})

    late_ticket.refresh_from_db()
    assert late_ticket.priority == TicketPriority.URGENT
    assert TicketEvent.objects.filter(kind=TicketEventKind.PRIORITY_CHANGED, actor=agent).exists()


def test_send_a_new_link_retires_the_old_one_and_tells_the_customer(client, agent, late_ticket):
    old_hash = late_ticket.token_hash
    client.force_login(agent)

    response = client.post(_work(late_ticket), {"op": "link_reissue"}, follow=True)

    late_ticket.refresh_from_db()
    assert late_ticket.token_hash != old_hash
    assert _notified(late_ticket) == {"link_reissued"}
    assert TicketEvent.objects.filter(kind=TicketEventKind.LINK_REISSUED, actor=agent).exists()
    assert late_ticket.token_hash not in response.content.decode()


def test_revoke_links(client, agent, late_ticket):
    client.force_login(agent)

    client.post(_work(late_ticket), {"op": "links_revoke"})

    late_ticket.refresh_from_db()
    assert late_ticket.token_revoked_at is not None
    assert client.get(reverse("portal:ticket", args=[token_for("DD-WORK1")])).status_code == 404


def test_unknown_operation_is_refused(client, agent, late_ticket):
    client.force_login(agent)

    response = client.post(_work(late_ticket), {"op": "delete_everything"}, follow=True)

    assert _errors(response) == ["Unknown action."]


def test_delivery_change_is_marked_arranged_and_the_agent_returns_to_the_ticket(
    client, agent, late_ticket
):
    change = DeliveryChangeRequest.objects.create(
        ticket=late_ticket, kind="safe_place", place="Behind the plant pot"
    )
    client.force_login(agent)
    html = client.get(_work(late_ticket)).content.decode()
    action = reverse("admin:tickets_deliverychangerequest_change", args=[change.pk])
    assert f'action="{action}"' in html

    response = client.post(
        action, {"status": "arranged", "_save": "1", "_return_to_ticket": "1"}, follow=True
    )

    change.refresh_from_db()
    assert change.status == DeliveryChangeStatus.ARRANGED
    assert response.redirect_chain[-1][0] == _work(late_ticket)
    assert "Delivery change: Arranged with the carrier." in _messages(response)


# --- Permissions, CSRF, escaping ----------------------------------------------------------------


def test_staff_without_ticket_permissions_gets_403(client, stranger, late_ticket):
    client.force_login(stranger)

    assert client.get(_work(late_ticket)).status_code == 403
    assert client.post(_work(late_ticket), {"op": "links_revoke"}).status_code == 403
    late_ticket.refresh_from_db()
    assert late_ticket.token_revoked_at is None


def test_view_only_staff_reads_but_cannot_act(client, late_ticket):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    client.force_login(viewer)

    page = client.get(_work(late_ticket))
    refused = client.post(_work(late_ticket), {"op": "priority", "priority": 4})

    assert page.status_code == 200
    assert 'name="op"' not in page.content.decode()
    assert refused.status_code == 403


def test_writes_need_the_csrf_token(agent, late_ticket):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)

    response = browser.post(_work(late_ticket), {"op": "priority", "priority": 4})

    assert response.status_code == 403
    late_ticket.refresh_from_db()
    assert late_ticket.priority == TicketPriority.NORMAL


def test_hostile_text_is_escaped_everywhere(client, agent, late_ticket):
    hostile = '<script>alert("x")</script>'
    late_ticket.subject = hostile
    late_ticket.save()
    late_ticket.customer.name = hostile
    late_ticket.customer.save()
    message = MessageFactory(ticket=late_ticket, body=f"{hostile}\nsecond line")
    Attachment.objects.create(
        message=message,
        file="attachments/x.png",
        stored_name="x.png",
        original_name=f"{hostile}.png",
        content_type="image/png",
        size=10,
    )
    TicketEvent.objects.create(ticket=late_ticket, kind=TicketEventKind.CREATED, note=hostile)
    DeliveryChangeRequest.objects.create(
        ticket=late_ticket, kind="neighbour", place=hostile, note=hostile
    )
    TrackingEventFactory(shipment=late_ticket.shipment, location=hostile, message=hostile)
    client.force_login(agent)

    html = client.get(_work(late_ticket)).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>second line" in html


# --- Reply templates admin ----------------------------------------------------------------------


def test_manager_adds_a_reply_template(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("admin:tickets_replytemplate_add"),
        {
            "name": "Capacity delay",
            "language": "en",
            "category": "late",
            "delay_reason": "capacity",
            "body": "Hello {customer_name}, {ticket_link}",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert ReplyTemplate.objects.get().delay_reason == "capacity"


def test_template_with_a_misspelt_placeholder_is_refused(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("admin:tickets_replytemplate_add"),
        {"name": "Typo", "language": "en", "body": "Hello {custmer_name}", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "{custmer_name}" in str(response.context["adminform"].form.errors["body"])
    assert not ReplyTemplate.objects.exists()


def test_agent_reads_templates_but_cannot_edit_them(client, agent):
    template = _template()
    client.force_login(agent)

    assert client.get(reverse("admin:tickets_replytemplate_changelist")).status_code == 200
    response = client.post(
        reverse("admin:tickets_replytemplate_change", args=[template.pk]),
        {"name": "Changed", "language": "en", "body": "x"},
    )
    assert response.status_code == 403


# --- Query budget -------------------------------------------------------------------------------


def _busy_ticket(size, *, agent, ticket):
    now = timezone.now()
    for index in range(size):
        message = MessageFactory(
            ticket=ticket,
            author_kind=("customer", "agent")[index % 2],
            author=agent if index % 2 else None,
            is_internal=index % 4 == 3,
            created_at=now + timedelta(minutes=index),
        )
        Attachment.objects.create(
            message=message,
            file=f"attachments/{index}.png",
            stored_name=f"{index}.png",
            original_name=f"{index}.png",
            content_type="image/png",
            size=10,
        )
        TicketEvent.objects.create(ticket=ticket, kind=TicketEventKind.NOTE_ADDED, actor=agent)
        TrackingEventFactory(shipment=ticket.shipment, occurred_at=now - timedelta(hours=index))
        DeliveryChangeRequest.objects.create(ticket=ticket, kind="safe_place", place="Door")
        _template(name=f"Template {index}")


@pytest.mark.parametrize("size", [5, 50])
def test_workspace_query_count_does_not_grow(
    client, agent, late_ticket, size, django_assert_max_num_queries
):
    _busy_ticket(size, agent=agent, ticket=late_ticket)
    client.force_login(agent)

    # Expect 14 queries: session, user, user permissions, group permissions, the ticket joined to
    # customer, shipment, carrier and assignee; its messages with authors, their attachments,
    # its events with actors, its delivery changes; the reply templates, the agents, the
    # parcel's scans and the messages sent about it; the compensation offers with vouchers.
    with django_assert_max_num_queries(14):
        response = client.get(_work(late_ticket))

    assert response.status_code == 200
    assert len(response.context["conversation"]) == size


def test_ticket_is_looked_up_by_id_only(client, agent):
    # Sanity: the workspace shows the ticket asked for, not another one.
    tickets = TicketFactory.create_batch(3)
    client.force_login(agent)

    response = client.get(_work(tickets[1]))

    assert response.context["ticket"] == tickets[1]
    assert Ticket.objects.count() == 3
