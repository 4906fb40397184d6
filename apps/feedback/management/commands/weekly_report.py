"""Mail the weekly report (the dashboard's figures for 7 days) now.

manage.py weekly_report                                  # the last 7 whole days, to the managers
manage.py weekly_report --to ops@example.com --to me@example.com --week-ending 2025-03-09
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils import timezone

from apps.feedback.dashboard.report import weekly_report


class Command(BaseCommand):
    help = "Mail the dashboard's figures for the last 7 days to the managers (HTML with text)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            metavar="EMAIL",
            nargs="+",
            action="extend",
            help="recipients (default: every active manager with an email address)",
        )
        parser.add_argument(
            "--week-ending",
            metavar="DATE",
            help="last day of the report, YYYY-MM-DD (default: yesterday in the desk's time zone)",
        )

    def handle(self, *args, to=None, week_ending=None, **options):
        # Checked here rather than by argparse: a bad value is one readable line and exit 1.
        end = None
        if week_ending is not None:
            try:
                end = date.fromisoformat(week_ending)
            except ValueError:
                raise CommandError(
                    f"--week-ending: expected a date as YYYY-MM-DD, got {week_ending!r}"
                ) from None
            if end > timezone.localdate():
                raise CommandError(f"--week-ending: {end.isoformat()} is in the future")
        for email in to or ():
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"--to: {email!r} is not an email address") from None
        sent = weekly_report(recipients=to, week_ending=end)
        if not sent.recipients:
            raise CommandError("no recipients: no active manager has an email address; use --to")
        span = f"{sent.period.start.isoformat()} – {sent.period.end.isoformat()}"
        self.stdout.write(
            f"Weekly report {span} sent to {len(sent.recipients)} recipient(s): "
            + ", ".join(sent.recipients)
        )
