"""What the customer is told at each step, in their language, with a working private link."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone

from apps.compensation.models import ActionKind
from apps.compensation.services import offer_accept, offer_decline, offer_issue, offers_propose
from apps.compensation.telling import offer_message
from apps.notifications.models import Notification, NotificationStatus
from apps.notifications.services import LINK_MARK, notification_send
from apps.shipments.models import Channel
from tests.compensation.test_services import late_shipment, ticket_of, wide_budget
from tests.factories import CompensationRuleFactory, CustomerFactory


@pytest.fixture
def standard_terms(db):
    wide_budget()
    return CompensationRuleFactory(
        name="Standard terms",
        action=ActionKind.FARE_FORMULA,
        rate=Decimal("0.5"),
        cap_fare_multiple=Decimal("2"),
    )


def issued_offer(*, language="en", channel=Channel.BOTH, name="Kim Minji"):
    customer = CustomerFactory(name=name, language=language, channel=channel)
    shipment = late_shipment(customer=customer, tracking_number=f"TNMSG{language}{channel}")
    ticket = ticket_of(shipment, language=language)
    [offer] = offers_propose(ticket=ticket)
    return ticket, offer_issue(offer_id=offer.pk)


def told(offer, stage) -> dict:
    return {
        notification.channel: notification
        for notification in Notification.objects.filter(
            subject_type="offer", subject_id=offer.pk, stage=stage
        )
    }


def send(notification) -> str:
    """Send through the outbox (locmem email); the body that left, with its link."""
    mail.outbox.clear()
    status = notification_send(notification_id=notification.pk, now=notification.next_attempt_at)
    assert status == NotificationStatus.SENT
    [sent] = mail.outbox
    return sent.body


def link_path(body: str) -> str:
    [url] = re.findall(r"https?://\S+/t/[^/\s]+/", body)
    return urlparse(url).path


def test_issue_queues_one_message_per_channel(standard_terms):
    ticket, offer = issued_offer(channel=Channel.BOTH)
    assert set(told(offer, "offer_issued")) == {"email", "sms"}
    only_email = issued_offer(channel=Channel.EMAIL, name="Lee Jun")[1]
    assert set(told(only_email, "offer_issued")) == {"email"}
    # Issuing again (a re-delivered task) queues nothing more.
    assert offer_issue(offer_id=offer.pk) is None
    assert Notification.objects.filter(subject_type="offer").count() == 3


def test_the_issue_message_in_english(standard_terms, client):
    ticket, offer = issued_offer(language="en")
    email = told(offer, "offer_issued")["email"]
    title, body = offer_message(email)
    assert title == "Our apology for your late parcel: ₩3,000"
    assert "Hello Kim, we are sorry your parcel TNMSGenboth is late." in body
    assert "We offer you compensation for the late delivery: ₩3,000." in body
    assert "2 days late × ₩3,000 × 50% = ₩3,000, Standard terms" in body
    # The date as the desk's zone shows it (Seoul): in UTC it is a day earlier after 15:00.
    expires = timezone.localtime(offer.expires_at)
    assert f"Accept or decline by {expires:%Y-%m-%d}: {LINK_MARK}" in body

    sent = send(email)
    assert LINK_MARK not in sent
    assert client.get(link_path(sent)).status_code == 200
    email.refresh_from_db()
    # The outbox keeps the mark, never a working token.
    assert LINK_MARK in email.body and "/t/" not in email.body


def test_the_sms_leaves_out_the_explanation(standard_terms):
    ticket, offer = issued_offer(language="en")
    title, body = offer_message(told(offer, "offer_issued")["sms"])
    assert "× 50%" not in body
    assert "₩3,000" in body


def test_the_issue_message_in_korean(standard_terms):
    ticket, offer = issued_offer(language="ko")
    title, body = offer_message(told(offer, "offer_issued")["email"])
    assert title == "배송 지연 보상 안내: ₩3,000"
    assert "택배 TNMSGkoboth의 배송이 늦어져 죄송합니다." in body
    expires = timezone.localtime(offer.expires_at)
    assert f"{expires:%Y-%m-%d}까지 수락 또는 거절해 주세요: {LINK_MARK}" in body


def test_acceptance_tells_the_voucher_code(standard_terms, client):
    ticket, offer = issued_offer(language="en")
    offer_accept(ticket=ticket, offer_id=offer.pk)
    messages = told(offer, "offer_accepted")
    assert set(messages) == {"email", "sms"}
    code = offer.voucher.code
    title, body = offer_message(messages["email"])
    assert title == "Your compensation: ₩3,000"
    assert f"your code is {code}." in body
    sent = send(messages["email"])
    assert code in sent
    assert client.get(link_path(sent)).status_code == 200


def test_acceptance_in_korean(standard_terms):
    ticket, offer = issued_offer(language="ko")
    offer_accept(ticket=ticket, offer_id=offer.pk)
    title, body = offer_message(told(offer, "offer_accepted")["sms"])
    assert title == "보상이 확정되었습니다: ₩3,000"
    assert f"코드: {offer.voucher.code}" in body


def test_decline_is_confirmed_once(standard_terms):
    ticket, offer = issued_offer(language="en")
    offer_decline(ticket=ticket, offer_id=offer.pk)
    messages = told(offer, "offer_declined")
    assert set(messages) == {"email", "sms"}
    title, body = offer_message(messages["email"])
    assert title == "You declined the offer of ₩3,000"
    assert LINK_MARK in body
    ko_ticket, ko_offer = issued_offer(language="ko", name="Park Jisoo")
    offer_decline(ticket=ko_ticket, offer_id=ko_offer.pk)
    title, _ = offer_message(told(ko_offer, "offer_declined")["email"])
    assert title == "보상 제안(₩3,000)을 거절하셨습니다"
    assert Notification.objects.filter(stage="offer_declined").count() == 4


def test_expiry_message_in_both_languages(standard_terms):

    from apps.compensation.services import offers_expire

    ticket, offer = issued_offer(language="en")
    ko_ticket, ko_offer = issued_offer(language="ko", name="Park Jisoo")
    assert offers_expire(now=offer.expires_at + timedelta(days=1)) == 2
    title, body = offer_message(told(offer, "offer_expired")["email"])
    assert title == "Your offer of ₩3,000 has expired"
    assert LINK_MARK in body
    title, _ = offer_message(told(ko_offer, "offer_expired")["email"])
    assert title == "보상 제안(₩3,000)의 기한이 지났습니다"
