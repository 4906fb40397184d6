"""Filing a request: from a parcel this browser verified, or by the general form confirmed by a
one-time link sent by email. Either way the private link is shown once, never redirected to."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from apps.core.tokens import token_hash
from apps.tickets.models import Message, Ticket, TicketCategory, TicketDraft
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

HOSTILE_TEXTS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
TICKET_LINK = re.compile(r"https?://[^\s\"<]+/t/([A-Za-z0-9_-]+)/")
CONFIRM_LINK = re.compile(r"/contact/confirm/([A-Za-z0-9_-]+)/")
DRAFT_TOKEN = "a-draft-token-known-to-the-test-and-long-enough"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache: a count left by one test would limit the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shipment(customer):
    return ShipmentFactory(
        customer=customer,
        carrier=CarrierFactory(code="cj", name="CJ Logistics"),
        tracking_number="CJ1000",
    )


def _verify(client, shipment):
    response = client.post(
        "/track/", {"tracking_number": shipment.tracking_number, "contact": "minji@example.com"}
    )
    assert response.status_code == 302


def _file(client, shipment, headers=None, **data):
    return client.post(
        f"/track/parcel/{shipment.pk}/ticket/",
        {
            "category": TicketCategory.LATE,
            "message": "Promised for Monday.\nStill nothing.",
            **data,
        },
        **(headers or {}),
    )


def _draft(**fields) -> TicketDraft:
    values = {
        "email": "minji@example.com",
        "name": "Kim Minji",
        "language": "en",
        "category": TicketCategory.LOST,
        "body": "My parcel never came.",
        "token_hash": token_hash(DRAFT_TOKEN),
        "expires_at": timezone.now() + timedelta(hours=24),
        **fields,
    }
    return TicketDraft.objects.create(**values)


def _confirm_url(token: str = DRAFT_TOKEN) -> str:
    return f"/contact/confirm/{token}/"


def _contact(client, headers=None, **data):
    return client.post(
        "/contact/",
        {
            "name": "Kim Minji",
            "email": "minji@example.com",
            "tracking_number": "",
            "category": TicketCategory.LOST,
            "message": "My parcel never came.",
            **data,
        },
        **(headers or {}),
    )


# --- From a verified parcel -------------------------------------------------------------------


def test_the_parcel_page_offers_the_request_form(client, shipment):
    _verify(client, shipment)

    html = client.get(f"/track/parcel/{shipment.pk}/").content.decode()

    assert f'action="/track/parcel/{shipment.pk}/ticket/"' in html
    for category in TicketCategory.values:
        assert f'value="{category}"' in html


def test_a_verified_parcel_files_a_ticket_and_shows_its_link_once(client, shipment):
    _verify(client, shipment)

    response = _file(client, shipment)

    # The link is on the page itself: no redirect carries it
    assert response.status_code == 200
    assert "Location" not in response
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.shipment, ticket.category) == (
        shipment.customer,
        shipment,
        TicketCategory.LATE,
    )
    assert ticket.subject == "Promised for Monday."
    assert ticket.messages.get().body == "Promised for Monday.\nStill nothing."
    html = response.content.decode()
    assert ticket.reference in html
    token = TICKET_LINK.search(html).group(1)
    assert token_hash(token) == ticket.token_hash
    # The link opens the request; the parcel page does not show it again
    assert client.get(f"/t/{token}/").status_code == 200
    assert token not in client.get(f"/track/parcel/{shipment.pk}/").content.decode()


def test_the_filed_page_is_never_cached(client, shipment):
    _verify(client, shipment)

    response = _file(client, shipment)

    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "strict-origin"


def test_a_request_about_an_unverified_parcel_is_refused(client, shipment):
    response = _file(client, shipment)

    assert response.status_code == 302
    assert response["Location"] == "/track/"
    assert not Ticket.objects.exists()


def test_a_request_without_words_names_the_missing_field(client, shipment):
    _verify(client, shipment)

    response = _file(client, shipment, message="   \n ")

    assert response.status_code == 400
    assert "Please write a few words." in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_request_without_a_category_is_refused(client, shipment):
    _verify(client, shipment)

    response = _file(client, shipment, category="refund-me-twice")

    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_filing_on_the_korean_page_opens_a_korean_ticket(client, shipment):
    _verify(client, shipment)

    response = _file(client, shipment, headers={"HTTP_ACCEPT_LANGUAGE": "ko"})

    assert Ticket.objects.get().language == "ko"
    assert "문의가 접수되었어요" in response.content.decode()


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS, ids=["script", "attribute-break"])
def test_a_hostile_request_is_stored_as_typed_and_shown_escaped(client, shipment, hostile):
    _verify(client, shipment)

    response = _file(client, shipment, message=hostile)

    assert Message.objects.get().body == hostile
    token = TICKET_LINK.search(response.content.decode()).group(1)
    html = client.get(f"/t/{token}/").content.decode()
    assert hostile not in html
    assert escape(hostile) in html


# --- By the general form, confirmed by email ---------------------------------------------------


def test_the_contact_form_emails_a_one_time_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _contact(client)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Check your email" in html
    assert "m***@example.com" in html
    draft = TicketDraft.objects.get()
    assert (draft.email, draft.category, draft.body) == (
        "minji@example.com",
        TicketCategory.LOST,
        "My parcel never came.",
    )
    assert not Ticket.objects.exists()
    (email,) = mail.outbox
    assert email.to == ["minji@example.com"]
    token = CONFIRM_LINK.search(email.body).group(1)
    assert token_hash(token) == TicketDraft.objects.get().token_hash


def test_the_emailed_link_confirms_once(client, django_capture_on_commit_callbacks):
    # Given the form sent and its email delivered
    with django_capture_on_commit_callbacks(execute=True):
        _contact(client, tracking_number="CJ1000")
    url = CONFIRM_LINK.search(mail.outbox[0].body).group(0)

    # When the link is opened, then confirmed
    page = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url)

    # Then the GET only showed a button, and the POST opened the ticket with its private link
    assert page.status_code == 200
    assert f'action="{url}"' in page.content.decode()
    assert confirmed.status_code == 200
    assert "Location" not in confirmed
    ticket = Ticket.objects.get()
    assert ticket.messages.get().body == "My parcel never came."
    token = TICKET_LINK.search(confirmed.content.decode()).group(1)
    assert client.get(f"/t/{token}/").status_code == 200
    # And the link is spent
    assert client.post(url).status_code == 410
    assert client.get(url).status_code == 410
    assert Ticket.objects.count() == 1


def test_opening_the_confirmation_link_changes_nothing(client):
    draft = _draft()

    response = client.get(_confirm_url())

    assert response.status_code == 200
    assert "Confirm your request" in response.content.decode()
    draft.refresh_from_db()
    assert draft.used_at is None
    assert not Ticket.objects.exists()


def test_the_confirmation_link_without_the_final_slash_is_served_not_redirected(client):
    _draft()

    response = client.get(f"/contact/confirm/{DRAFT_TOKEN}")

    assert response.status_code == 200
    assert "Location" not in response


def test_an_expired_confirmation_link_gets_a_clear_page(client):
    _draft(expires_at=timezone.now() - timedelta(seconds=1))

    for response in (client.get(_confirm_url()), client.post(_confirm_url())):
        assert response.status_code == 410
        assert "This confirmation link is not valid any more" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_used_confirmation_link_gets_a_clear_page(client):
    _draft(used_at=timezone.now())

    assert client.get(_confirm_url()).status_code == 410
    assert client.post(_confirm_url()).status_code == 410
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "token",
    [DRAFT_TOKEN[:-1] + "X", "not-a-token", "x" * 5000],
    ids=["one-character-changed", "made-up", "far-too-long"],
)
def test_a_tampered_confirmation_link_gets_a_clear_page(client, token):
    _draft()

    assert client.get(_confirm_url(token)).status_code == 410
    assert client.post(_confirm_url(token)).status_code == 410
    assert not Ticket.objects.exists()


def test_the_contact_answer_does_not_tell_whether_the_address_is_known(client):
    CustomerFactory(email="known@example.com")

    known = _contact(client, email="known@example.com", tracking_number="CJ1000")
    unknown = _contact(client, email="nobody@example.com", tracking_number="ZZ9")

    strip = re.compile(r"\w\*\*\*@example\.com|csrfmiddlewaretoken\" value=\"[^\"]+")
    assert strip.sub("", known.content.decode()) == strip.sub("", unknown.content.decode())


def test_the_contact_form_names_what_is_missing(client):
    response = _contact(client, email="not-an-email", message="")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "This field is required." in html
    assert not TicketDraft.objects.exists()


def test_the_contact_form_is_limited_per_address(client, settings):
    settings.DELAYDESK = {**settings.DELAYDESK, "CONTACT_RATE_PER_EMAIL": "2/h"}

    answers = [
        _contact(client, headers={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code for n in range(3)
    ]

    assert answers == [200, 200, 429]
    assert TicketDraft.objects.count() == 2


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS, ids=["script", "attribute-break"])
def test_hostile_text_on_the_confirmation_page_is_escaped(client, hostile):
    _draft(name=hostile, body=hostile, tracking_number=hostile)

    html = client.get(_confirm_url()).content.decode()

    assert hostile not in html
    assert escape(hostile) in html


def test_the_contact_form_refuses_a_post_without_the_csrf_token(db):
    response = Client(enforce_csrf_checks=True).post(
        "/contact/",
        {
            "name": "Kim Minji",
            "email": "minji@example.com",
            "category": TicketCategory.LOST,
            "message": "Hello",
        },
    )

    assert response.status_code == 403
    assert not TicketDraft.objects.exists()


def test_the_confirmation_refuses_a_post_without_the_csrf_token(db):
    _draft()

    response = Client(enforce_csrf_checks=True).post(_confirm_url())

    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_the_contact_pages_speak_korean(client):
    _draft()

    form = client.get("/contact/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    confirm = client.get(_confirm_url(), HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert "문의하기" in form
    assert "문의를 확인해 주세요" in confirm
