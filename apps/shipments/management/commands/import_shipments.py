from django.core.management.base import BaseCommand

from apps.shipments.imports import shipments_import
from apps.shipments.imports.shipments import BATCH_SIZE
from apps.shipments.management.commands.import_tracking import import_run, summary_write


class Command(BaseCommand):
    help = (
        "Import shipments (with their customers) from a CSV or JSON Lines file, one transaction "
        "per batch. Existing shipments (same carrier, tracking number and order reference) are "
        "skipped, never overwritten; tracking events waiting unmatched are attached to the new "
        "shipments and folded into their status."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--carrier", help="carrier code for rows without a `carrier` column or value"
        )
        parser.add_argument(
            "--format", choices=["csv", "jsonl"], help="default: from the file's extension"
        )
        parser.add_argument(
            "--notify",
            action="store_true",
            default=False,
            help="tell customers about stages reached by the attached events (default: "
            "--no-notify)",
        )
        parser.add_argument("--no-notify", action="store_false", dest="notify")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--fail-on-reject",
            action="store_true",
            help="exit with an error when a row was rejected (the good rows are still stored)",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

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
