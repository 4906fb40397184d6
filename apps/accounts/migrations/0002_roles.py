from django.db import migrations

from apps.accounts.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("shipments", "0001_initial"),
        ("tickets", "0001_initial"),
        ("compensation", "0001_initial"),
        ("feedback", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
