"""The customer's tracking page: find a parcel by number plus email or phone ending, then see it."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.html import escape

from apps.shipments.models import DelayReason, ShipmentStatus, TrackingEvent
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory, TrackingEventFactory

pytestmark = pytest.mark.django_db

TRACK_URL = "/track/"
NOT_FOUND = "We could not find a parcel with these details. Check the number and the contact."
TOO_MANY = "Too many lookups. Please wait a few minutes and try again."
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache: a count left by one test would limit the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def parcel_customer(db):
    return CustomerFactory(
        name="Kim Minji", email="minji@example.com", phone="+821098765432", language="ko"
    )


@pytest.fixture
def shipment(parcel_customer):
    return ShipmentFactory(
        customer=parcel_customer,
        carrier=CarrierFactory(code="cj", name="CJ Logistics"),
        tracking_number="CJ1000",
        promised_start=datetime(2031, 3, 3, 9, tzinfo=SEOUL),
        promised_end=datetime(2031, 3, 4, 18, tzinfo=SEOUL),
    )


def _parcel_url(shipment) -> str:
    return f"/track/parcel/{shipment.pk}/"


def _lookup(client, number: str, contact: str, ip: str = "127.0.0.1", **headers):
    return client.post(
        TRACK_URL, {"tracking_number": number, "contact": contact}, REMOTE_ADDR=ip, **headers
    )


def _verified_page(client, shipment, **headers) -> str:
    assert _lookup(client, shipment.tracking_number, shipment.customer.email).status_code == 302
    response = client.get(_parcel_url(shipment), **headers)
    assert response.status_code == 200
    return response.content.decode()


def _alert(html: str) -> str:
    """The text of the form's error box, tags and spacing folded away."""
    found = re.search(r'<div class="errors" role="alert">(.*?)</div>', html, re.S)
    assert found, "no error box on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def _limits(**rates):
    return override_settings(DELAYDESK={**settings.DELAYDESK, **rates})


# --- Finding the parcel ----------------------------------------------------------------------


