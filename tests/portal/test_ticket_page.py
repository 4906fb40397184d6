"""The customer's ticket page, reached by the private link /t/<token>/ and nothing else."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from apps.core.masking import mask_name
from apps.tickets.models import MessageAuthor, TicketStatus
from tests.factories import (
    CarrierFactory,
    CustomerFactory,
    MessageFactory,
    ShipmentFactory,
    TicketFactory,
    TrackingEventFactory,
    token_for,
)

pytestmark = pytest.mark.django_db

HOSTILE_TEXTS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def _url(token: str) -> str:
    return f"/t/{token}/"


def _page(client, ticket, **headers) -> str:
    response = client.get(_url(token_for(ticket.reference)), **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def ticket(customer):
    shipment = ShipmentFactory(
        customer=customer,
        carrier=CarrierFactory(code="cj", name="CJ Logistics"),
        tracking_number="CJ1234567890",
    )
    return TicketFactory(
        customer=customer, shipment=shipment, subject="Parcel stuck in Daejeon", language="ko"
    )


def test_page_opens_with_the_right_token(client, ticket, agent):
    MessageFactory(ticket=ticket, body="It was promised for Monday.")
    MessageFactory(
        ticket=ticket, author_kind=MessageAuthor.AGENT, author=agent, body="We asked CJ."
    )

    html = _page(client, ticket)

    assert ticket.reference in html
    assert "Parcel stuck in Daejeon" in html
    assert '<p class="status status-new">New</p>' in html
    assert "CJ Logistics" in html
    assert "CJ1234567890" in html
    assert "It was promised for Monday." in html
    assert "We asked CJ." in html


@pytest.mark.parametrize(
    "token",
    [
        "not-the-token",
        "DD-T99999-token-with-enough-length-for-tests",
        "x" * 129,
        "x" * 5000,
    ],
    ids=["wrong", "unknown-reference", "just-too-long", "far-too-long"],
)
def test_page_is_404_for_a_token_that_opens_nothing(client, ticket, token):
    response = client.get(_url(token))

    assert response.status_code == 404
    assert ticket.reference not in response.content.decode()


def test_page_is_404_for_a_revoked_token(client, ticket):
    ticket.token_revoked_at = timezone.now()
    ticket.save(update_fields=["token_revoked_at"])

    response = client.get(_url(token_for(ticket.reference)))

    assert response.status_code == 404


def test_page_is_404_for_an_expired_token(client, ticket):
    ticket.token_expires_at = timezone.now() - timedelta(seconds=1)
    ticket.save(update_fields=["token_expires_at"])

    response = client.get(_url(token_for(ticket.reference)))

    assert response.status_code == 404


def test_page_opens_until_the_token_expires(client, ticket):
    ticket.token_expires_at = timezone.now() + timedelta(days=1)
    ticket.save(update_fields=["token_expires_at"])

    _page(client, ticket)


def test_page_never_shows_another_tickets_data(client, ticket):
    # Given a second customer's ticket with its own parcel and messages
    other = TicketFactory(
        customer=CustomerFactory(name="Park Jisoo", email="jisoo@example.com"),
        subject="Broken vase",
        shipment__tracking_number="HJ0000000001",
    )
    MessageFactory(ticket=other, body="The vase arrived in pieces.")
    MessageFactory(ticket=ticket, body="Mine is just late.")

    # When the first customer opens their own link
    html = _page(client, ticket)

    # Then nothing of the second ticket is on it
    for secret in [other.reference, "Broken vase", "HJ0000000001", "The vase arrived", "jisoo"]:
        assert secret not in html
    assert "Mine is just late." in html


def test_page_never_shows_internal_notes(client, ticket, agent):
    MessageFactory(
        ticket=ticket, body="Public answer.", author_kind=MessageAuthor.AGENT, author=agent
    )
    MessageFactory(
        ticket=ticket,
        author_kind=MessageAuthor.AGENT,
        author=agent,
        is_internal=True,
        body="INTERNAL: customer is a known chargeback risk",
    )

    html = _page(client, ticket)

    assert "Public answer." in html
    assert "INTERNAL" not in html
    assert "chargeback" not in html


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS, ids=["script", "attribute-break"])
def test_page_escapes_hostile_text_everywhere(client, hostile):
    # Given hostile text in every field a customer or carrier can write
    customer = CustomerFactory(name=hostile)
    shipment = ShipmentFactory(customer=customer)
    ticket = TicketFactory(customer=customer, shipment=shipment, subject=hostile)
    MessageFactory(ticket=ticket, body=hostile)
    TrackingEventFactory(shipment=shipment, location=hostile, message=hostile)

    # When the page renders
    html = _page(client, ticket)

    # Then none of it arrives as markup: subject (heading and title), message body, event
    # location and message, and the masked customer name are all escaped
    assert hostile not in html
    assert "<img src=x" not in html
    assert "<script>alert" not in html
    assert html.count(escape(hostile)) >= 4
    assert escape(mask_name(hostile)) in html


def test_page_masks_the_customer_email(client, ticket):
    html = _page(client, ticket)

    assert "minji@example.com" not in html
    assert "m***@example.com" in html


def test_page_masks_the_customer_name(client, ticket):
    html = _page(client, ticket)

    assert "Kim Minji" not in html
    assert mask_name("Kim Minji") in html


def test_page_tells_browsers_not_to_pass_on_or_keep_the_link(client, ticket):
    response = client.get(_url(token_for(ticket.reference)))

    assert response["Referrer-Policy"] == "strict-origin"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "private"} <= cache_control


def test_page_is_404_for_a_wrong_token_with_the_same_headers(client):
    response = client.get(_url("not-the-token"))

    assert response.status_code == 404
    assert response["Referrer-Policy"] == "strict-origin"


@pytest.mark.parametrize("message_count", [10, 500])
def test_page_query_count_does_not_grow_with_messages(
    client, ticket, django_assert_max_num_queries, message_count
):
    MessageFactory.create_batch(message_count, ticket=ticket)
    TrackingEventFactory.create_batch(15, shipment=ticket.shipment)

    # Expect 5 queries: the minted link for this token (an index lookup, so the ticket query
    # needs no OR-subquery scan); ticket with customer, shipment and carrier; its public
    # messages; the latest tracking events; the compensation offers made on it.
    with django_assert_max_num_queries(5):
        response = client.get(_url(token_for(ticket.reference)))

    assert response.status_code == 200
    assert response.content.decode().count('class="msg ') == message_count


def test_page_renders_in_korean_when_the_browser_asks(client, ticket):
    html = _page(client, ticket, HTTP_ACCEPT_LANGUAGE="ko")

    assert 'lang="ko"' in html


def test_page_shows_the_status_a_customer_understands(client, ticket):
    ticket.status = TicketStatus.PENDING_CUSTOMER
    ticket.sla_paused_at = timezone.now()
    ticket.save(update_fields=["status", "sla_paused_at"])

    html = _page(client, ticket)

    assert '<p class="status status-pending_customer">Waiting for you</p>' in html
