from django.db import migrations

from apps.accounts.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("shipments", "0004_created_at_default"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
