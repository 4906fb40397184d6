"""The agent's queue at /admin/tickets/ticket/queue/: what is shown by default, each filter, search,
order, keyset pages, bulk actions, permissions and its query budget."""

import base64
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from zeal import zeal_ignore

from apps.notifications.models import Notification
from apps.shipments.models import DelayReason
from apps.tickets.models import (
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
from apps.tickets.queue import QUEUE_PAGE_SIZE, Cursor
from tests.factories import (
    CarrierFactory,
    CustomerFactory,
    MessageFactory,
    ShipmentFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:tickets_ticket_queue")
# A bulk action calls the ticket services once per selected ticket, each locking its own row
# with `.get()`: one locked read per ticket by design, which zeal would take for an N+1.
PER_TICKET_SERVICE_READS = [
    {"model": "tickets.Ticket", "field": "get()"},
]


def _shown(response) -> list[str]:
    assert response.status_code == 200
    return [ticket.reference for ticket in response.context["page"].rows]


def _closed(**fields):
    now = timezone.now()
    return TicketFactory(status=TicketStatus.CLOSED, resolved_at=now, closed_at=now, **fields)


def _resolved(**fields):
    return TicketFactory(status=TicketStatus.RESOLVED, resolved_at=timezone.now(), **fields)


# --- What the queue shows -----------------------------------------------------------------------


def test_default_queue_shows_my_and_unassigned_open_tickets(client, agent, other_agent):
    TicketFactory(reference="DD-MINE", assignee=agent, status=TicketStatus.OPEN)
    TicketFactory(reference="DD-FREE")
    TicketFactory(
        reference="DD-WAITING",
        status=TicketStatus.PENDING_CUSTOMER,
        sla_paused_at=timezone.now(),
    )
    TicketFactory(reference="DD-BOBS", assignee=other_agent, status=TicketStatus.OPEN)
    _resolved(reference="DD-DONE", assignee=agent)
    _closed(reference="DD-SHUT")
    client.force_login(agent)

    assert sorted(_shown(client.get(QUEUE))) == ["DD-FREE", "DD-MINE", "DD-WAITING"]


def test_queue_rows_show_reference_link_customer_parcel_status_priority_due_and_assignee(
    client, agent
):
    carrier = CarrierFactory(code="cj", name="CJ Logistics")
    customer = CustomerFactory(name="Kim Minji")
    ticket = TicketFactory(
        reference="DD-ROW",
        subject="Parcel stuck in Daejeon",
        customer=customer,
        shipment=ShipmentFactory(carrier=carrier, customer=customer, tracking_number="CJ123456"),
        assignee=agent,
        priority=TicketPriority.HIGH,
        status=TicketStatus.OPEN,
    )
    client.force_login(agent)

    html = client.get(QUEUE).content.decode()

    workspace = reverse("admin:tickets_ticket_work", args=[ticket.pk])
    assert f'href="{workspace}"' in html
    for text in (
        "DD-ROW",
        "Parcel stuck in Daejeon",
        "Kim Minji",
        "CJ Logistics",
        "CJ123456",
        "Open",
        "High",
        "Alice",
    ):
        assert text in html


def test_assignee_filter_mine_unassigned_anyone_and_one_agent(client, agent, other_agent):
    TicketFactory(reference="DD-MINE", assignee=agent)
    TicketFactory(reference="DD-FREE")
    TicketFactory(reference="DD-BOBS", assignee=other_agent)
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"assignee": "mine"})) == ["DD-MINE"]
    assert _shown(client.get(QUEUE, {"assignee": "unassigned"})) == ["DD-FREE"]
    assert sorted(_shown(client.get(QUEUE, {"assignee": "anyone"}))) == [
        "DD-BOBS",
        "DD-FREE",
        "DD-MINE",
    ]
    assert _shown(client.get(QUEUE, {"assignee": other_agent.pk})) == ["DD-BOBS"]


