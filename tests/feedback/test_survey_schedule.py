"""Resolving a ticket schedules its one survey an hour later; a task sends what is due, in the
customer's language and channels, once, respecting quiet hours."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from apps.feedback.models import Survey
from apps.feedback.services import survey_schedule, surveys_send_due
from apps.feedback.signing import survey_token_read
from apps.feedback.tasks import send_due_surveys
from apps.notifications.models import Notification, NotificationStatus
from apps.notifications.services import notifications_dispatch_due
from apps.shipments.models import Channel
from apps.tickets.models import TicketStatus
from apps.tickets.services import ticket_transition
from tests.factories import CustomerFactory, TicketFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("survey_settings")]

SEOUL = ZoneInfo("Asia/Seoul")
# Daytime in Seoul: no quiet hours in the way.
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=SEOUL)
LINK = re.compile(r"https?://[^/\s]+/survey/([^/\s]+)/")


def _resolve(ticket, when, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resolved = ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, now=when)
    # The ticket's own "resolved" message is not what these tests read.
    Notification.objects.filter(subject_type="ticket").delete()
    mail.outbox.clear()
    return resolved


def _open_ticket(**customer):
    customer = CustomerFactory(**({"language": "ko", "channel": Channel.EMAIL} | customer))
    return TicketFactory(customer=customer, status=TicketStatus.OPEN, language=customer.language)


def test_resolving_schedules_the_survey_an_hour_later(django_capture_on_commit_callbacks):
    ticket = _open_ticket()

    _resolve(ticket, NOON, django_capture_on_commit_callbacks)

    survey = Survey.objects.get(ticket=ticket)
    assert survey.scheduled_for == NOON + timedelta(hours=1)
    assert survey.expires_at == NOON + timedelta(hours=1, days=14)
    assert survey.language == "ko"
    assert survey.sent_at is None and survey.answered_at is None
    assert len(survey.nonce) >= 32


def test_the_delay_is_a_setting(settings, django_capture_on_commit_callbacks):
    settings.DELAYDESK = {**settings.DELAYDESK, "SURVEY_DELAY_MINUTES": 180}
    ticket = _open_ticket()

    _resolve(ticket, NOON, django_capture_on_commit_callbacks)

    assert Survey.objects.get().scheduled_for == NOON + timedelta(hours=3)


def test_without_the_settings_the_defaults_apply(settings, django_capture_on_commit_callbacks):
    settings.DELAYDESK = {
        key: value
        for key, value in settings.DELAYDESK.items()
        if key not in ("SURVEY_DELAY_MINUTES", "SURVEY_VALID_DAYS")
    }
    ticket = _open_ticket()

    _resolve(ticket, NOON, django_capture_on_commit_callbacks)

    survey = Survey.objects.get()
    assert survey.scheduled_for == NOON + timedelta(minutes=60)
    assert survey.expires_at == survey.scheduled_for + timedelta(days=14)


def test_nothing_is_sent_before_the_hour(django_capture_on_commit_callbacks):
    _resolve(_open_ticket(), NOON, django_capture_on_commit_callbacks)

    assert surveys_send_due(now=NOON + timedelta(minutes=59)) == 0
    assert not Notification.objects.filter(subject_type="survey").exists()


def test_a_reopened_and_resolved_again_ticket_keeps_one_survey_following_the_last_resolution(
    django_capture_on_commit_callbacks,
):
    ticket = _open_ticket()
    _resolve(ticket, NOON, django_capture_on_commit_callbacks)
    first = Survey.objects.get()
    ticket_transition(ticket=ticket, to_status=TicketStatus.OPEN, now=NOON + timedelta(minutes=20))

    # Reopened before the invitation went: nothing is sent while the ticket is open again.
    assert surveys_send_due(now=NOON + timedelta(hours=2)) == 0
    _resolve(ticket, NOON + timedelta(hours=3), django_capture_on_commit_callbacks)

    survey = Survey.objects.get()
    assert survey.pk == first.pk and survey.nonce == first.nonce
    assert survey.scheduled_for == NOON + timedelta(hours=4)


def test_a_ticket_resolved_again_after_its_survey_went_gets_no_second_one(
    django_capture_on_commit_callbacks,
):
    ticket = _open_ticket()
    _resolve(ticket, NOON, django_capture_on_commit_callbacks)
    assert surveys_send_due(now=NOON + timedelta(hours=1)) == 1
    sent = Survey.objects.get()
    ticket_transition(ticket=ticket, to_status=TicketStatus.OPEN, now=NOON + timedelta(hours=2))

    _resolve(ticket, NOON + timedelta(hours=5), django_capture_on_commit_callbacks)

    survey = Survey.objects.get()
    assert (survey.scheduled_for, survey.sent_at) == (sent.scheduled_for, sent.sent_at)
    assert surveys_send_due(now=NOON + timedelta(hours=7)) == 0
    assert Notification.objects.filter(subject_type="survey").count() == 1


def test_the_hook_called_twice_makes_one_survey():
    ticket = _open_ticket()
    ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, now=NOON)

    first = survey_schedule(ticket_id=ticket.pk)
    second = survey_schedule(ticket_id=ticket.pk)

    assert first.pk == second.pk
    assert Survey.objects.count() == 1


def test_no_survey_for_a_ticket_not_resolved_or_not_there():
    open_ticket = _open_ticket()

    assert survey_schedule(ticket_id=open_ticket.pk) is None
    assert survey_schedule(ticket_id=999_999) is None
    assert not Survey.objects.exists()


def test_a_customer_who_chose_email_but_has_only_a_phone_is_invited_by_sms(
    django_capture_on_commit_callbacks,
):
    # The one channel rule (as for ticket news): no address on the chosen channel, so the other.
    ticket = _open_ticket(email="", channel=Channel.EMAIL)
    _resolve(ticket, NOON, django_capture_on_commit_callbacks)

    assert surveys_send_due(now=NOON + timedelta(hours=1)) == 1

    row = Notification.objects.get(subject_type="survey")
    assert (row.channel, row.recipient) == ("sms", ticket.customer.phone)


def test_the_invitation_goes_in_the_customers_language_and_channels(
    django_capture_on_commit_callbacks,
):
    ticket = _open_ticket(language="ko", channel=Channel.BOTH, name="김민지")
    _resolve(ticket, NOON, django_capture_on_commit_callbacks)

    assert surveys_send_due(now=NOON + timedelta(hours=1)) == 1

    rows = Notification.objects.filter(subject_type="survey").order_by("channel")
    assert [(row.channel, row.language, row.stage) for row in rows] == [
        ("email", "ko", "survey_invite"),
        ("sms", "ko", "survey_invite"),
    ]
    assert {row.recipient for row in rows} == {ticket.customer.email, ticket.customer.phone}
    survey = Survey.objects.get()
    assert survey.sent_at == NOON + timedelta(hours=1)


def test_the_sent_email_carries_a_fresh_working_link_the_outbox_does_not_keep(
    django_capture_on_commit_callbacks,
):
    ticket = _open_ticket(language="en", channel=Channel.EMAIL, name="Jamie Park")
    _resolve(ticket, NOON, django_capture_on_commit_callbacks)
    surveys_send_due(now=NOON + timedelta(hours=1))

    notifications_dispatch_due(now=NOON + timedelta(hours=1))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"How did we do with {ticket.reference}?"
    assert "Hello Jamie" in message.body
    token = LINK.search(message.body).group(1)
    assert survey_token_read(token=token) == Survey.objects.get().nonce
    row = Notification.objects.get(subject_type="survey")
    assert row.status == NotificationStatus.SENT
    assert "{ticket_link}" in row.body and token not in row.body


def test_the_korean_invitation_is_in_korean(django_capture_on_commit_callbacks):
    ticket = _open_ticket(language="ko", channel=Channel.EMAIL, name="김민지")
    _resolve(ticket, NOON, django_capture_on_commit_callbacks)
    surveys_send_due(now=NOON + timedelta(hours=1))

    notifications_dispatch_due(now=NOON + timedelta(hours=1))

    assert "만족" in mail.outbox[0].subject
    assert mail.outbox[0].body.startswith("민지님")


def test_sending_twice_queues_once(django_capture_on_commit_callbacks):
    _resolve(_open_ticket(), NOON, django_capture_on_commit_callbacks)

    assert surveys_send_due(now=NOON + timedelta(hours=1)) == 1
    assert surveys_send_due(now=NOON + timedelta(hours=1, minutes=5)) == 0

    assert Notification.objects.filter(subject_type="survey").count() == 1


def test_the_scheduled_task_sends_what_is_due(django_capture_on_commit_callbacks):
    resolved = timezone.now() - timedelta(hours=2)
    _resolve(_open_ticket(), resolved, django_capture_on_commit_callbacks)

    assert send_due_surveys() == 1
    assert send_due_surveys() == 0


def test_an_invitation_due_at_night_waits_for_the_morning(django_capture_on_commit_callbacks):
    # Resolved 22:00 in Seoul: due 23:00, within quiet hours (21:00–08:00 customer time).
    evening = datetime(2026, 11, 24, 22, 0, tzinfo=SEOUL)
    ticket = _open_ticket(time_zone="Asia/Seoul")
    _resolve(ticket, evening, django_capture_on_commit_callbacks)

    surveys_send_due(now=evening + timedelta(hours=1))

    morning = datetime(2026, 11, 25, 8, 0, tzinfo=SEOUL)
    row = Notification.objects.get(subject_type="survey")
    assert row.next_attempt_at == morning
    assert notifications_dispatch_due(now=evening + timedelta(hours=1)) == {}
    assert Survey.objects.get().expires_at == morning + timedelta(days=14)


def test_quiet_hours_follow_the_customers_time_zone(django_capture_on_commit_callbacks):
    # 23:00 in Seoul is 15:00 in Paris: a Paris customer's invitation goes at once.
    evening = datetime(2026, 11, 24, 22, 0, tzinfo=SEOUL)
    _resolve(_open_ticket(time_zone="Europe/Paris"), evening, django_capture_on_commit_callbacks)

    surveys_send_due(now=evening + timedelta(hours=1))

    row = Notification.objects.get(subject_type="survey")
    assert row.next_attempt_at == evening + timedelta(hours=1)
