"""Bulk import of tracking events from a file (`manage.py import_tracking`).

Rows are validated by `intake.event_parse`, the webhook's own check, so a file and a webhook
refuse the same things with the same words. Good rows are stored in batches, one transaction
each: a crash leaves whole batches, and a re-run skips what is stored (the unique constraint on
(carrier, carrier event id) decides, so a second run imports nothing). Events for tracking
numbers without a shipment are stored unmatched, never dropped.

Each batch goes through `services.tracking_receive`, the webhook's own service, once per
carrier in the batch's transaction. On PostgreSQL it stores through COPY and one INSERT … ON
CONFLICT (`sql.events_insert` with `bulk`), on writer threads while this one reads and parses
the next batches: reading and parsing are Python's work, storing is mostly the database's, so
they overlap. Either way the new events are folded into the shipments they matched, locked, by
`services.history_apply`.
"""

import queue
import threading
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from apps.shipments import sql
from apps.shipments.imports.carriers import CarrierLookup
from apps.shipments.imports.files import ImportFailed, RowReader
from apps.shipments.imports.report import ImportReport
from apps.shipments.intake import KNOWN_FIELDS, EventIn, event_parse
from apps.shipments.models import Carrier
from apps.shipments.services import tracking_receive

BATCH_SIZE = 5000
# Threads storing batches on PostgreSQL beside the one reading the file (0: store inline).
WRITERS = 2
REQUIRED_COLUMNS = ("event_id", "tracking_number", "status", "occurred_at")
METHODS = ("auto", "copy", "orm")


class _Batch:
    """One batch of rows: per carrier, its events in file order, without repeats."""

    def __init__(self):
        self.by_carrier: dict[int, tuple[Carrier, dict[str, EventIn]]] = {}
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, carrier: Carrier, event: EventIn) -> bool:
        """Add the event; False (and nothing added) if the batch holds its id already."""
        group = self.by_carrier.get(carrier.pk)
        if group is None:
            group = self.by_carrier[carrier.pk] = (carrier, {})
        events = group[1]
        if event.carrier_event_id in events:
            return False
        events[event.carrier_event_id] = event
        self.size += 1
        return True