def test_status_filter_one_status_or_any(client, agent):
    TicketFactory(reference="DD-NEW")
    TicketFactory(reference="DD-OPEN", status=TicketStatus.OPEN)
    _resolved(reference="DD-DONE")
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"status": "resolved"})) == ["DD-DONE"]
    assert _shown(client.get(QUEUE, {"status": "open"})) == ["DD-OPEN"]
    assert sorted(_shown(client.get(QUEUE, {"status": "any"}))) == [
        "DD-DONE",
        "DD-NEW",
        "DD-OPEN",
    ]


def test_priority_filter(client, agent):
    TicketFactory(reference="DD-URGENT", priority=TicketPriority.URGENT)
    TicketFactory(reference="DD-NORMAL", priority=TicketPriority.NORMAL)
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"priority": TicketPriority.URGENT})) == ["DD-URGENT"]


def test_category_filter(client, agent):
    TicketFactory(reference="DD-LOST", category=TicketCategory.LOST)
    TicketFactory(reference="DD-LATE", category=TicketCategory.LATE)
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"category": "lost"})) == ["DD-LOST"]


def test_carrier_filter(client, agent):
    cj, hanjin = CarrierFactory(code="cj"), CarrierFactory(code="hanjin")
    TicketFactory(reference="DD-CJ", shipment=ShipmentFactory(carrier=cj))
    TicketFactory(reference="DD-HANJIN", shipment=ShipmentFactory(carrier=hanjin))
    TicketFactory(reference="DD-NOPARCEL", shipment=None)
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"carrier": hanjin.pk})) == ["DD-HANJIN"]


def test_delayed_filter(client, agent):
    late = ShipmentFactory(
        is_delayed=True, delay_reason=DelayReason.CAPACITY, delay_detected_at=timezone.now()
    )
    TicketFactory(reference="DD-LATE", shipment=late)
    TicketFactory(reference="DD-ONTIME")
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"delayed": "yes"})) == ["DD-LATE"]
    assert _shown(client.get(QUEUE, {"delayed": "no"})) == ["DD-ONTIME"]


def _sla_cast():
    """Tickets on each side of the SLA lines, by what the model says of them."""
    now = timezone.now()
    return {
        "DD-LATE-ANSWER": TicketFactory(
            reference="DD-LATE-ANSWER", first_response_due_at=now - timedelta(minutes=5)
        ),
        "DD-LATE-RESOLVE": TicketFactory(
            reference="DD-LATE-RESOLVE",
            status=TicketStatus.OPEN,
            first_responded_at=now - timedelta(hours=30),
            first_response_due_at=now - timedelta(hours=40),
            resolution_due_at=now - timedelta(minutes=1),
        ),
        "DD-SOON-ANSWER": TicketFactory(
            reference="DD-SOON-ANSWER", first_response_due_at=now + timedelta(minutes=30)
        ),
        "DD-SOON-RESOLVE": TicketFactory(
            reference="DD-SOON-RESOLVE",
            status=TicketStatus.OPEN,
            first_responded_at=now - timedelta(hours=1),
            first_response_due_at=now + timedelta(minutes=10),
            resolution_due_at=now + timedelta(minutes=50),
        ),
        # Answered in time: the first-response due time no longer counts.
        "DD-ANSWERED": TicketFactory(
            reference="DD-ANSWERED",
            status=TicketStatus.OPEN,
            first_responded_at=now - timedelta(hours=1),
            first_response_due_at=now + timedelta(minutes=10),
        ),
        # Waiting on the customer: the clock is stopped.
        "DD-PAUSED": TicketFactory(
            reference="DD-PAUSED",
            status=TicketStatus.PENDING_CUSTOMER,
            sla_paused_at=now - timedelta(hours=1),
            first_response_due_at=now + timedelta(minutes=20),
        ),
        "DD-FINE": TicketFactory(reference="DD-FINE"),
    }


def test_sla_breached_filter_matches_the_model(client, agent):
    cast = _sla_cast()
    client.force_login(agent)

    shown = _shown(client.get(QUEUE, {"sla": "breached"}))

    assert sorted(shown) == ["DD-LATE-ANSWER", "DD-LATE-RESOLVE"]
    assert sorted(ref for ref, ticket in cast.items() if ticket.is_sla_breached) == sorted(shown)


