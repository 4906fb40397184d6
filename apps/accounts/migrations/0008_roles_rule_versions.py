from django.db import migrations

from apps.accounts.roles import roles_sync


class Migration(migrations.Migration):
    """Managers read the earlier versions of a compensation rule."""

    dependencies = [
        ("accounts", "0007_roles_weekly_report_runs"),
        ("compensation", "0008_rule_versions"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
