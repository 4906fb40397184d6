from django.db import migrations

from apps.accounts.roles import roles_sync


class Migration(migrations.Migration):
    """Managers see when the weekly report went out."""

    dependencies = [
        ("accounts", "0006_roles_compensation_followups"),
        ("feedback", "0004_weekly_report_runs"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
