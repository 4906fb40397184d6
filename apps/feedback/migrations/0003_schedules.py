from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations

SEND_SURVEYS = "Send due surveys"
WEEKLY_REPORT = "Weekly report"
REPORT_ZONE = ZoneInfo("Asia/Seoul")


def next_monday_morning(now: datetime) -> datetime:
    """The next Monday 08:00 in Seoul strictly after `now` (the weekly report's first run)."""
    local = now.astimezone(REPORT_ZONE)
    days_ahead = (7 - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days_ahead), time(8), REPORT_ZONE)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SEND_SURVEYS,
        defaults={
            "func": "apps.feedback.tasks.send_due_surveys",
            "schedule_type": "I",
            "minutes": 5,
            "repeats": -1,
        },
    )
    # Keeps a run time a manager may have moved in the desk; only the first creation sets it.
    Schedule.objects.get_or_create(
        name=WEEKLY_REPORT,
        defaults={
            "func": "apps.feedback.dashboard.report.weekly_report_task",
            "schedule_type": "W",
            "repeats": -1,
            "next_run": next_monday_morning(datetime.now(REPORT_ZONE)),
        },
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        name__in=[SEND_SURVEYS, WEEKLY_REPORT]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_followup"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
