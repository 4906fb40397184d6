from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.shipments.imports import ImportFailed, tracking_import
from apps.shipments.imports.tracking import BATCH_SIZE, METHODS, WRITERS


def progress_bar(command: BaseCommand, *, name: str, enabled: bool):
    """A byte-based tqdm bar on the real stderr, and the `on_progress` callback that moves it.

    Not Django's stderr wrapper: it would end every redraw with a newline. tqdm turns itself off
    when stderr is not a terminal.
    """
    bar = tqdm(
        total=None,
        unit="B",
        unit_scale=True,
        desc=name,
        leave=False,
        file=getattr(command.stderr, "_out", command.stderr),
        disable=None if enabled else True,
    )

    def on_progress(position, size, report):
        bar.total = size
        bar.set_postfix_str(
            f"imported {report.imported:,}, rejected {report.rejected:,}", refresh=False
        )
        bar.update(position - bar.n)

    return bar, on_progress


def summary_write(command: BaseCommand, report, first_line: str) -> None:
    command.stdout.write(first_line)
    for reject in report.rejects:
        command.stdout.write(f"  {reject}")
    if report.rejects_not_shown:
        command.stdout.write(f"  … and {report.rejects_not_shown} more rejected rows")


def import_arguments(parser, *, batch_size: int, notify_help: str) -> None:
    """The options every import command takes."""
    parser.add_argument("file")
    parser.add_argument(
        "--carrier", help="carrier code for rows without a `carrier` column or value"
    )
    parser.add_argument(
        "--format", choices=["csv", "jsonl"], help="default: from the file's extension"
    )
    parser.add_argument("--notify", action="store_true", default=False, help=notify_help)
    parser.add_argument("--no-notify", action="store_false", dest="notify")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--fail-on-reject",
        action="store_true",
        help="exit with an error when a row was rejected (the good rows are still stored)",
    )
    parser.add_argument("--batch-size", type=int, default=batch_size)


def import_run(command: BaseCommand, *, name: str, options: dict, importer, summary) -> None:
    """Run an importer with a progress bar, print its summary, turn failures into one line.

    `importer(on_progress)` returns the report; `summary(report)` writes its lines.
    """
    if options["batch_size"] < 1:
        raise CommandError("--batch-size must be at least 1")
    bar, on_progress = progress_bar(command, name=name, enabled=not options["no_progress"])
    try:
        report = importer(on_progress)
    except ImportFailed as exc:
        bar.close()
        if exc.report is None:
            raise CommandError(exc.message) from exc
        summary(exc.report)
        raise CommandError(
            f"{exc.message}; the rows before it were stored (fix the file and re-run: "
            "stored rows are skipped)"
        ) from exc
    bar.close()
    summary(report)
    if options["fail_on_reject"] and report.rejected:
        raise CommandError(f"{report.rejected} rows rejected (--fail-on-reject)")


class Command(BaseCommand):
    help = (
        "Import tracking events from a CSV (header = the webhook's field names) or JSON Lines "
        "file, streaming, one transaction per batch. Safe to re-run: stored events count as "
        "duplicates. Events for unknown tracking numbers are kept unmatched."
    )

    def add_arguments(self, parser):
        import_arguments(
            parser,
            batch_size=BATCH_SIZE,
            notify_help="tell customers about stage changes (default: --no-notify, a backfill of "
            "old events must not message customers)",
        )
        parser.add_argument(
            "--writers",
            type=int,
            default=WRITERS,
            help="PostgreSQL: threads (connections) storing batches while the file is read; "
            "0 stores on the reading thread",
        )
        parser.add_argument(
            "--method",
            choices=METHODS,
            default="auto",
            help="copy: PostgreSQL COPY + INSERT ON CONFLICT; orm: the webhook's writes; "
            "auto (default): copy on PostgreSQL, else orm",
        )

    def handle(self, *args, **options):
        if options["writers"] < 0:
            raise CommandError("--writers must be 0 or more")
        import_run(
            self,
            name="import_tracking",
            options=options,
            importer=lambda on_progress: tracking_import(
                path=options["file"],
                format=options["format"],
                carrier_code=options["carrier"],
                notify=options["notify"],
                method=options["method"],
                batch_size=options["batch_size"],
                writers=options["writers"],
                on_progress=on_progress,
            ),
            summary=self._summary,
        )

    def _summary(self, report):
        line = (
            f"imported {report.imported}, duplicates {report.duplicates}, "
            f"unmatched {report.unmatched}, rejected {report.rejected}"
        )
        if report.notified:
            line += f"; notifications queued {report.notified}"
        summary_write(self, report, line)
