"""Quiet hours: non-urgent messages wait for the morning in the customer's time zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from apps.notifications.models import Notification, NotificationStatus
from apps.notifications.quiet_hours import quiet_release
from apps.notifications.services import notifications_dispatch_due
from apps.shipments.telling import URGENT_STAGES, stages_tell
from tests.factories import CustomerFactory, ShipmentFactory

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
HALF_PAST_TEN_PM = datetime(2025, 6, 11, 22, 30, tzinfo=SEOUL)
NEXT_MORNING = datetime(2025, 6, 12, 8, 0, tzinfo=SEOUL)

NON_URGENT = ["dispatched", "delivered", "delayed", "estimate_revised"]


@pytest.mark.parametrize(
    ("local", "release"),
    [
        (datetime(2025, 6, 11, 22, 30), datetime(2025, 6, 12, 8, 0)),
        (datetime(2025, 6, 11, 21, 0), datetime(2025, 6, 12, 8, 0)),
        (datetime(2025, 6, 11, 23, 59, 59), datetime(2025, 6, 12, 8, 0)),
        (datetime(2025, 6, 12, 0, 30), datetime(2025, 6, 12, 8, 0)),
        (datetime(2025, 6, 12, 7, 59, 59), datetime(2025, 6, 12, 8, 0)),
        (datetime(2025, 6, 12, 8, 0), None),
        (datetime(2025, 6, 11, 20, 59, 59), None),
        (datetime(2025, 6, 11, 13, 0), None),
    ],
    ids=["22:30", "21:00", "23:59:59", "00:30", "07:59:59", "08:00", "20:59:59", "13:00"],
)
def test_quiet_hours_run_from_nine_in_the_evening_to_eight_in_the_morning(local, release):
    moment = local.replace(tzinfo=SEOUL)

    released = quiet_release(moment=moment, time_zone="Asia/Seoul")

    assert released == (release.replace(tzinfo=SEOUL) if release else moment)


def test_quiet_hours_follow_the_given_time_zone():
    # 22:30 in Seoul is 09:30 in New York: not quiet there.
    assert quiet_release(moment=HALF_PAST_TEN_PM, time_zone="America/New_York") == HALF_PAST_TEN_PM

    evening_in_new_york = datetime(2025, 6, 11, 22, 30, tzinfo=NEW_YORK)
    assert quiet_release(moment=evening_in_new_york, time_zone="America/New_York") == datetime(
        2025, 6, 12, 8, 0, tzinfo=NEW_YORK
    )


def test_the_morning_after_a_clock_change_is_eight_local_time():
    # New York springs forward at 02:00 on 9 March 2025: the night is an hour shorter.
    evening = datetime(2025, 3, 8, 22, 30, tzinfo=NEW_YORK)

    released = quiet_release(moment=evening, time_zone="America/New_York")

    assert released.astimezone(NEW_YORK).hour == 8
    # Same-zone subtraction in Python is wall-clock time; the real wait is measured in UTC.
    assert released.astimezone(UTC) - evening.astimezone(UTC) == timedelta(hours=8, minutes=30)


@pytest.mark.parametrize("zone", ["", "Mars/Olympus_Mons"])
def test_an_unknown_time_zone_falls_back_to_the_sites(settings, zone):
    settings.TIME_ZONE = "Asia/Seoul"

    assert quiet_release(moment=HALF_PAST_TEN_PM, time_zone=zone) == NEXT_MORNING


def test_the_window_is_a_setting(settings):
    settings.DELAYDESK = {**settings.DELAYDESK, "QUIET_HOURS": "13:00-14:00"}
    lunch = datetime(2025, 6, 11, 13, 15, tzinfo=SEOUL)

    assert quiet_release(moment=lunch, time_zone="Asia/Seoul") == lunch.replace(hour=14, minute=0)
    assert quiet_release(moment=HALF_PAST_TEN_PM, time_zone="Asia/Seoul") == HALF_PAST_TEN_PM


# --- In the outbox -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("stage", NON_URGENT)
def test_a_non_urgent_message_at_half_past_ten_in_seoul_waits_until_eight(stage):
    parcel = ShipmentFactory(customer=CustomerFactory(time_zone="Asia/Seoul", channel="both"))

    stages_tell(stages=[(parcel.pk, stage)], now=HALF_PAST_TEN_PM)

    held = Notification.objects.filter(subject_id=parcel.pk)
    assert held.count() == 2
    assert {row.next_attempt_at for row in held} == {NEXT_MORNING}
    assert not any(row.urgent for row in held)


@pytest.mark.django_db
@pytest.mark.parametrize("stage", sorted(URGENT_STAGES))
def test_an_urgent_message_goes_at_once_even_at_night(stage):
    parcel = ShipmentFactory(customer=CustomerFactory(time_zone="Asia/Seoul"))

    stages_tell(stages=[(parcel.pk, stage)], now=HALF_PAST_TEN_PM)

    notification = Notification.objects.get(subject_id=parcel.pk)
    assert notification.urgent is True
    assert notification.next_attempt_at == HALF_PAST_TEN_PM


@pytest.mark.django_db
def test_out_for_delivery_is_urgent():
    assert "out_for_delivery" in URGENT_STAGES


@pytest.mark.django_db
def test_the_customers_time_zone_counts_not_the_parcels():
    # A customer in New York with a parcel going to Seoul: 22:30 in Seoul is their morning.
    parcel = ShipmentFactory(
        customer=CustomerFactory(time_zone="America/New_York"), destination_time_zone="Asia/Seoul"
    )

    stages_tell(stages=[(parcel.pk, "dispatched")], now=HALF_PAST_TEN_PM)

    assert Notification.objects.get(subject_id=parcel.pk).next_attempt_at == HALF_PAST_TEN_PM


@pytest.mark.django_db
def test_a_held_message_is_sent_at_eight_and_not_a_minute_before(settings):
    settings.SMS_BACKEND = "tests.notifications.test_outbox.RecordingSms"
    parcel = ShipmentFactory(customer=CustomerFactory(time_zone="Asia/Seoul", channel="email"))
    stages_tell(stages=[(parcel.pk, "delivered")], now=HALF_PAST_TEN_PM)

    at_night = notifications_dispatch_due(now=NEXT_MORNING - timedelta(minutes=1))
    assert (at_night, mail.outbox) == ({}, [])

    in_the_morning = notifications_dispatch_due(now=NEXT_MORNING)

    assert in_the_morning == {"sent": 1}
    assert len(mail.outbox) == 1
    assert Notification.objects.get(subject_id=parcel.pk).status == NotificationStatus.SENT