def test_sla_due_within_an_hour_filter_matches_the_model(client, agent):
    cast = _sla_cast()
    client.force_login(agent)

    shown = _shown(client.get(QUEUE, {"sla": "at_risk"}))

    assert sorted(shown) == ["DD-SOON-ANSWER", "DD-SOON-RESOLVE"]
    assert sorted(ref for ref, ticket in cast.items() if ticket.is_sla_at_risk) == sorted(shown)


def test_rows_carry_their_sla_badge(client, agent):
    _sla_cast()
    client.force_login(agent)

    response = client.get(QUEUE)

    states = {ticket.reference: ticket.sla_state for ticket in response.context["page"].rows}
    assert states["DD-LATE-ANSWER"] == "breached"
    assert states["DD-SOON-RESOLVE"] == "at_risk"
    assert states["DD-FINE"] == states["DD-PAUSED"] == ""
    html = response.content.decode()
    assert "SLA breached" in html
    assert "Due within an hour" in html


def test_customer_reply_after_the_last_agent_reply_is_marked(client, agent):
    now = timezone.now()
    replied = TicketFactory(
        reference="DD-REPLIED", status=TicketStatus.OPEN, last_customer_message_at=now
    )
    MessageFactory(
        ticket=replied,
        author_kind=MessageAuthor.AGENT,
        author=agent,
        created_at=now - timedelta(hours=1),
    )
    answered = TicketFactory(
        reference="DD-ANSWERED",
        status=TicketStatus.OPEN,
        last_customer_message_at=now - timedelta(hours=2),
    )
    MessageFactory(ticket=answered, author_kind=MessageAuthor.AGENT, author=agent, created_at=now)
    # An internal note is no answer to the customer.
    noted = TicketFactory(
        reference="DD-NOTED", status=TicketStatus.OPEN, last_customer_message_at=now
    )
    MessageFactory(
        ticket=noted,
        author_kind=MessageAuthor.AGENT,
        author=agent,
        created_at=now - timedelta(hours=3),
    )
    MessageFactory(
        ticket=noted,
        author_kind=MessageAuthor.AGENT,
        author=agent,
        is_internal=True,
        created_at=now + timedelta(minutes=1),
    )
    # Never answered at all: new, and the first-response clock covers it.
    TicketFactory(reference="DD-NEW", last_customer_message_at=now)
    client.force_login(agent)

    response = client.get(QUEUE)
    marked = {t.reference for t in response.context["page"].rows if t.customer_replied}

    assert marked == {"DD-REPLIED", "DD-NOTED"}
    assert "Customer replied" in response.content.decode()
    assert sorted(_shown(client.get(QUEUE, {"replied": "on"}))) == ["DD-NOTED", "DD-REPLIED"]


def test_pending_delivery_change_is_marked_and_filtered(client, agent):
    asked = TicketFactory(reference="DD-ASKED")
    DeliveryChangeRequest.objects.create(ticket=asked, kind="safe_place", place="Front door")
    arranged = TicketFactory(reference="DD-ARRANGED")
    DeliveryChangeRequest.objects.create(
        ticket=arranged,
        kind="neighbour",
        place="No. 12",
        status=DeliveryChangeStatus.ARRANGED,
    )
    TicketFactory(reference="DD-NONE")
    client.force_login(agent)

    response = client.get(QUEUE)
    marked = {t.reference for t in response.context["page"].rows if t.delivery_change_pending}

    assert marked == {"DD-ASKED"}
    assert "Delivery change to arrange" in response.content.decode()
    assert _shown(client.get(QUEUE, {"changes": "on"})) == ["DD-ASKED"]


# --- Search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "why"),
    [
        ("DD-WANTED", "reference"),
        ("dd-wanted", "reference in any case"),
        ("CJ 1234-5678", "tracking number read out with a space and a hyphen"),
        ("Wanted.Person@Example.com", "email in any case"),
        ("010-5555-0199", "phone in the local format"),
        ("0199", "last digits of the phone"),
    ],
)
def test_search_finds_by_reference_tracking_number_email_or_phone(client, agent, term, why):
    customer = CustomerFactory(email="wanted.person@example.com", phone="+821055550199")
    TicketFactory(
        reference="DD-WANTED",
        customer=customer,
        shipment=ShipmentFactory(customer=customer, tracking_number="CJ12345678"),
    )
    TicketFactory.create_batch(3)
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"q": term})) == ["DD-WANTED"], why


