"""The default SLA policy (Mon–Fri 09:00–18:00 in Seoul, Korean public holidays, back to the
pool after 4 working hours of silence) and the task that returns silent tickets to the pool."""

from datetime import time

from django.db import migrations

POLICY = "Default: Mon–Fri 09:00–18:00 KST, Korean public holidays"
SCHEDULE = "Return silent tickets to the pool"


def forwards(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    if not SlaPolicy.objects.filter(category="", is_active=True).exists():
        SlaPolicy.objects.create(
            name=POLICY,
            category="",
            time_zone="Asia/Seoul",
            working_days="12345",
            working_hours_start=time(9, 0),
            working_hours_end=time(18, 0),
            holidays_country="KR",
            silence_hours=4,
            is_active=True,
        )
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "apps.tickets.tasks.return_silent_to_pool",
            "schedule_type": "I",
            "minutes": 5,
            "repeats": -1,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("tickets", "SlaPolicy").objects.filter(name=POLICY).delete()
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_sla_policy"),
        ("tickets", "0004_escalation_schedule"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
