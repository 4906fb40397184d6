"""The queue's urgency order: "the next due time that matters" (`next_due`), then id.

While the customer has no answer that is the earlier of the first answer's and the
resolution's due time, else the resolution's. Keyset pages walk it exactly once, in order,
equal `next_due` values included, in the same number of queries as before.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.tickets.models import Ticket, TicketStatus
from apps.tickets.queue import (
    SCOPE_ANYONE,
    Cursor,
    QueueFilters,
    next_due,
    next_due_of,
    queue_changes,
    queue_page,
)
from tests.factories import CustomerFactory, ShipmentFactory, TicketFactory

pytestmark = pytest.mark.django_db

QUEUE = "/desk/queue/"
ANYONE = QueueFilters(scope=SCOPE_ANYONE)


def _shown(response) -> list[str]:
    assert response.status_code == 200
    return [row.reference for row in response.context["page"].rows]


def test_a_breached_first_answer_comes_before_a_resolution_due_in_two_hours(client, agent):
    now = timezone.now()
    TicketFactory(
        reference="DD-SOON",
        status=TicketStatus.OPEN,
        first_response_due_at=now - timedelta(hours=6),
        first_responded_at=now - timedelta(hours=7),
        resolution_due_at=now + timedelta(hours=2),
    )
    TicketFactory(
        reference="DD-UNANSWERED",
        status=TicketStatus.NEW,
        first_response_due_at=now - timedelta(minutes=30),
        resolution_due_at=now + timedelta(days=3),
    )
    TicketFactory(
        reference="DD-LATER",
        status=TicketStatus.OPEN,
        first_responded_at=now,
        first_response_due_at=now,
        resolution_due_at=now + timedelta(days=1),
    )
    client.force_login(agent)

    response = client.get(QUEUE)

    assert _shown(response) == ["DD-UNANSWERED", "DD-SOON", "DD-LATER"]
    assert response.context["page"].rows[0].sla_state == "breached"
    # The live answer lists its changed rows in the same order.
    since = now - timedelta(minutes=1)
    changed = queue_changes(user=agent, filters=ANYONE, since=since)
    assert [row.reference for row in changed] == ["DD-UNANSWERED", "DD-SOON", "DD-LATER"]


def test_waiting_tickets_stay_on_their_own_tab(client, agent):
    now = timezone.now()
    TicketFactory(reference="DD-RUNNING", status=TicketStatus.OPEN)
    TicketFactory(
        reference="DD-WAITING",
        status=TicketStatus.PENDING_CUSTOMER,
        sla_paused_at=now - timedelta(hours=1),
        first_response_due_at=now - timedelta(days=2),
        resolution_due_at=now - timedelta(days=1),
    )
    client.force_login(agent)

    assert _shown(client.get(QUEUE)) == ["DD-RUNNING"]
    assert _shown(client.get(QUEUE, {"waiting": "on"})) == ["DD-WAITING"]


def _mixed(count):
    """Answered and unanswered tickets whose `next_due` values come three at a time, equal
    across the two kinds (one from the first answer's due time, one from the resolution's)."""
    start = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    customer = CustomerFactory()
    shipment = ShipmentFactory(customer=customer)
    tickets = []
    # Created latest due first: id order is not due order, and ties go by id.
    for index in reversed(range(count)):
        due = start + timedelta(minutes=20) * (index // 3)
        if index % 2:
            fields = {
                "first_response_due_at": due,
                "resolution_due_at": due + timedelta(days=4 - index % 4),
            }
        else:
            fields = {
                "first_responded_at": due - timedelta(days=1),
                "first_response_due_at": due - timedelta(days=1),
                "resolution_due_at": due,
            }
        tickets.append(
            TicketFactory(customer=customer, shipment=shipment, status=TicketStatus.OPEN, **fields)
        )
    return tickets


def _walk(user, *, size, backwards_from=None):
    pages, cursor = [], backwards_from
    while True:
        page = queue_page(user=user, filters=ANYONE, cursor=cursor, size=size)
        pages.append([row.pk for row in page.rows])
        following = page.previous_cursor if backwards_from else page.next_cursor
        if not following:
            return pages
        cursor = Cursor.decode(following)


def test_pages_walk_every_row_once_in_next_due_order(agent):
    tickets = _mixed(23)
    expected = [t.pk for t in sorted(tickets, key=lambda t: (next_due_of(t), t.pk))]
    assert len({next_due_of(t) for t in tickets}) < len(tickets)  # equal values, across pages

    forward = _walk(agent, size=4)
    assert [len(page) for page in forward] == [4, 4, 4, 4, 4, 3]
    assert [pk for page in forward for pk in page] == expected

    # And back again from the last page, by the previous-page cursors.
    last = forward[-1]
    last_ticket = Ticket.objects.get(pk=last[0])
    back = _walk(
        agent,
        size=4,
        backwards_from=Cursor(due=next_due_of(last_ticket), ticket_id=last[0], backwards=True),
    )
    assert [pk for page in reversed(back) for pk in page] + last == expected


def test_the_cursor_carries_next_due_not_the_resolution_due_time(agent):
    now = timezone.now().replace(microsecond=0)
    first = TicketFactory(
        status=TicketStatus.NEW,
        first_response_due_at=now - timedelta(hours=1),
        resolution_due_at=now + timedelta(days=2),
    )
    TicketFactory(status=TicketStatus.NEW)

    page = queue_page(user=agent, filters=ANYONE, size=1)

    assert [row.pk for row in page.rows] == [first.pk]
    cursor = Cursor.decode(page.next_cursor)
    assert (cursor.due, cursor.ticket_id) == (now - timedelta(hours=1), first.pk)


def test_the_index_is_on_the_queue_order_expression():
    index = next(i for i in Ticket._meta.indexes if i.name == "ticket_open_next_due_idx")
    assert index.expressions[0] == next_due()
    assert [str(e) for e in index.expressions[1:]] == ["F(id)"]
    open_index = next(i for i in Ticket._meta.indexes if i.name == "ticket_open_due_idx")
    assert index.condition == open_index.condition


def test_a_deep_page_takes_as_many_queries_as_the_first(client, agent):
    _mixed(60)
    client.force_login(agent)
    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(QUEUE, {"assignee": "anyone"})
    cursor = first.context["page"].next_cursor
    assert cursor
    with CaptureQueriesContext(connection) as deep_queries:
        deep = client.get(QUEUE, {"assignee": "anyone", "cursor": cursor})

    assert len(_shown(first)) == 50 and len(_shown(deep)) == 10
    # Session, user, 2 permission reads, agents, carriers, templates, saved views, the page.
    assert len(first_queries) == len(deep_queries) <= 9
    assert all("OFFSET" not in q["sql"].upper() for q in deep_queries)
    with CaptureQueriesContext(connection) as page_queries:
        queue_page(user=agent, filters=ANYONE, cursor=Cursor.decode(cursor))
    assert len(page_queries) == 1
