from django.db import migrations

from apps.accounts.roles import roles_sync


class Migration(migrations.Migration):
    """Agents use macros and keep saved queue views; managers write the macros."""

    dependencies = [
        ("accounts", "0008_roles_rule_versions"),
        ("desk", "0001_initial"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