def test_search_keeps_the_other_filters(client, agent):
    customer = CustomerFactory(email="twice@example.com")
    TicketFactory(reference="DD-OPEN-ONE", customer=customer)
    _resolved(reference="DD-DONE-ONE", customer=customer)
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"q": "twice@example.com"})) == ["DD-OPEN-ONE"]
    assert sorted(_shown(client.get(QUEUE, {"q": "twice@example.com", "status": "any"}))) == [
        "DD-DONE-ONE",
        "DD-OPEN-ONE",
    ]


# --- Order and keyset pages ---------------------------------------------------------------------


def test_queue_is_sorted_by_resolution_due_then_id(client, agent):
    now = timezone.now()
    later = TicketFactory(reference="DD-LATER", resolution_due_at=now + timedelta(hours=30))
    tie_a = TicketFactory(reference="DD-TIE-A", resolution_due_at=now + timedelta(hours=10))
    tie_b = TicketFactory(reference="DD-TIE-B", resolution_due_at=now + timedelta(hours=10))
    first = TicketFactory(reference="DD-FIRST", resolution_due_at=now + timedelta(hours=5))
    client.force_login(agent)

    shown = _shown(client.get(QUEUE))

    assert shown == [first.reference, tie_a.reference, tie_b.reference, later.reference]


def _many(count, *, start=None, step=timedelta(minutes=7)):
    """`count` open tickets due one after another, some sharing a due time (ties go by id)."""
    start = start or timezone.now() + timedelta(hours=5)
    customer = CustomerFactory()
    shipment = ShipmentFactory(customer=customer)
    return [
        TicketFactory(
            customer=customer,
            shipment=shipment,
            resolution_due_at=start + step * (index // 3),
        )
        for index in range(count)
    ]


def _next(response):
    return response.context["page"].next_cursor


def test_pages_follow_each_other_without_overlap_or_gaps(client, agent):
    tickets = _many(QUEUE_PAGE_SIZE * 2 + 7)
    expected = [t.reference for t in sorted(tickets, key=lambda t: (t.resolution_due_at, t.pk))]
    client.force_login(agent)

    first = client.get(QUEUE)
    second = client.get(QUEUE, {"cursor": _next(first)})
    third = client.get(QUEUE, {"cursor": _next(second)})

    pages = [_shown(first), _shown(second), _shown(third)]
    assert [len(page) for page in pages] == [QUEUE_PAGE_SIZE, QUEUE_PAGE_SIZE, 7]
    assert pages[0] + pages[1] + pages[2] == expected
    assert _next(third) == ""
    assert first.context["page"].previous_cursor == ""


def test_previous_link_goes_back_to_the_page_before(client, agent):
    _many(QUEUE_PAGE_SIZE * 2 + 7)
    client.force_login(agent)
    first = client.get(QUEUE)
    second = client.get(QUEUE, {"cursor": _next(first)})

    back = client.get(QUEUE, {"cursor": second.context["page"].previous_cursor})

    assert _shown(back) == _shown(first)
    assert back.context["page"].previous_cursor == ""
    assert _next(back) == _next(first)


def test_next_and_previous_links_keep_the_filters(client, agent):
    _many(QUEUE_PAGE_SIZE + 1)
    client.force_login(agent)

    html = client.get(QUEUE, {"priority": TicketPriority.NORMAL}).content.decode()

    assert 'rel="next"' in html
    next_href = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "priority=2" in next_href
    assert "cursor=" in next_href


def test_next_page_is_stable_when_tickets_are_added_above_it(client, agent):
    tickets = _many(QUEUE_PAGE_SIZE * 2)
    client.force_login(agent)
    first = client.get(QUEUE)
    cursor = _next(first)
    before = _shown(client.get(QUEUE, {"cursor": cursor}))

    # Given new tickets arrive that sort onto the first page, and one that sorts at the very end...
    earliest = min(t.resolution_due_at for t in tickets)
    TicketFactory.create_batch(3, resolution_due_at=earliest - timedelta(minutes=1))
    last = TicketFactory(reference="DD-LAST", resolution_due_at=earliest + timedelta(days=10))

    after = _shown(client.get(QUEUE, {"cursor": cursor}))

    # ...the page after the cursor still starts right after the last row seen.
    assert after[: len(before)] == before
    assert last.reference not in _shown(first)
    assert set(after) & set(_shown(first)) == set()


def test_pages_are_read_by_keyset_never_by_offset(client, agent):
    _many(QUEUE_PAGE_SIZE + 5)
    client.force_login(agent)
    cursor = _next(client.get(QUEUE))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, {"cursor": cursor})

    assert len(_shown(response)) == 5
    ticket_queries = [q["sql"] for q in queries if 'FROM "tickets_ticket"' in q["sql"]]
    assert ticket_queries
    assert all("OFFSET" not in sql.upper() for sql in ticket_queries)


