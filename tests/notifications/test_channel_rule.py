"""The one channel rule, as a matrix: every kind of message × the channel the customer chose ×
the contact details they gave reaches the same addresses, and each queued copy renders.

The expected table is written out by hand (not computed with the rule under test):
- the chosen channels that have an address;
- when none of them has one, whatever address exists, email first.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.compensation.telling import offer_tell
from apps.feedback.models import FollowUp, FollowUpReason
from apps.feedback.telling import followup_tell, survey_tell
from apps.notifications.channels import channels_choose
from apps.notifications.models import Notification, NotificationStatus
from apps.notifications.services import notification_send
from apps.shipments.telling import stages_tell
from apps.tickets.telling import ticket_tell
from tests.factories import (
    CustomerFactory,
    OfferFactory,
    SurveyFactory,
    SurveyResponseFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

# Mid-afternoon in Seoul: outside quiet hours, so every copy is due at once.
AFTERNOON = datetime(2025, 6, 11, 15, 0, tzinfo=ZoneInfo("Asia/Seoul"))
EMAIL = "minji@example.com"
PHONE = "+821012345678"

CONTACTS = {
    "email only": {"email": EMAIL, "phone": ""},
    "phone only": {"email": "", "phone": PHONE},
    "email and phone": {"email": EMAIL, "phone": PHONE},
}

# (chosen channel, contact details) → the (channel, address) pairs that receive the message.
EXPECTED = {
    ("email", "email only"): {("email", EMAIL)},
    ("email", "phone only"): {("sms", PHONE)},
    ("email", "email and phone"): {("email", EMAIL)},
    ("sms", "email only"): {("email", EMAIL)},
    ("sms", "phone only"): {("sms", PHONE)},
    ("sms", "email and phone"): {("sms", PHONE)},
    ("both", "email only"): {("email", EMAIL)},
    ("both", "phone only"): {("sms", PHONE)},
    ("both", "email and phone"): {("email", EMAIL), ("sms", PHONE)},
}


def _parcel_stage(customer):
    ticket = TicketFactory(customer=customer)
    stages_tell(stages=[(ticket.shipment_id, "delayed")], now=AFTERNOON)
    return "shipment", ticket.shipment_id


def _ticket_message(customer):
    ticket = TicketFactory(customer=customer)
    ticket_tell(ticket=ticket, stage="status_resolved", now=AFTERNOON)
    return "ticket", ticket.pk


def _offer(customer):
    ticket = TicketFactory(customer=customer)
    offer = OfferFactory(shipment=ticket.shipment, ticket=ticket, status="issued")
    offer_tell(offer=offer, stage="offer_issued", now=AFTERNOON)
    return "offer", offer.pk


def _survey(customer):
    survey = SurveyFactory(ticket__customer=customer, ticket__shipment__customer=customer)
    survey_tell(survey=survey, customer=customer, now=AFTERNOON)
    return "survey", survey.pk


KINDS = {
    "parcel stage": _parcel_stage,
    "ticket message": _ticket_message,
    "offer": _offer,
    "survey": _survey,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("chosen", ["email", "sms", "both"])
@pytest.mark.parametrize("details", CONTACTS)
def test_every_message_kind_reaches_the_customer_by_the_one_rule(kind, chosen, details):
    customer = CustomerFactory(channel=chosen, **CONTACTS[details])

    subject_type, subject_id = KINDS[kind](customer)

    queued = Notification.objects.filter(subject_type=subject_type, subject_id=subject_id)
    assert {(n.channel, n.recipient) for n in queued} == EXPECTED[(chosen, details)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_customer_who_chose_email_but_has_only_a_phone_gets_each_message_by_sms(kind, settings):
    # The bug the rule fixed: parcel messages went by SMS, ticket/offer/survey ones went nowhere.
    settings.SMS_BACKEND = "apps.notifications.sms.ConsoleSmsBackend"
    customer = CustomerFactory(channel="email", email="", phone=PHONE)
    subject_type, subject_id = KINDS[kind](customer)

    notification = Notification.objects.get(subject_type=subject_type, subject_id=subject_id)
    assert notification_send(notification_id=notification.pk, now=AFTERNOON) == "sent"

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.channel == "sms"
    assert notification.body


def test_follow_up_reaches_each_manager_by_email_and_skips_one_without_an_address():
    response = SurveyResponseFactory(csat=1)
    follow_up = FollowUp.objects.create(
        survey=response.survey, ticket=response.survey.ticket, reason=FollowUpReason.LOW_CSAT
    )

    followup_tell(
        follow_up=follow_up,
        managers=[(1, "carol@example.com", "en"), (2, "", "ko")],
        now=AFTERNOON,
    )

    queued = Notification.objects.filter(subject_type="survey_followup", subject_id=follow_up.pk)
    assert {(n.channel, n.recipient) for n in queued} == {("email", "carol@example.com")}


@pytest.mark.parametrize(("chosen", "details"), EXPECTED)
def test_the_rule_itself_matches_the_table(chosen, details):
    pairs = channels_choose(preferred=chosen, **CONTACTS[details])

    assert set(pairs) == EXPECTED[(chosen, details)]
    assert len(pairs) == len(set(pairs))


def test_email_comes_first_when_both_are_chosen():
    assert channels_choose(preferred="both", email=EMAIL, phone=PHONE) == [
        ("email", EMAIL),
        ("sms", PHONE),
    ]
