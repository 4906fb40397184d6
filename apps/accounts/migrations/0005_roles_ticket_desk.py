from django.db import migrations

from apps.accounts.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_last_assigned_at"),
        ("shipments", "0008_attach_permission"),
        ("tickets", "0004_escalation_schedule"),
        ("compensation", "0003_help_texts_translated"),
        ("notifications", "0003_fewer_indexes"),
        ("feedback", "0001_initial"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
