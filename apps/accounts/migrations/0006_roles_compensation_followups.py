from django.db import migrations

from apps.accounts.roles import roles_sync


class Migration(migrations.Migration):
    """Managers take survey follow-ups; integrations read compensation offers."""

    dependencies = [
        ("accounts", "0005_roles_ticket_desk"),
        ("compensation", "0005_schedules"),
        ("feedback", "0003_schedules"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
