"""What a customer does behind the private link: reply, ask for another delivery, reopen.

Every write is a POST with the CSRF token to /t/<token>/…, answered by the page itself."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from apps.notifications.models import Notification
from apps.tickets.models import (
    Attachment,
    DeliveryChangeKind,
    DeliveryChangeRequest,
    Message,
    MessageAuthor,
    Ticket,
    TicketDraft,
    TicketEvent,
    TicketStatus,
)
from apps.tickets.services import REOPEN_DAYS
from tests.factories import (
    CarrierFactory,
    MessageFactory,
    ShipmentFactory,
    TicketFactory,
    TrackingEventFactory,
    UserFactory,
    token_for,
)

pytestmark = pytest.mark.django_db

HOSTILE_TEXTS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
ACTIONS = ["reply/", "delivery-change/", "reopen/", "language/"]


@pytest.fixture
def ticket(customer):
    shipment = ShipmentFactory(
        customer=customer,
        carrier=CarrierFactory(code="cj", name="CJ Logistics"),
        tracking_number="CJ1234567890",
    )
    return TicketFactory(customer=customer, shipment=shipment, subject="Parcel stuck in Daejeon")


def _url(ticket, action: str = "") -> str:
    return f"/t/{token_for(ticket.reference)}/{action}"


def _set_status(ticket, status, **fields):
    Ticket.objects.filter(pk=ticket.pk).update(status=status, **fields)
    ticket.refresh_from_db()


def _resolve(ticket, days_ago: float):
    _set_status(
        ticket, TicketStatus.RESOLVED, resolved_at=timezone.now() - timedelta(days=days_ago)
    )


def _close(ticket):
    now = timezone.now()
    _set_status(
        ticket,
        TicketStatus.CLOSED,
        resolved_at=now,
        closed_at=now,
        token_expires_at=now + timedelta(days=30),
    )


def _field_errors(html: str, field: str) -> str:
    found = re.search(
        rf'<div class="field field-{field} has-errors">.*?'
        rf'<p class="errors" id="id_{field}_error" role="alert">(.*?)</p>',
        html,
        re.S,
    )
    assert found, f"no error on {field}"
    return found.group(1)


def _counts() -> dict:
    models = [Ticket, Message, TicketEvent, DeliveryChangeRequest, Attachment, TicketDraft]
    return {model.__name__: model.objects.count() for model in [*models, Notification]}


# --- Replies ---------------------------------------------------------------------------------


def test_a_reply_is_kept_as_typed_and_shown_on_the_page(client, ticket):
    body = "It is still in Daejeon.\n\nCan you call CJ?  "

    response = client.post(_url(ticket, "reply/"), {"body": body})

    assert response.status_code == 200
    assert "Location" not in response
    html = response.content.decode()
    assert "Thank you. Your message is with us." in html
    message = Message.objects.get(ticket=ticket)
    assert message.author_kind == MessageAuthor.CUSTOMER
    assert message.body == body.strip()
    assert "It is still in Daejeon.<br><br>Can you call CJ?" in html


def test_a_reply_to_a_ticket_waiting_on_the_customer_sets_it_open(client, ticket):
    _set_status(ticket, TicketStatus.PENDING_CUSTOMER, sla_paused_at=timezone.now())

    response = client.post(_url(ticket, "reply/"), {"body": "Here is the photo."})

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert '<p class="status status-open">Open</p>' in response.content.decode()


def test_an_empty_reply_names_the_field_and_writes_nothing(client, ticket):
    before = _counts()

    response = client.post(_url(ticket, "reply/"), {"body": "  \n  "})

    assert response.status_code == 400
    assert _field_errors(response.content.decode(), "body") == "Please write a few words."
    assert _counts() == before


def test_a_reply_with_one_tickets_link_lands_on_that_ticket_only(client, ticket):
    other = TicketFactory()

    client.post(_url(ticket, "reply/"), {"body": "Mine."})

    assert Message.objects.get().ticket == ticket
    assert not other.messages.exists()


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS, ids=["script", "attribute-break"])
def test_a_hostile_reply_is_stored_as_typed_and_shown_escaped(client, ticket, hostile):
    response = client.post(_url(ticket, "reply/"), {"body": hostile})

    assert Message.objects.get().body == hostile
    html = response.content.decode()
    assert hostile not in html
    assert escape(hostile) in html


# --- A closed or resolved ticket ---------------------------------------------------------------


def test_a_closed_ticket_is_readable_without_any_form(client, ticket):
    MessageFactory(ticket=ticket, body="Thanks, it arrived.")
    _close(ticket)

    response = client.get(_url(ticket))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Thanks, it arrived." in html
    assert "This request is closed." in html
    assert '<form method="post" action="/t/' not in html


def test_a_closed_ticket_refuses_a_reply_with_a_message(client, ticket):
    _close(ticket)
    before = _counts()

    response = client.post(_url(ticket, "reply/"), {"body": "One more thing."})

    assert response.status_code == 409
    assert "This request is closed. Please open a new one." in response.content.decode()
    assert _counts() == before


def test_a_ticket_resolved_within_the_window_can_be_reopened(client, ticket):
    _resolve(ticket, days_ago=REOPEN_DAYS - 1)
    page = client.get(_url(ticket)).content.decode()

    response = client.post(_url(ticket, "reopen/"))

    assert f'action="{_url(ticket, "reopen/")}"' in page
    assert response.status_code == 200
    assert "Location" not in response
    assert "Your request is open again." in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.OPEN, None)
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.from_value, event.to_value) == (TicketStatus.RESOLVED, TicketStatus.OPEN)


def test_a_ticket_resolved_too_long_ago_cannot_be_reopened(client, ticket):
    _resolve(ticket, days_ago=REOPEN_DAYS + 1)
    page = client.get(_url(ticket)).content.decode()

    response = client.post(_url(ticket, "reopen/"))

    assert _url(ticket, "reopen/") not in page
    assert _url(ticket, "reply/") not in page
    assert response.status_code == 409
    assert (
        f"A resolved request can be reopened within {REOPEN_DAYS} days. Please open a new one."
        in response.content.decode()
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def test_a_reply_to_a_ticket_resolved_too_long_ago_is_refused(client, ticket):
    _resolve(ticket, days_ago=REOPEN_DAYS + 1)
    before = _counts()

    response = client.post(_url(ticket, "reply/"), {"body": "Still broken."})

    assert response.status_code == 409
    assert _counts() == before


def test_a_reply_to_a_ticket_resolved_within_the_window_reopens_it(client, ticket):
    _resolve(ticket, days_ago=1)

    response = client.post(_url(ticket, "reply/"), {"body": "Not solved, sorry."})

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_an_open_ticket_has_nothing_to_reopen(client, ticket):
    _set_status(ticket, TicketStatus.OPEN)

    response = client.post(_url(ticket, "reopen/"))

    assert response.status_code == 409
    assert "Only a resolved request can be reopened." in response.content.decode()
    assert not TicketEvent.objects.exists()


# --- Delivery changes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"kind": "new_date", "preferred_date": "2099-05-04"},
            {"preferred_date": date(2099, 5, 4)},
        ),
        ({"kind": "new_slot", "time_slot": "18-21"}, {"time_slot": "18-21"}),
        ({"kind": "pickup_point", "place": "GS25 Yeoksam"}, {"place": "GS25 Yeoksam"}),
        ({"kind": "neighbour", "place": "Mr Lee, door 302"}, {"place": "Mr Lee, door 302"}),
        (
            {"kind": "safe_place", "place": "Behind the blue gate"},
            {"place": "Behind the blue gate"},
        ),
    ],
    ids=lambda value: value.get("kind", "") if isinstance(value, dict) else "",
)
def test_a_delivery_change_is_recorded_per_kind(client, ticket, data, expected):
    response = client.post(_url(ticket, "delivery-change/"), {**data, "note": "Ring twice"})

    assert response.status_code == 200
    assert "Location" not in response
    change = DeliveryChangeRequest.objects.get(ticket=ticket)
    assert change.kind == data["kind"]
    for field, value in expected.items():
        assert getattr(change, field) == value
    assert change.note == "Ring twice"
    html = response.content.decode()
    assert "We will arrange it with the carrier" in html
    assert f"<strong>{DeliveryChangeKind(data['kind']).label}</strong>" in html


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"kind": "new_date"}, "preferred_date", "Choose a day."),
        (
            {"kind": "new_date", "preferred_date": timezone.localdate().isoformat()},
            "preferred_date",
            "Choose a day after today.",
        ),
        ({"kind": "new_date", "preferred_date": "tomorrow"}, "preferred_date", "Enter a valid"),
        ({"kind": "new_slot"}, "time_slot", "Choose a time of day."),
        ({"kind": "pickup_point", "place": "  "}, "place", "Say where."),
        ({"kind": "neighbour"}, "place", "Say where."),
        ({"kind": "safe_place"}, "place", "Say where."),
        ({"kind": "teleport"}, "kind", "Select a valid choice."),
    ],
    ids=[
        "date-missing",
        "date-today",
        "date-unreadable",
        "slot-missing",
        "pickup-blank",
        "neighbour-missing",
        "safe-place-missing",
        "unknown-kind",
    ],
)
def test_a_delivery_change_error_is_shown_on_its_field(client, ticket, data, field, error):
    response = client.post(_url(ticket, "delivery-change/"), data)

    assert response.status_code == 400
    assert error in _field_errors(response.content.decode(), field)
    assert not DeliveryChangeRequest.objects.exists()


def test_a_delivery_change_error_is_shown_in_korean(client, ticket):
    response = client.post(
        _url(ticket, "delivery-change/"), {"kind": "new_slot"}, HTTP_ACCEPT_LANGUAGE="ko"
    )

    assert _field_errors(response.content.decode(), "time_slot") == "시간대를 골라 주세요."


def test_a_closed_ticket_takes_no_delivery_change(client, ticket):
    _close(ticket)

    response = client.post(_url(ticket, "delivery-change/"), {"kind": "neighbour", "place": "302"})

    assert response.status_code == 409
    assert "This request is closed." in response.content.decode()
    assert not DeliveryChangeRequest.objects.exists()


def test_a_delivered_parcel_offers_no_delivery_change(client, ticket):
    type(ticket.shipment).objects.filter(pk=ticket.shipment_id).update(
        status="delivered", delivered_at=timezone.now()
    )

    page = client.get(_url(ticket)).content.decode()
    response = client.post(_url(ticket, "delivery-change/"), {"kind": "neighbour", "place": "3"})

    assert _url(ticket, "delivery-change/") not in page
    assert response.status_code == 409
    assert not DeliveryChangeRequest.objects.exists()


def test_a_resolved_ticket_past_the_window_takes_no_delivery_change(client, ticket):
    _resolve(ticket, days_ago=REOPEN_DAYS + 1)

    response = client.post(_url(ticket, "delivery-change/"), {"kind": "neighbour", "place": "3"})

    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert not DeliveryChangeRequest.objects.exists()


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS, ids=["script", "attribute-break"])
def test_a_hostile_delivery_place_is_shown_escaped(client, ticket, hostile):
    response = client.post(
        _url(ticket, "delivery-change/"), {"kind": "neighbour", "place": hostile}
    )

    assert DeliveryChangeRequest.objects.get().place == hostile
    html = response.content.decode()
    assert hostile not in html
    assert escape(hostile) in html


# --- Links that open nothing, forged requests, reads that write --------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("case", ["wrong", "revoked", "expired"])
def test_every_write_with_a_dead_link_is_404_and_writes_nothing(client, ticket, action, case):
    token = token_for(ticket.reference)
    if case == "wrong":
        token = "not-the-token"
    elif case == "revoked":
        Ticket.objects.filter(pk=ticket.pk).update(token_revoked_at=timezone.now())
    else:
        Ticket.objects.filter(pk=ticket.pk).update(
            token_expires_at=timezone.now() - timedelta(seconds=1)
        )
    before = _counts()

    response = client.post(
        f"/t/{token}/{action}", {"body": "Hi", "kind": "neighbour", "place": "3", "language": "ko"}
    )

    assert response.status_code == 404
    assert "This link does not open anything" in response.content.decode()
    assert ticket.reference not in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize("action", ["reply/", "delivery-change/", "reopen/"])
def test_a_write_without_the_csrf_token_is_refused(ticket, action):
    _resolve(ticket, days_ago=1)
    before = _counts()

    response = Client(enforce_csrf_checks=True).post(
        _url(ticket, action), {"body": "Hi", "kind": "neighbour", "place": "302"}
    )

    assert response.status_code == 403
    assert _counts() == before


def test_a_write_with_the_csrf_token_from_the_page_is_accepted(ticket):
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(_url(ticket)).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = browser.post(_url(ticket, "reply/"), {"body": "Hi", "csrfmiddlewaretoken": csrf})

    assert response.status_code == 200
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_reads_never_change_anything(client, ticket):
    _resolve(ticket, days_ago=1)
    MessageFactory(ticket=ticket)
    before = _counts()

    statuses = [client.get(_url(ticket, path)).status_code for path in ["", *ACTIONS, "files/1/"]]

    assert statuses == [200, 405, 405, 405, 405, 404]
    assert _counts() == before
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def test_the_link_without_the_final_slash_is_served_not_redirected(client, ticket):
    response = client.get(f"/t/{token_for(ticket.reference)}")

    assert response.status_code == 200
    assert "Location" not in response


def test_no_answer_carries_the_token_in_a_location_header(client, ticket):
    token = token_for(ticket.reference)
    _resolve(ticket, days_ago=1)

    responses = [
        client.get(_url(ticket)),
        client.post(_url(ticket, "reply/"), {"body": "Hi"}),
        client.post(_url(ticket, "delivery-change/"), {"kind": "neighbour", "place": "3"}),
        client.post(_url(ticket, "reopen/")),
        client.post(_url(ticket, "language/"), {"language": "ko", "next": _url(ticket)}),
        client.get(f"/t/{token}"),
    ]

    for response in responses:
        assert token not in response.get("Location", "")


# --- Language and query budget ------------------------------------------------------------------


def test_the_ticket_page_speaks_korean(client, ticket):
    html = client.get(_url(ticket), HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert '<html lang="ko">' in html
    assert "대화 내용" in html
    assert "답장 보내기" in html


def test_switching_language_answers_in_place(client, ticket):
    response = client.post(_url(ticket, "language/"), {"language": "ko"})

    assert response.status_code == 200
    assert "Location" not in response
    assert response.cookies["django_language"].value == "ko"
    assert "대화 내용" in response.content.decode()
    # The next visit keeps the choice
    assert "대화 내용" in client.get(_url(ticket)).content.decode()


@pytest.mark.parametrize("message_count", [10, 500])
def test_the_page_with_files_and_delivery_requests_keeps_its_query_count(
    client, ticket, django_assert_max_num_queries, message_count
):
    # Given many public messages, some with files, an internal note, delivery requests, events
    messages = MessageFactory.create_batch(message_count, ticket=ticket)
    for message in messages[::5]:
        Attachment.objects.create(
            message=message,
            file="attachments/x.png",
            stored_name="x.png",
            original_name=f"photo-{message.pk}.png",
            content_type="image/png",
            size=10,
        )
    DeliveryChangeRequest.objects.create(ticket=ticket, kind="neighbour", place="302")
    TrackingEventFactory.create_batch(15, shipment=ticket.shipment)

    # Expect 6 queries: the minted link for this token; ticket with customer, shipment and
    # carrier (flags: any public files, any delivery requests); its public messages; their
    # files; its delivery requests; the latest tracking events; its compensation offers.
    with django_assert_max_num_queries(7):
        response = client.get(_url(ticket))

    html = response.content.decode()
    assert html.count('class="msg ') == message_count
    assert html.count("/files/") == len(messages[::5])


def test_a_reply_that_mentions_the_link_reads_this_page_and_stays_escaped(client, ticket):
    # Agents' templates say {ticket_link} for the private link an email carries.
    MessageFactory(
        ticket=ticket,
        author_kind="agent",
        author=UserFactory(username="linker"),
        body="Follow it here: {ticket_link} <script>alert(1)</script>",
    )

    html = client.get(_url(ticket)).content.decode()

    assert "{ticket_link}" not in html
    assert "Follow it here: (this page)" in html
    assert "<script>alert(1)</script>" not in html