def _crafted(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "e30",
        Cursor(due=timezone.now(), ticket_id=1).encode()[:-3],
        "x" * 500,
        _crafted(0, "2026-01-01T00:00:00+00:00", 10**30),
        _crafted(0, "2026-01-01T00:00:00", 1),
        _crafted(2, "2026-01-01T00:00:00+00:00", 1),
        _crafted({"a": 1}, "b", "c"),
    ],
)
def test_a_broken_cursor_shows_the_first_page(client, agent, cursor):
    TicketFactory(reference="DD-ONLY")
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"cursor": cursor})) == ["DD-ONLY"]


def test_cursor_is_opaque_and_round_trips():
    cursor = Cursor(due=timezone.now(), ticket_id=42, backwards=True)

    text = cursor.encode()

    assert "42" not in text and ":" not in text
    assert Cursor.decode(text) == cursor


# --- Bulk actions -------------------------------------------------------------------------------


def _bulk(client, tickets, **data):
    with zeal_ignore(PER_TICKET_SERVICE_READS):
        return client.post(QUEUE, {"tickets": [t.pk for t in tickets], **data}, follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_bulk_assign_to_me(client, agent):
    tickets = TicketFactory.create_batch(3)
    client.force_login(agent)

    response = _bulk(client, tickets[:2], action="assign_me")

    assert [t.assignee for t in Ticket.objects.order_by("pk")] == [agent, agent, None]
    assert TicketEvent.objects.filter(kind=TicketEventKind.ASSIGNED, actor=agent).count() == 2
    assert any("Assigned to you" in text for text in _messages(response))


def test_bulk_assign_to_an_agent(client, agent, other_agent):
    tickets = TicketFactory.create_batch(2)
    client.force_login(agent)

    _bulk(client, tickets, action="assign_agent", agent=other_agent.pk)

    assert {t.assignee for t in Ticket.objects.all()} == {other_agent}


def test_bulk_assign_to_someone_who_is_no_agent_is_refused(client, agent, stranger):
    ticket = TicketFactory()
    client.force_login(agent)

    response = _bulk(client, [ticket], action="assign_agent", agent=stranger.pk)

    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert _messages(response)


def test_bulk_set_priority(client, agent):
    tickets = TicketFactory.create_batch(2, priority=TicketPriority.LOW)
    client.force_login(agent)

    _bulk(client, tickets, action="set_priority", priority=TicketPriority.URGENT)

    assert {t.priority for t in Ticket.objects.all()} == {TicketPriority.URGENT}
    assert TicketEvent.objects.filter(kind=TicketEventKind.PRIORITY_CHANGED).count() == 2


def test_bulk_resolve_sends_the_template_filled_in_per_ticket_and_resolves(
    client, agent, django_capture_on_commit_callbacks
):
    template = ReplyTemplate.objects.create(
        name="Delivered after all",
        language="en",
        body="Hello {customer_name}, {reference} ({tracking_number}) arrived. {ticket_link}",
        resolves=True,
    )
    first = TicketFactory(customer=CustomerFactory(name="Ann Lee"), status=TicketStatus.OPEN)
    second = TicketFactory(customer=CustomerFactory(name="Bo Park"))
    client.force_login(agent)

    response = _bulk(client, [first, second], action="resolve_with_template", template=template.pk)

    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.RESOLVED
        reply = Message.objects.get(ticket=ticket, author_kind=MessageAuthor.AGENT)
        assert reply.body == (
            f"Hello {ticket.customer.name}, {ticket.reference} "
            f"({ticket.shipment.tracking_number}) arrived. {{ticket_link}}"
        )
        assert not reply.is_internal
        stages = set(
            Notification.objects.filter(subject_type="ticket", subject_id=ticket.pk).values_list(
                "stage", flat=True
            )
        )
        assert stages == {"replied_resolved"}
    assert any("Replied and resolved" in text for text in _messages(response))


def test_bulk_resolve_uses_the_same_template_in_each_tickets_language(client, agent):
    english = ReplyTemplate.objects.create(
        name="Sorry", language="en", body="Sorry, {customer_name}.", resolves=True
    )
    ReplyTemplate.objects.create(
        name="Sorry", language="ko", body="죄송합니다, {customer_name}님.", resolves=True
    )
    korean = TicketFactory(language="ko", customer=CustomerFactory(name="김민지"))
    client.force_login(agent)

    _bulk(client, [korean], action="resolve_with_template", template=english.pk)

    reply = Message.objects.get(ticket=korean, author_kind=MessageAuthor.AGENT)
    assert reply.body == "죄송합니다, 김민지님."


def test_bulk_resolve_refuses_a_ticket_without_the_template_in_its_language(client, agent):
    english = ReplyTemplate.objects.create(
        name="Sorry", language="en", body="Sorry.", resolves=True
    )
    english_ticket = TicketFactory(language="en")
    korean_ticket = TicketFactory(language="ko")
    client.force_login(agent)

    response = _bulk(
        client, [english_ticket, korean_ticket], action="resolve_with_template", template=english.pk
    )

    english_ticket.refresh_from_db()
    korean_ticket.refresh_from_db()
    assert english_ticket.status == TicketStatus.RESOLVED
    assert korean_ticket.status == TicketStatus.NEW
    assert not Message.objects.filter(ticket=korean_ticket, author_kind="agent").exists()
    assert any(korean_ticket.reference in text for text in _messages(response))


def test_bulk_resolve_of_a_closed_ticket_is_refused_and_the_others_go_through(client, agent):
    template = ReplyTemplate.objects.create(name="Done", language="en", body="Done.", resolves=True)
    closed = _closed()
    open_one = TicketFactory(status=TicketStatus.OPEN)
    client.force_login(agent)

    response = _bulk(
        client, [closed, open_one], action="resolve_with_template", template=template.pk
    )

    open_one.refresh_from_db()
    assert open_one.status == TicketStatus.RESOLVED
    assert not Message.objects.filter(ticket=closed).exists()
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1
    assert closed.reference in str(errors[0])
    assert "closed" in str(errors[0])


def test_bulk_resolve_of_a_resolved_ticket_leaves_no_reply_behind(client, agent):
    # The reply and the resolution go together: the refused move undoes the reply.
    template = ReplyTemplate.objects.create(name="Done", language="en", body="Done.", resolves=True)
    resolved = _resolved()
    client.force_login(agent)

    _bulk(client, [resolved], action="resolve_with_template", template=template.pk)

    assert not Message.objects.filter(ticket=resolved).exists()
    assert not Notification.objects.filter(subject_type="ticket").exists()


def test_bulk_action_without_its_choice_or_selection_changes_nothing(client, agent):
    ticket = TicketFactory(priority=TicketPriority.LOW)
    client.force_login(agent)

    no_priority = _bulk(client, [ticket], action="set_priority")
    nothing_selected = client.post(QUEUE, {"action": "assign_me"}, follow=True)

    ticket.refresh_from_db()
    assert ticket.priority == TicketPriority.LOW
    assert ticket.assignee is None
    assert _messages(no_priority)
    assert _messages(nothing_selected)


def test_bulk_action_goes_back_to_the_same_filtered_page(client, agent):
    ticket = TicketFactory()
    client.force_login(agent)

    with zeal_ignore(PER_TICKET_SERVICE_READS):
        response = client.post(
            f"{QUEUE}?priority=2&assignee=anyone",
            {"tickets": [ticket.pk], "action": "assign_me"},
        )

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?priority=2&assignee=anyone"


def test_bulk_action_needs_the_csrf_token(agent):
    ticket = TicketFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)

    response = browser.post(QUEUE, {"tickets": [ticket.pk], "action": "assign_me"})

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- Permissions and links ----------------------------------------------------------------------


