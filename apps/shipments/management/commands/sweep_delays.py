from django.core.management.base import BaseCommand

from apps.shipments.watch import delays_sweep


class Command(BaseCommand):
    help = "Run the promise watch once: flag late or predicted-late shipments and tell customers."

    def handle(self, *args, **options):
        result = delays_sweep()
        by_reason = ", ".join(
            f"{reason} {count}" for reason, count in sorted(result.flagged.items())
        )
        self.stdout.write(
            f"flagged {result.total_flagged}"
            + (f" ({by_reason})" if by_reason else "")
            + f"; re-measured {result.remeasured}"
        )