def test_the_lookup_form_opens_with_the_number_from_the_link(client):
    response = client.get(TRACK_URL, {"number": "CJ1000"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="CJ1000"' in html
    assert 'name="contact"' in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize(
    "contact",
    ["minji@example.com", "MINJI@Example.COM", "  minji@example.com ", "5432"],
    ids=["email", "email-any-case", "email-with-spaces", "phone-last-4"],
)
def test_number_and_contact_lead_to_the_parcel_page(client, shipment, contact):
    response = _lookup(client, "CJ1000", contact)

    assert response.status_code == 302
    # The contact never lands in a URL.
    assert response["Location"] == _parcel_url(shipment)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("number", "contact"),
    [
        ("CJ9999", "minji@example.com"),  # wrong number
        ("CJ1000", "someone@example.com"),  # right number, wrong email
        ("CJ1000", "1111"),  # right number, wrong phone ending
        ("CJ1000", "minji@example"),  # right number, almost the email
        ("CJ1000", "98765432"),  # more than the last 4 digits is not a phone ending
    ],
)
def test_wrong_details_get_one_answer_whichever_part_is_wrong(client, shipment, number, contact):
    response = _lookup(client, number, contact)
    wrong_number = _lookup(Client(), "NO-SUCH-NUMBER", "nobody@example.com")

    assert response.status_code == wrong_number.status_code == 200
    assert _alert(response.content.decode()) == _alert(wrong_number.content.decode())
    assert _alert(response.content.decode()) == NOT_FOUND
    assert "CJ Logistics" not in response.content.decode()


def test_a_lookup_without_a_contact_names_the_missing_field(client, shipment):
    response = client.post(TRACK_URL, {"tracking_number": "CJ1000"})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert "CJ Logistics" not in response.content.decode()


def test_a_post_without_the_csrf_token_is_refused(shipment):
    strict = Client(enforce_csrf_checks=True)

    response = _lookup(strict, "CJ1000", "minji@example.com")

    assert response.status_code == 403


def test_a_post_with_the_csrf_token_from_the_form_is_accepted(shipment):
    strict = Client(enforce_csrf_checks=True)
    html = strict.get(TRACK_URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = strict.post(
        TRACK_URL,
        {"tracking_number": "CJ1000", "contact": "5432", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302


# --- The parcel page -------------------------------------------------------------------------


def test_the_parcel_page_needs_a_lookup_in_this_browser(client, shipment):
    response = client.get(_parcel_url(shipment))

    assert response.status_code == 302
    assert response["Location"] == TRACK_URL


def test_verifying_one_parcel_does_not_open_another(client, shipment):
    other = ShipmentFactory(tracking_number="CJ2000")
    _lookup(client, "CJ1000", "minji@example.com")

    response = client.get(_parcel_url(other))

    assert response.status_code == 302
    assert response["Location"] == TRACK_URL


def test_another_browser_does_not_share_the_verification(client, shipment):
    _lookup(client, "CJ1000", "minji@example.com")

    assert Client().get(_parcel_url(shipment)).status_code == 302


def test_the_parcel_page_shows_status_promise_estimate_and_timeline(client, shipment):
    Shipment = type(shipment)
    Shipment.objects.filter(pk=shipment.pk).update(
        estimate_start=datetime(2031, 3, 5, 9, tzinfo=SEOUL),
        estimate_end=datetime(2031, 3, 6, 18, tzinfo=SEOUL),
    )
    now = timezone.now()
    TrackingEventFactory(
        shipment=shipment,
        status=ShipmentStatus.INFO_RECEIVED,
        location="Gonjiam Hub",
        occurred_at=now - timedelta(hours=5),
    )
    TrackingEventFactory(
        shipment=shipment,
        status=ShipmentStatus.IN_TRANSIT,
        location="Daejeon Hub",
        message="Left the sorting centre",
        occurred_at=now - timedelta(hours=1),
    )

    html = _verified_page(client, shipment)

    assert "CJ Logistics" in html
    assert "CJ1000" in html
    assert '<p class="status">In transit</p>' in html
    assert "Promised for March 3, 2031 – March 4, 2031." in html
    assert "Now expected between March 5, 2031 and March 6, 2031." in html
    # Newest first, with where and what.
    assert html.index("Daejeon Hub") < html.index("Gonjiam Hub")
    assert "Label created · Gonjiam Hub" in html
    assert "Left the sorting centre" in html
    assert "Why it is late" not in html


def test_a_delayed_parcel_says_why_in_plain_words(client, shipment):
    type(shipment).objects.filter(pk=shipment.pk).update(
        is_delayed=True,
        delay_reason=DelayReason.CUSTOMS,
        delay_detected_at=timezone.now(),
        delay_hours=26,
    )

    html = _verified_page(client, shipment)

    assert '<strong class="late">Delayed</strong>' in html
    assert "Why it is late: Held at customs. We are sorry for the wait." in html


def test_a_delivered_parcel_says_when(client, shipment):
    type(shipment).objects.filter(pk=shipment.pk).update(
        status=ShipmentStatus.DELIVERED, delivered_at=datetime(2031, 3, 4, 14, 5, tzinfo=SEOUL)
    )

    html = _verified_page(client, shipment)

    assert "Delivered on March 4, 2031, 14:05." in html
    assert "Promised for" not in html


def test_the_parcel_page_masks_personal_data(client, shipment):
    html = _verified_page(client, shipment)

    assert "K*******i" in html
    for personal in ["Kim Minji", "Minji", "minji@example.com", "minji@", "+821098765432"]:
        assert personal not in html
    assert "98765432" not in html


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_hostile_text_in_events_is_escaped(client, shipment, hostile):
    TrackingEventFactory(shipment=shipment, location=hostile, message=hostile)

    html = _verified_page(client, shipment)

    assert hostile not in html
    assert escape(hostile) in html


@pytest.mark.parametrize("event_count", [10, 1000])
def test_the_parcel_page_query_count_does_not_grow_with_events(
    client, shipment, event_count, django_assert_max_num_queries
):
    now = timezone.now()
    TrackingEvent.objects.bulk_create(
        TrackingEvent(
            carrier=shipment.carrier,
            shipment=shipment,
            tracking_number=shipment.tracking_number,
            carrier_event_id=f"evt-{n}",
            raw_status="InTransit",
            status=ShipmentStatus.IN_TRANSIT,
            occurred_at=now - timedelta(minutes=n),
        )
        for n in range(event_count)
    )
    _lookup(client, "CJ1000", "minji@example.com")

    # Expect 4 queries: the session, the shipment joined with its customer and carrier, its
    # latest 50 events, its latest 5 estimates.
    with django_assert_max_num_queries(4):
        response = client.get(_parcel_url(shipment))

    assert response.status_code == 200
    assert response.content.decode().count("<time ") == min(event_count, 50)


def test_a_verified_parcel_that_no_longer_exists_is_404(client, shipment):
    _lookup(client, "CJ1000", "minji@example.com")
    shipment.delete()

    assert client.get(_parcel_url(shipment)).status_code == 404


# --- Languages -------------------------------------------------------------------------------


def test_pages_are_english_by_default(client, shipment):
    html = _verified_page(client, shipment)

    assert '<html lang="en">' in html
    assert "Your parcel" in html


def test_pages_follow_a_browser_asking_for_korean(client, shipment):
    lookup = client.get(TRACK_URL, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    html = _verified_page(client, shipment, HTTP_ACCEPT_LANGUAGE="ko")

    assert '<html lang="ko">' in lookup
    assert '<html lang="ko">' in html
    # Dates already follow Korean formats.
    assert "2031년 3월 3일" in html


def test_the_korean_page_speaks_korean(client, shipment):
    html = client.get(TRACK_URL, HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert "Track your parcel" not in html
    assert "Find my parcel" not in html


# --- Rate limits -----------------------------------------------------------------------------


def test_lookups_are_limited_per_client(client, shipment):
    with _limits(LOOKUP_RATE_PER_CLIENT="3/m", LOOKUP_RATE_PER_PARCEL="100/h"):
        answers = [_lookup(client, f"GUESS{n}", "a@example.com").status_code for n in range(3)]
        # Even the right details are refused once the client used up its lookups.
        limited = _lookup(client, "CJ1000", "minji@example.com")
        elsewhere = _lookup(Client(), "CJ1000", "minji@example.com", ip="10.9.9.9")

    assert answers == [200, 200, 200]
    assert limited.status_code == 429
    assert _alert(limited.content.decode()) == TOO_MANY
    assert elsewhere.status_code == 302


def test_lookups_are_limited_per_tracking_number_across_clients(client, shipment):
    with _limits(LOOKUP_RATE_PER_CLIENT="100/m", LOOKUP_RATE_PER_PARCEL="3/h"):
        answers = [
            _lookup(Client(), "CJ1000", f"{n}@example.com", ip=f"10.0.0.{n}").status_code
            for n in range(1, 4)
        ]
        limited = _lookup(client, "CJ1000", "minji@example.com", ip="10.0.0.99")
        spaced = _lookup(client, "cj 1000", "minji@example.com", ip="10.0.0.98")
        other_number = _lookup(client, "CJ2000", "x@example.com", ip="10.0.0.97")

    assert answers == [200, 200, 200]
    assert limited.status_code == 429
    assert _alert(limited.content.decode()) == TOO_MANY
    assert spaced.status_code == 429
    assert other_number.status_code == 200


def test_the_limit_answers_the_same_for_a_number_that_does_not_exist(client):
    with _limits(LOOKUP_RATE_PER_CLIENT="100/m", LOOKUP_RATE_PER_PARCEL="1/h"):
        _lookup(Client(), "NOPE1", "a@example.com", ip="10.0.1.1")
        limited = _lookup(client, "NOPE1", "a@example.com", ip="10.0.1.2")

    assert limited.status_code == 429
    assert _alert(limited.content.decode()) == TOO_MANY


def test_hyphens_in_the_number_do_not_escape_the_per_number_limit(client, shipment):
    variants = ["CJ1000", "C-J1000", "CJ-1000", "CJ1-000", "CJ10-00", "CJ100-0"]
    with _limits(LOOKUP_RATE_PER_CLIENT="100/m", LOOKUP_RATE_PER_PARCEL="3/h"):
        answers = [
            _lookup(Client(), number, "1111", ip=f"10.0.2.{n}").status_code
            for n, number in enumerate(variants, start=1)
        ]

    assert answers[3:] == [429, 429, 429]