def test_staff_without_ticket_permissions_gets_403(client, stranger):
    ticket = TicketFactory()
    client.force_login(stranger)

    assert client.get(QUEUE).status_code == 403
    assert client.post(QUEUE, {"tickets": [ticket.pk], "action": "assign_me"}).status_code == 403


def test_view_only_staff_sees_the_queue_but_cannot_act(client):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    ticket = TicketFactory()
    client.force_login(viewer)

    page = client.get(QUEUE)
    refused = client.post(QUEUE, {"tickets": [ticket.pk], "action": "assign_me"})

    assert page.status_code == 200
    assert 'name="tickets"' not in page.content.decode()
    assert refused.status_code == 403


def test_signed_out_visitor_is_sent_to_the_login(client):
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_desk_home_and_ticket_list_link_to_the_queue(client, role, request):
    TicketFactory()
    client.force_login(request.getfixturevalue(role))

    home = client.get(reverse("admin:index")).content.decode()
    listing = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()

    assert f'href="{QUEUE}"' in home
    assert f'href="{QUEUE}"' in listing


def test_ticket_list_rows_open_the_workspace(client, agent):
    ticket = TicketFactory()
    client.force_login(agent)

    html = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()

    assert f'href="{reverse("admin:tickets_ticket_work", args=[ticket.pk])}"' in html


