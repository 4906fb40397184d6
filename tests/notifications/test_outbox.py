"""The outbox: once per (shipment, stage, channel), in the customer's language and channel, sent
by the dispatcher with the notification id as idempotency key, retried with backoff."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction

from apps.notifications.models import Notification, NotificationChannel, NotificationStatus
from apps.notifications.services import notification_send, notifications_dispatch_due
from apps.shipments.models import ShipmentStatus
from apps.shipments.signing import secret_generate
from apps.shipments.telling import STAGES, stages_tell
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory
from tests.shipments.test_webhook import event, post_events

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
# Mid-afternoon in Seoul: outside quiet hours, so nothing waits for the morning.
AFTERNOON = datetime(2025, 6, 11, 15, 0, tzinfo=SEOUL)
RECORDING_SMS = "tests.notifications.test_outbox.RecordingSms"
FAILING_SMS = "tests.notifications.test_outbox.FailingSms"


class RecordingSms:
    """Stands in for the SMS gateway: remembers what it was asked to send."""

    sent: list[dict] = []
    _lock = threading.Lock()

    def send(self, *, to: str, body: str, idempotency_key: str) -> None:
        with self._lock:
            self.sent.append({"to": to, "body": body, "idempotency_key": idempotency_key})


class FailingSms:
    def send(self, *, to: str, body: str, idempotency_key: str) -> None:
        raise ConnectionError("gateway unreachable")


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_BACKEND = RECORDING_SMS
    RecordingSms.sent = []
    return RecordingSms.sent


def parcel_for(customer=None, **fields):
    return ShipmentFactory(
        customer=customer or CustomerFactory(channel="email"),
        carrier=CarrierFactory(code="cj", name="CJ Logistics"),
        **fields,
    )


def rows(shipment, stage=None):
    found = Notification.objects.filter(subject_type="shipment", subject_id=shipment.pk)
    return found.filter(stage=stage) if stage else found


def send_all(now=AFTERNOON) -> dict:
    return notifications_dispatch_due(now=now)


# --- Once per (shipment, stage, channel) -------------------------------------------------------


def test_telling_the_same_stage_twice_queues_one_message_per_channel():
    parcel = parcel_for(CustomerFactory(channel="both"))

    first = stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)
    second = stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON + timedelta(hours=1))

    assert (first, second) == (2, 0)
    assert sorted(rows(parcel).values_list("channel", flat=True)) == ["email", "sms"]


def test_the_same_pair_twice_in_one_call_queues_once():
    parcel = parcel_for()

    assert stages_tell(stages=[(parcel.pk, "delayed")] * 3, now=AFTERNOON) == 1
    assert rows(parcel).count() == 1


def test_each_stage_is_its_own_message():
    parcel = parcel_for()

    stages_tell(stages=[(parcel.pk, "dispatched"), (parcel.pk, "delayed")], now=AFTERNOON)

    assert sorted(rows(parcel).values_list("stage", flat=True)) == ["delayed", "dispatched"]


def test_a_sent_stage_is_not_queued_again():
    parcel = parcel_for()
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)
    send_all()

    again = stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON + timedelta(days=1))
    send_all(AFTERNOON + timedelta(days=1))

    assert again == 0
    assert len(mail.outbox) == 1


def test_a_reposted_event_tells_the_customer_once(client, django_capture_on_commit_callbacks):
    carrier = CarrierFactory(code="cj", webhook_secret=secret_generate())
    ShipmentFactory(
        carrier=carrier,
        tracking_number="CJ300",
        status=ShipmentStatus.IN_TRANSIT,
        customer=CustomerFactory(channel="both"),
    )
    out = event("CJ300", event_id="ofd-1", status="OutForDelivery")

    for delivery in ("msg_first", "msg_again", "msg_third"):
        with django_capture_on_commit_callbacks(execute=True):
            assert post_events(client, carrier, [out], webhook_id=delivery).status_code == 200

    assert Notification.objects.filter(stage="out_for_delivery").count() == 2
    assert len(mail.outbox) == 1
    assert len(RecordingSms.sent) == 1


# --- Language ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("ko", "상품이 발송되었습니다"),
        ("en", "Your parcel is on its way"),
        ("ja", "Your parcel is on its way"),
    ],
    ids=["korean", "english", "unsupported-falls-back-to-english"],
)
def test_the_message_is_in_the_customers_language(language, title):
    parcel = parcel_for(CustomerFactory(language=language, channel="email", name="Minji Kim"))

    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)
    send_all()

    (message,) = mail.outbox
    assert message.subject == title
    assert rows(parcel).get().language == ("en" if language == "ja" else language)
    if language == "ko":
        assert "Minji님" in message.body
    else:
        assert message.body.startswith("Hello Minji,")


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_words_in_every_language(language, stage):
    parcel = parcel_for(CustomerFactory(language=language, channel="email"))
    stages_tell(stages=[(parcel.pk, stage)], now=AFTERNOON)

    send_all(AFTERNOON + timedelta(days=1))

    notification = rows(parcel).get()
    assert notification.status == NotificationStatus.SENT, notification.last_error
    assert notification.title and notification.body
    assert mail.outbox[0].subject == notification.title


def test_dates_are_written_in_the_destinations_time_zone():
    # 23:30 UTC on 1 June is already 2 June in Seoul.
    end = datetime(2025, 6, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    parcel = parcel_for(
        promised_start=end - timedelta(days=1),
        promised_end=end,
        destination_time_zone="Asia/Seoul",
    )
    stages_tell(stages=[(parcel.pk, "delayed")], now=AFTERNOON)

    send_all()

    assert "by Jun 2 as promised" in mail.outbox[0].body


# --- Channel -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preference", "channels"),
    [("email", ["email"]), ("sms", ["sms"]), ("both", ["email", "sms"])],
)
def test_the_customers_channel_preference_decides_the_messages(preference, channels):
    customer = CustomerFactory(channel=preference, email="a@example.com", phone="+821011112222")
    parcel = parcel_for(customer)

    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)
    send_all()

    queued = rows(parcel)
    assert sorted(queued.values_list("channel", flat=True)) == channels
    addresses = {"email": "a@example.com", "sms": "+821011112222"}
    assert {row.channel: row.recipient for row in queued} == {c: addresses[c] for c in channels}
    assert len(mail.outbox) == ("email" in channels)
    assert len(RecordingSms.sent) == ("sms" in channels)
    if "email" in channels:
        assert mail.outbox[0].to == ["a@example.com"]
    if "sms" in channels:
        assert RecordingSms.sent[0]["to"] == "+821011112222"


@pytest.mark.parametrize(
    ("preference", "email", "phone", "channel"),
    [("sms", "only@example.com", "", "email"), ("email", "", "+821033334444", "sms")],
    ids=["sms-without-phone", "email-without-address"],
)
def test_a_preference_without_an_address_falls_back_to_the_other(preference, email, phone, channel):
    parcel = parcel_for(CustomerFactory(channel=preference, email=email, phone=phone))

    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)

    assert list(rows(parcel).values_list("channel", flat=True)) == [channel]


# --- What an SMS may say -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("stage", STAGES)
def test_an_sms_carries_no_personal_data_beyond_a_first_name(language, stage):
    customer = CustomerFactory(
        name="Jane Quincy Public",
        email="jane.public@example.com",
        phone="+821055512345",
        channel="sms",
        language=language,
    )
    parcel = parcel_for(customer)
    stages_tell(stages=[(parcel.pk, stage)], now=AFTERNOON)

    send_all(AFTERNOON + timedelta(days=1))

    (sms,) = RecordingSms.sent
    assert sms["to"] == "+821055512345"
    assert "Jane" in sms["body"]
    for personal in ("Quincy", "Public", "jane.public", "@example.com", "55512345", "+82"):
        assert personal not in sms["body"]


def test_an_sms_to_a_korean_name_written_as_one_word_does_not_carry_the_full_name():
    customer = CustomerFactory(name="김민지", channel="sms", language="ko")
    parcel = parcel_for(customer)
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)

    send_all()

    (sms,) = RecordingSms.sent
    assert "김민지" not in sms["body"]


# --- Dispatch ----------------------------------------------------------------------------------


def test_due_messages_go_out_by_email_and_sms_with_the_notification_id_as_key():
    parcel = parcel_for(CustomerFactory(channel="both", email="b@example.com"))
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)

    counts = send_all()

    email_row = rows(parcel).get(channel=NotificationChannel.EMAIL)
    sms_row = rows(parcel).get(channel=NotificationChannel.SMS)
    assert counts == {"sent": 2}
    (message,) = mail.outbox
    assert message.to == ["b@example.com"]
    assert message.extra_headers["Idempotency-Key"] == f"notification-{email_row.pk}"
    assert message.message()["Idempotency-Key"] == f"notification-{email_row.pk}"
    assert RecordingSms.sent[0]["idempotency_key"] == f"notification-{sms_row.pk}"
    for row in (email_row, sms_row):
        assert row.status == NotificationStatus.SENT
        assert (row.attempts, row.last_error) == (1, "")
        assert row.sent_at is not None


def test_a_message_not_yet_due_is_left_for_later():
    parcel = parcel_for()
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)

    counts = send_all(AFTERNOON - timedelta(minutes=1))

    assert counts == {}
    assert rows(parcel).get().status == NotificationStatus.PENDING
    assert mail.outbox == []


def test_a_sent_notification_is_never_sent_again():
    parcel = parcel_for(CustomerFactory(channel="sms"))
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)
    notification = rows(parcel).get()

    first = notification_send(notification_id=notification.pk, now=AFTERNOON)
    second = notification_send(notification_id=notification.pk, now=AFTERNOON + timedelta(hours=1))
    send_all(AFTERNOON + timedelta(hours=2))

    assert (first, second) == (NotificationStatus.SENT, "skipped")
    assert len(RecordingSms.sent) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


@pytest.mark.parametrize("status", [NotificationStatus.FAILED, NotificationStatus.SUPPRESSED])
def test_failed_and_suppressed_notifications_are_not_sent(status):
    parcel = parcel_for()
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)
    rows(parcel).update(status=status)

    assert send_all() == {}
    assert mail.outbox == []


def test_queued_work_is_dispatched_when_the_transaction_commits(django_capture_on_commit_callbacks):
    parcel = parcel_for()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        stages_tell(stages=[(parcel.pk, "out_for_delivery")], now=AFTERNOON)
        assert mail.outbox == []  # nothing leaves before the change it reports is committed

    assert len(callbacks) == 1
    assert [message.subject for message in mail.outbox] == ["Your parcel arrives today"]
    assert rows(parcel).get().status == NotificationStatus.SENT


def test_a_message_held_for_the_morning_does_not_trigger_a_dispatch(
    django_capture_on_commit_callbacks,
):
    parcel = parcel_for()
    late_evening = datetime(2025, 6, 11, 22, 30, tzinfo=SEOUL)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stages_tell(stages=[(parcel.pk, "delivered")], now=late_evening)

    assert callbacks == []
    assert mail.outbox == []


def test_a_webhook_event_reaches_the_customer_after_commit(
    client, django_capture_on_commit_callbacks
):
    carrier = CarrierFactory(code="cj", webhook_secret=secret_generate())
    ShipmentFactory(
        carrier=carrier,
        tracking_number="CJ301",
        status=ShipmentStatus.IN_TRANSIT,
        customer=CustomerFactory(channel="email", email="c@example.com", language="en"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        post_events(client, carrier, [event("CJ301", status="OutForDelivery")])

    (message,) = mail.outbox
    notification = Notification.objects.get(stage="out_for_delivery")
    assert message.to == ["c@example.com"]
    assert message.subject == "Your parcel arrives today"
    assert message.extra_headers["Idempotency-Key"] == f"notification-{notification.pk}"


# --- Retries -----------------------------------------------------------------------------------


def test_a_failing_gateway_is_retried_with_backoff_then_given_up(settings):
    settings.SMS_BACKEND = FAILING_SMS
    parcel = parcel_for(CustomerFactory(channel="sms"))
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)
    notification = rows(parcel).get()
    now = AFTERNOON
    waits = []

    for attempt in range(1, 6):
        # Not a moment before it is due.
        if attempt > 1:
            assert (
                notification_send(notification_id=notification.pk, now=now - timedelta(seconds=1))
                == "skipped"
            )
        notification_send(notification_id=notification.pk, now=now)
        notification.refresh_from_db()
        assert notification.attempts == attempt
        assert notification.last_error == "ConnectionError: gateway unreachable"
        waits.append(notification.next_attempt_at - now)
        now = notification.next_attempt_at

    assert waits[:4] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    ]
    assert notification.status == NotificationStatus.FAILED
    assert notification.sent_at is None
    assert (
        notification_send(notification_id=notification.pk, now=now + timedelta(days=1)) == "skipped"
    )


def test_a_retry_after_a_failure_sends_once_the_gateway_is_back(settings):
    settings.SMS_BACKEND = FAILING_SMS
    parcel = parcel_for(CustomerFactory(channel="sms"))
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)
    send_all()

    settings.SMS_BACKEND = RECORDING_SMS
    early = send_all(AFTERNOON + timedelta(seconds=30))
    on_time = send_all(AFTERNOON + timedelta(minutes=1))

    notification = rows(parcel).get()
    assert (early, on_time) == ({}, {"sent": 1})
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
    assert [sms["idempotency_key"] for sms in RecordingSms.sent] == [
        f"notification-{notification.pk}"
    ]


def test_one_failing_message_does_not_hold_up_the_others(settings):
    settings.SMS_BACKEND = FAILING_SMS
    parcel = parcel_for(CustomerFactory(channel="both"))
    stages_tell(stages=[(parcel.pk, "dispatched")], now=AFTERNOON)

    counts = send_all()

    assert counts == {"sent": 1, "pending": 1}
    assert len(mail.outbox) == 1
