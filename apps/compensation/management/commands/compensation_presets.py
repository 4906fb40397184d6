"""manage.py compensation_presets: write the shipped rule presets (once; by name)."""

from django.core.management.base import BaseCommand

from apps.compensation.presets import presets_ensure


class Command(BaseCommand):
    help = (
        "Create the shipped compensation rules (Korean standard parcel terms, retail guarantee, "
        "goodwill table) that do not exist yet. Existing rules are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--inactive",
            action="store_true",
            help="create them switched off, for a manager to review and switch on",
        )

    def handle(self, *args, inactive: bool = False, **options):
        rules, created = presets_ensure(active=not inactive)
        for rule in rules.values():
            state = "active" if rule.is_active else "inactive"
            self.stdout.write(f"  {rule.name} ({state}, priority {rule.priority})")
        existing = len(rules) - created
        self.stdout.write(f"{created} preset rule(s) created, {existing} already there.")