def test_hostile_text_in_a_row_is_escaped(client, agent):
    customer = CustomerFactory(name="<img src=x onerror=alert(2)>")
    TicketFactory(subject="<script>alert(1)</script>", customer=customer)
    client.force_login(agent)

    html = (
        client.get(QUEUE, {"q": "<script>"}).content.decode() + client.get(QUEUE).content.decode()
    )

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


# --- Query budget -------------------------------------------------------------------------------


def _busy_desk(count, *, agent, other_agent):
    """`count` tickets over a few carriers and customers, with replies and delivery changes."""
    now = timezone.now()
    carriers = [CarrierFactory(code=f"carrier-{n}") for n in range(3)]
    customers = [CustomerFactory() for _ in range(5)]
    shipments = [
        ShipmentFactory(carrier=carriers[n % 3], customer=customers[n % 5]) for n in range(10)
    ]
    for index in range(count):
        shipment = shipments[index % 10]
        ticket = TicketFactory(
            customer=shipment.customer,
            shipment=shipment,
            assignee=(agent, None, other_agent)[index % 3],
            last_customer_message_at=now,
            resolution_due_at=now + timedelta(hours=5, minutes=index),
        )
        if index % 4 == 0:
            Message.objects.create(
                ticket=ticket, author_kind="agent", author=agent, body="Hi", created_at=now
            )
        if index % 5 == 0:
            DeliveryChangeRequest.objects.create(ticket=ticket, kind="safe_place", place="Door")


@pytest.mark.parametrize("count", [10, 500])
def test_queue_query_count_does_not_grow_with_tickets(
    client, agent, other_agent, count, django_assert_max_num_queries
):
    _busy_desk(count, agent=agent, other_agent=other_agent)
    client.force_login(agent)

    # Expect 8 queries: session, user, user permissions, group permissions, the agents (assignee
    # filter and bulk assign), the carriers (filter), the resolving templates (bulk action), and
    # one page of tickets joined to customer, shipment, carrier and assignee with the last agent
    # reply, the SLA state and pending delivery changes computed in the same query.
    with django_assert_max_num_queries(8):
        response = client.get(QUEUE, {"assignee": "anyone"})

    assert len(_shown(response)) == min(count, QUEUE_PAGE_SIZE)
