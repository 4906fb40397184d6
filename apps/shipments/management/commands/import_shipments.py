from django.core.management.base import BaseCommand

from apps.shipments.imports import shipments_import
from apps.shipments.imports.shipments import BATCH_SIZE
from apps.shipments.management.commands.import_tracking import (
    import_arguments,
    import_run,
    summary_write,
)


class Command(BaseCommand):
    help = (
        "Import shipments (with their customers) from a CSV or JSON Lines file, one transaction "
        "per batch. Existing shipments (same carrier, tracking number and order reference) are "
        "skipped, never overwritten; tracking events waiting unmatched are attached to the new "
        "shipments and folded into their status."
    )

    def add_arguments(self, parser):
        import_arguments(
            parser,
            batch_size=BATCH_SIZE,
            notify_help="tell customers about stages reached by the attached events (default: "
            "--no-notify)",
        )

    def handle(self, *args, **options):
        import_run(
            self,
            name="import_shipments",
            options=options,
            importer=lambda on_progress: shipments_import(
                path=options["file"],
                format=options["format"],
                carrier_code=options["carrier"],
                notify=options["notify"],
                batch_size=options["batch_size"],
                on_progress=on_progress,
            ),
            summary=self._summary,
        )

    def _summary(self, report):
        line = (
            f"imported {report.imported}, duplicates {report.duplicates}, "
            f"rejected {report.rejected}; unmatched events attached {report.attached}"
        )
        if report.notified:
            line += f"; notifications queued {report.notified}"
        summary_write(self, report, line)