class _Store:
    """Stores batches, each in its own transaction; counts into the report.

    With `writers`, batches are stored on that many threads, each with its own database
    connection, at most `writers` batches waiting: memory holds a fixed number of batches
    whatever the file's length. Batches may commit out of file order; that is safe because
    each one locks its shipments in id order and the fold does not depend on arrival order
    (the latest *occurred* event wins). A failure stops the import at the next batch handed
    over; the batches committed so far stay, and a re-run skips them.
    """

    def __init__(self, *, bulk: bool, notify: bool, report: ImportReport, writers: int):
        self.bulk, self.notify, self.report = bulk, notify, report
        self._error: BaseException | None = None
        self._counting = threading.Lock()
        self._threads = []
        self._threaded = writers > 0
        if writers:
            self._queue: queue.Queue = queue.Queue(maxsize=writers)
            for number in range(writers):
                thread = threading.Thread(
                    target=self._work, name=f"import-store-{number}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def _store(self, batch: _Batch) -> None:
        now = timezone.now()
        imported = duplicates = unmatched = notified = 0
        # One transaction per batch, whatever its carriers: a crash leaves whole batches.
        with transaction.atomic():
            for carrier, events in batch.by_carrier.values():
                # In the batch's transaction: the outbox rows commit with the state they report.
                result = tracking_receive(
                    carrier=carrier,
                    events=list(events.values()),
                    notify=self.notify,
                    bulk=self.bulk,
                    now=now,
                )
                imported += result.created
                duplicates += result.duplicates
                unmatched += result.unmatched
                notified += result.notified
        with self._counting:
            self.report.imported += imported
            self.report.duplicates += duplicates
            self.report.unmatched += unmatched
            self.report.notified += notified
        # Under DEBUG each query's SQL stays on the connection; a long import must not grow
        # it (unless someone captures queries on purpose, as a test does).
        if not connection.force_debug_cursor:
            connection.queries_log.clear()

    def _work(self) -> None:
        # A failure is kept for the reading thread to raise; the queue is drained regardless,
        # so that thread never waits on a full queue.
        try:
            while (batch := self._queue.get()) is not None:
                if self._error is None:
                    try:
                        self._store(batch)
                    except BaseException as exc:
                        self._error = exc
        finally:
            connection.close()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, batch: _Batch) -> None:
        if not batch:
            return
        if not self._threaded:
            self._store(batch)
            return
        self._raise_failure()
        self._queue.put(batch)

    def finish(self, batch: _Batch) -> None:
        """Store the last batch and wait for all; raise what failed on the way."""
        try:
            self.put(batch)
        except BaseException as exc:
            self.abandon(exc)
            raise
        self.close()

    def close(self) -> None:
        """Wait until every batch handed over is stored; raise what failed on the way."""
        self._join()
        self._raise_failure()

    def abandon(self, reason: BaseException) -> None:
        """Drop the batches still waiting (an interrupt, a failure here); finish the rest."""
        if self._error is None:
            self._error = reason
        self._join()

    def _join(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []


def tracking_import(
    *,
    path,
    format: str | None = None,
    carrier_code: str | None = None,
    notify: bool = False,
    method: str = "auto",
    batch_size: int = BATCH_SIZE,
    writers: int = WRITERS,
    on_progress: Callable[[int, int, ImportReport], None] | None = None,
) -> ImportReport:
    """Import tracking events from a CSV or JSON Lines file; returns the counts and rejects.

    Side effects, per batch of `batch_size` rows in its own transaction: stores new events
    (matched to shipments, or kept unmatched), locks and updates the shipments they touch,
    records estimate revisions, and with `notify` queues the customers' stage messages (off by
    default: a backfill must not message customers about old stages). Rows that fail validation
    are counted and the first 20 kept with their line numbers. Raises `ImportFailed` for a file
    that cannot be read, decoded or lacks header columns; when that happens mid-file, the rows
    before the bad line are stored and `exc.report` says what was done. Memory stays flat:
    nothing per row outlives its batch. `on_progress(bytes read, file size, report)` is called
    after each batch. On PostgreSQL, `writers` threads store batches while this one reads;
    called inside a transaction, the batches run in it, on this thread.
    """
    if method not in METHODS:
        raise ImportFailed(f"unknown import method '{method}' (one of {', '.join(METHODS)})")
    if method == "copy" and not sql.copy_supported():
        raise ImportFailed("the COPY method needs PostgreSQL")
    use_copy = method != "orm" and sql.copy_supported()
    carriers = CarrierLookup(carrier_code)
    required = REQUIRED_COLUMNS if carriers.default else ("carrier", *REQUIRED_COLUMNS)
    report = ImportReport()

    with RowReader(path, format=format, required=required) as reader:
        # An empty CSV cell is an absent value; only extra columns would keep it (as "").
        empty_droppable = [
            name for name in reader.columns if name not in KNOWN_FIELDS and name != "carrier"
        ]
        # Inside a caller's transaction the batches cannot commit on their own: run them here.
        threaded = use_copy and writers > 0 and not connection.in_atomic_block
        store = _Store(
            bulk=use_copy, notify=notify, report=report, writers=writers if threaded else 0
        )
        batch = _Batch()
        # Repeats inside a batch; counted apart from the writers' counts, which they lock.
        repeats = 0
        now = timezone.now()
        try:
            for row in reader:
                values = row.values
                if values is None:
                    report.reject(row.line, [("", row.error)])
                    continue
                for name in empty_droppable:
                    if values[name] == "":
                        del values[name]
                carrier, carrier_error = carriers.find(values.pop("carrier", None))
                event, errors = event_parse(values, index=row.line, now=now)
                if carrier_error or errors:
                    reasons = [carrier_error] if carrier_error else []
                    reasons += [(error.field, error.error) for error in errors]
                    report.reject(row.line, reasons)
                    continue
                if not batch.add(carrier, event):
                    repeats += 1
                    continue
                if len(batch) >= batch_size:
                    store.put(batch)
                    batch = _Batch()
                    now = timezone.now()
                    if on_progress:
                        on_progress(reader.position, reader.size, report)
        except ImportFailed as exc:
            # The rows before the unreadable line are sound: keep them, then stop.
            store.finish(batch)
            report.duplicates += repeats
            exc.report = report
            raise
        except BaseException as exc:
            store.abandon(exc)
            raise
        store.finish(batch)
        report.duplicates += repeats
        if on_progress:
            on_progress(reader.position, reader.size, report)
    return report
