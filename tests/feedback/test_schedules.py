"""The schedules the feedback migration creates: surveys every 5 minutes, the weekly report."""

import importlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_q.models import Schedule

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
schedules = importlib.import_module("apps.feedback.migrations.0003_schedules")


def test_due_surveys_are_sent_every_five_minutes():
    schedule = Schedule.objects.get(name="Send due surveys")

    assert schedule.func == "apps.feedback.tasks.send_due_surveys"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 5, -1)


def test_the_weekly_report_runs_on_monday_morning_in_seoul():
    schedule = Schedule.objects.get(name="Weekly report")

    assert schedule.func == "apps.feedback.dashboard.report.weekly_report_task"
    assert (schedule.schedule_type, schedule.repeats) == ("W", -1)
    first = schedule.next_run.astimezone(SEOUL)
    assert (first.weekday(), first.hour, first.minute) == (0, 8, 0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 24, 15, 0, tzinfo=SEOUL), datetime(2026, 11, 30, 8, 0, tzinfo=SEOUL)),
        (datetime(2026, 11, 30, 7, 59, tzinfo=SEOUL), datetime(2026, 11, 30, 8, 0, tzinfo=SEOUL)),
        (datetime(2026, 11, 30, 8, 0, tzinfo=SEOUL), datetime(2026, 12, 7, 8, 0, tzinfo=SEOUL)),
        # Sunday 23:30 UTC is already Monday 08:30 in Seoul: the next one is a week on.
        (
            datetime(2026, 11, 29, 23, 30, tzinfo=ZoneInfo("UTC")),
            datetime(2026, 12, 7, 8, 0, tzinfo=SEOUL),
        ),
    ],
)
def test_the_first_report_is_the_next_monday_eight_oclock(now, expected):
    assert schedules.next_monday_morning(now) == expected
