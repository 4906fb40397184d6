from django.db import migrations

from apps.accounts.roles import roles_sync


class Migration(migrations.Migration):
    """Managers keep the SLA calendars; agents add and edit reply templates."""

    dependencies = [
        ("accounts", "0009_roles_desk"),
        ("tickets", "0007_default_sla_policy"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
