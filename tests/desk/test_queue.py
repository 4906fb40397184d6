"""The desk's queue at /desk/queue/: what it shows, filters, search, urgency order, the SLA
countdown, tickets waiting for the customer apart, keyset pages, permissions, query budget."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from apps.desk.views.queue_rows import countdown_text
from apps.shipments.models import DelayReason
from apps.tickets.models import (
    DeliveryChangeRequest,
    Message,
    MessageAuthor,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.queue import QUEUE_PAGE_SIZE
from tests.factories import (
    CarrierFactory,
    CustomerFactory,
    MessageFactory,
    ShipmentFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = "/desk/queue/"


def _shown(response) -> list[str]:
    assert response.status_code == 200
    return [row.reference for row in response.context["page"].rows]


def _resolved(**fields):
    return TicketFactory(status=TicketStatus.RESOLVED, resolved_at=timezone.now(), **fields)


def test_queue_url_name():
    assert reverse("desk:queue") == QUEUE


# --- What it shows ------------------------------------------------------------------------------


def test_default_queue_shows_my_and_unassigned_tickets_with_waiting_ones_apart(
    client, agent, other_agent
):
    TicketFactory(reference="DD-MINE", assignee=agent, status=TicketStatus.OPEN)
    TicketFactory(reference="DD-FREE")
    TicketFactory(
        reference="DD-WAITING",
        status=TicketStatus.PENDING_CUSTOMER,
        sla_paused_at=timezone.now() - timedelta(days=2),
    )
    TicketFactory(reference="DD-BOBS", assignee=other_agent, status=TicketStatus.OPEN)
    _resolved(reference="DD-DONE", assignee=agent)
    client.force_login(agent)

    assert sorted(_shown(client.get(QUEUE))) == ["DD-FREE", "DD-MINE"]
    waiting = client.get(QUEUE, {"waiting": "on"})
    assert _shown(waiting) == ["DD-WAITING"]
    html = waiting.content.decode()
    rows = html[html.index('id="queue-rows"') :]
    rows = rows[rows.index(">") :]  # past the tbody's own attributes (the countdown words)
    assert "waiting for the customer for 2 d" in rows
    assert "overdue" not in rows


def test_rows_link_to_the_workspace_and_show_customer_parcel_status_and_assignee(client, agent):
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

    assert f'href="/desk/tickets/{ticket.pk}/"' in html
    for text in ("DD-ROW", "Parcel stuck in Daejeon", "Kim Minji", "CJ Logistics", "CJ123456"):
        assert text in html
    for text in ("Open", "High", "Alice"):
        assert text in html


def test_assignee_filter(client, agent, other_agent):
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


def test_status_priority_category_carrier_delayed_filters(client, agent):
    cj, hanjin = CarrierFactory(code="cj"), CarrierFactory(code="hanjin")
    late = ShipmentFactory(
        carrier=cj,
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=timezone.now(),
    )
    TicketFactory(reference="DD-LATE", shipment=late, category=TicketCategory.LOST)
    TicketFactory(
        reference="DD-HANJIN",
        shipment=ShipmentFactory(carrier=hanjin),
        priority=TicketPriority.URGENT,
        status=TicketStatus.OPEN,
    )
    _resolved(reference="DD-DONE")
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"status": "resolved"})) == ["DD-DONE"]
    assert _shown(client.get(QUEUE, {"status": "open"})) == ["DD-HANJIN"]
    assert len(_shown(client.get(QUEUE, {"status": "any"}))) == 3
    assert _shown(client.get(QUEUE, {"priority": TicketPriority.URGENT})) == ["DD-HANJIN"]
    assert _shown(client.get(QUEUE, {"category": "lost"})) == ["DD-LATE"]
    assert _shown(client.get(QUEUE, {"carrier": hanjin.pk})) == ["DD-HANJIN"]
    assert _shown(client.get(QUEUE, {"delayed": "yes"})) == ["DD-LATE"]
    assert _shown(client.get(QUEUE, {"delayed": "no"})) == ["DD-HANJIN"]


def test_bad_filter_values_fall_back_to_their_defaults(client, agent):
    TicketFactory(reference="DD-ONE")
    client.force_login(agent)

    shown = _shown(
        client.get(QUEUE, {"priority": "x", "carrier": "999999", "status": "nope", "sla": "?"})
    )

    assert shown == ["DD-ONE"]


def _sla_cast():
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
            resolution_due_at=now - timedelta(hours=3, minutes=5),
        ),
        "DD-SOON-RESOLVE": TicketFactory(
            reference="DD-SOON-RESOLVE",
            status=TicketStatus.OPEN,
            first_responded_at=now - timedelta(hours=1),
            first_response_due_at=now + timedelta(minutes=10),
            resolution_due_at=now + timedelta(minutes=42, seconds=30),
        ),
        # Waiting on the customer for days: its clock is stopped, it is never overdue.
        "DD-PAUSED": TicketFactory(
            reference="DD-PAUSED",
            status=TicketStatus.PENDING_CUSTOMER,
            sla_paused_at=now - timedelta(days=3),
            first_responded_at=now - timedelta(days=4),
            first_response_due_at=now - timedelta(days=5),
            resolution_due_at=now - timedelta(days=2),
        ),
        "DD-FINE": TicketFactory(reference="DD-FINE"),
    }


def test_sla_filters_match_the_model_and_never_count_waiting_tickets(client, agent):
    cast = _sla_cast()
    client.force_login(agent)

    breached = _shown(client.get(QUEUE, {"sla": "breached"}))
    at_risk = _shown(client.get(QUEUE, {"sla": "at_risk"}))
    breached_waiting = _shown(client.get(QUEUE, {"sla": "breached", "waiting": "on"}))

    assert sorted(breached) == ["DD-LATE-ANSWER", "DD-LATE-RESOLVE"]
    assert sorted(ref for ref, t in cast.items() if t.is_sla_breached) == sorted(breached)
    assert at_risk == ["DD-SOON-RESOLVE"]
    assert breached_waiting == []


def test_rows_show_a_countdown_with_the_absolute_due_time(client, agent):
    _sla_cast()
    client.force_login(agent)

    response = client.get(QUEUE)
    html = response.content.decode()

    # Breached first (the resolution due longest ago), the waiting ticket not among them.
    assert _shown(response)[0] == "DD-LATE-RESOLVE"
    assert "DD-PAUSED" not in _shown(response)
    assert "3 h overdue" in html
    assert "in 42 min" in html
    assert "5 min overdue" in html
    assert '<time class="q-due" datetime="' in html
    assert " KST" in html  # the title: the absolute time in the desk's zone
    assert 'class="q-row q-priority-2 q-breached"' in html


def test_countdown_text_in_both_languages():
    now = timezone.now()
    with translation.override("en"):
        assert countdown_text(now + timedelta(minutes=42, seconds=20), now) == "in 42 min"
        assert countdown_text(now - timedelta(hours=3, minutes=10), now) == "3 h overdue"
        assert countdown_text(now + timedelta(days=3, hours=1), now) == "in 3 d"
    with translation.override("ko"):
        korean = countdown_text(now + timedelta(minutes=42, seconds=20), now)
        assert "42" in korean


def test_customer_replied_and_delivery_change_are_marked_and_filtered(client, agent):
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
    asked = TicketFactory(reference="DD-ASKED")
    DeliveryChangeRequest.objects.create(ticket=asked, kind="safe_place", place="Front door")
    client.force_login(agent)

    html = client.get(QUEUE).content.decode()

    assert "Customer replied" in html and "Delivery change to arrange" in html
    assert _shown(client.get(QUEUE, {"replied": "on"})) == ["DD-REPLIED"]
    assert _shown(client.get(QUEUE, {"changes": "on"})) == ["DD-ASKED"]


@pytest.mark.parametrize("term", ["DD-WANTED", "wanted.person@example.com", "010-5555-0199"])
def test_search(client, agent, term):
    customer = CustomerFactory(email="wanted.person@example.com", phone="+821055550199")
    TicketFactory(reference="DD-WANTED", customer=customer)
    TicketFactory.create_batch(2)
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"q": term})) == ["DD-WANTED"]


def test_hostile_text_is_escaped(client, agent):
    TicketFactory(subject="<script>alert(1)</script>", customer=CustomerFactory(name="<img x>"))
    client.force_login(agent)

    html = client.get(QUEUE).content.decode()

    assert "<script>alert(1)" not in html and "<img x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Keyset pages -------------------------------------------------------------------------------


def _many(count):
    start = timezone.now() + timedelta(hours=5)
    customer = CustomerFactory()
    shipment = ShipmentFactory(customer=customer)
    return [
        TicketFactory(
            customer=customer,
            shipment=shipment,
            first_responded_at=timezone.now(),
            status=TicketStatus.OPEN,
            resolution_due_at=start + timedelta(minutes=7) * (index // 3),
        )
        for index in range(count)
    ]


def test_keyset_pages_follow_each_other_keep_filters_and_never_use_offset(client, agent):
    tickets = _many(QUEUE_PAGE_SIZE + 7)
    expected = [t.reference for t in sorted(tickets, key=lambda t: (t.resolution_due_at, t.pk))]
    client.force_login(agent)

    first = client.get(QUEUE, {"priority": TicketPriority.NORMAL})
    html = first.content.decode()
    next_href = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "priority=2" in next_href and "cursor=" in next_href
    with CaptureQueriesContext(connection) as queries:
        second = client.get(QUEUE + next_href.replace("&amp;", "&"))

    assert _shown(first) + _shown(second) == expected
    assert all("OFFSET" not in q["sql"].upper() for q in queries)
    back = second.context["previous_link"]
    assert _shown(client.get(QUEUE + back)) == _shown(first)


def test_a_broken_cursor_shows_the_first_page(client, agent):
    TicketFactory(reference="DD-ONLY")
    client.force_login(agent)

    assert _shown(client.get(QUEUE, {"cursor": "garbage"})) == ["DD-ONLY"]


# --- Access -------------------------------------------------------------------------------------


def test_stranger_gets_403_and_signed_out_visitor_goes_to_the_desk_login(client, stranger):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/?next=/desk/queue/")

    client.force_login(stranger)
    assert client.get(QUEUE).status_code == 403
    assert client.post(QUEUE, {"action": "assign_me"}).status_code == 403
    assert client.get("/desk/queue/live/", {"since": timezone.now().isoformat()}).status_code == 403


# --- Query budget -------------------------------------------------------------------------------


def _busy_desk(count, *, agent, other_agent):
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
            status=TicketStatus.PENDING_CUSTOMER if index % 7 == 0 else TicketStatus.NEW,
            sla_paused_at=now if index % 7 == 0 else None,
        )
        if index % 4 == 0:
            Message.objects.create(
                ticket=ticket, author_kind="agent", author=agent, body="Hi", created_at=now
            )
        if index % 5 == 0:
            DeliveryChangeRequest.objects.create(ticket=ticket, kind="safe_place", place="Door")


def _count_queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code in (200, 204)
    return len(queries)


def test_query_count_is_the_same_for_10_and_500_tickets(client, agent, other_agent):
    client.force_login(agent)
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    counts = {}
    for total in (10, 500):
        Ticket.objects.all().delete()
        _busy_desk(total, agent=agent, other_agent=other_agent)
        counts[total] = (
            _count_queries(client, QUEUE, {"assignee": "anyone"}),
            _count_queries(client, QUEUE, {"assignee": "anyone", "waiting": "on"}),
            _count_queries(client, "/desk/queue/live/", {"assignee": "anyone", "since": since}),
            _count_queries(
                client, "/desk/queue/live/", {"assignee": "anyone", "since": since, "rows": "1"}
            ),
        )
        shown = client.get(QUEUE, {"assignee": "anyone"}).context["page"].rows
        assert len(shown) == min(total - (total + 6) // 7, QUEUE_PAGE_SIZE)

    assert counts[10] == counts[500]
    # Session, user, 2 permission reads, agents, carriers, templates, saved views, the page.
    assert counts[500][0] <= 9
