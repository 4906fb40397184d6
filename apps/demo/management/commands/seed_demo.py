"""`manage.py seed_demo`: load the demo data (idempotent) and say where to look."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from apps.demo.seed import DEMO_PASSWORDS, DEMO_USERS, demo_seed

ROLE_DUTIES = {
    "agent": "answers tickets, proposes compensation",
    "manager": "approves compensation, sets rules and budgets, sees the dashboards",
}


class Command(BaseCommand):
    help = (
        "Load the demo data (safe to run again: only what is missing is added) and print the "
        "URLs, the demo logins and one customer's ticket link."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing except errors.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run with DEBUG off too. The demo logins have published passwords: never on a "
            "site the public can reach.",
        )

    def handle(self, *args, quiet=False, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates staff logins whose passwords are published; with DEBUG off "
                "it runs only with --force."
            )
        result = demo_seed()
        if quiet:
            return
        counts, site = result.counts, settings.DELAYDESK["SITE_URL"].rstrip("/")
        added = ", ".join(f"{n} {what}" for what, n in result.created.items() if n)
        lines = [
            f"Delay Desk demo data, laid out around {result.anchor:%Y-%m-%d %H:%M %Z}:",
            f"  {counts['carriers']} carriers, {counts['customers']} customers, "
            f"{counts['shipments']} shipments ({counts['delayed now']} delayed now), "
            f"{counts['tracking events']} tracking events ({counts['unmatched events']} "
            f"unmatched)",
            f"  {counts['tickets']} tickets, {counts['compensation rules']} compensation rules, "
            f"{counts['offers']} offers, {counts['budgets']} budgets, {counts['surveys']} "
            f"surveys ({counts['survey answers']} answered)",
            f"  {counts['offers waiting']} offers waiting for approval, "
            f"{counts['reply templates']} reply templates, {counts['macros']} macros, "
            f"{counts['saved views']} saved queue views",
            f"  Added now: {added}." if added else "  Nothing was missing; nothing added.",
            "",
            "Open:",
            f"  Portal       {site}{reverse('portal:home')}",
            f"  Agent desk   {site}{reverse('desk:home')}",
            f"  Records      {site}{reverse('admin:index')}",
            f"  API docs     {site}{reverse('api-docs')}",
            f"  Health       {site}{reverse('healthz')}",
            "",
            "Demo logins (published demo passwords, not secrets):",
        ]
        lines += [
            f"  {username:<9} {DEMO_PASSWORDS[username]:<19} {role}: {ROLE_DUTIES[username]}"
            for username, *_, role, _ in DEMO_USERS
        ]
        lines += [
            "",
            f"A customer's private ticket link ({result.ticket_reference}, a delayed parcel):",
            f"  {result.ticket_link}",
            "  It stays the same across runs (derived from SECRET_KEY; demo data only).",
        ]
        self.stdout.write("\n".join(lines))
