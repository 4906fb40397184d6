"""Bulk import of tracking events from a file (`manage.py import_tracking`).

Rows are validated by `intake.event_parse`, the webhook's own check, so a file and a webhook
refuse the same things with the same words. Good rows are stored in batches, one transaction
each: a crash leaves whole batches, and a re-run skips what is stored (the unique constraint on
(carrier, carrier event id) decides, so a second run imports nothing). Events for tracking
numbers without a shipment are stored unmatched, never dropped.

On PostgreSQL a batch goes through COPY and one INSERT … ON CONFLICT (`imports.postgres`), and
is stored by writer threads while this one reads and parses the next batches: reading and
parsing are Python's work, storing is mostly the database's, so they overlap. Elsewhere
(SQLite) a batch goes through `services.events_ingest`, the webhook's path. Either way the new
events are folded into the shipments they matched, locked, by `services.history_apply`.
"""

import queue
import threading
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from apps.shipments.imports.carriers import CarrierLookup
from apps.shipments.imports.files import ImportFailed, RowReader
from apps.shipments.imports.postgres import events_copy, staging_prepare
from apps.shipments.imports.report import ImportReport
from apps.shipments.intake import KNOWN_FIELDS, EventIn, event_parse
from apps.shipments.models import Carrier
from apps.shipments.services import IngestResult, events_ingest
from apps.shipments.telling import stages_tell

BATCH_SIZE = 5000
# Threads storing batches on PostgreSQL beside the one reading the file (0: store inline).
WRITERS = 2
REQUIRED_COLUMNS = ("event_id", "tracking_number", "status", "occurred_at")
METHODS = ("auto", "copy", "orm")

# (carrier id, carrier event id) → (carrier, event): one batch, in file order, without repeats.
Batch = dict[tuple[int, str], tuple[Carrier, EventIn]]


def _events_orm(batch: Batch, now) -> IngestResult:
    """Store a batch through the webhook's service, one call per carrier (any database)."""
    by_carrier: dict[int, tuple[Carrier, list[EventIn]]] = {}
    for (carrier_id, _), (carrier, event) in batch.items():
        by_carrier.setdefault(carrier_id, (carrier, []))[1].append(event)
    total = IngestResult(received=len(batch))
    for carrier, events in by_carrier.values():
        result = events_ingest(carrier=carrier, events=events, now=now)
        total.created += result.created
        total.duplicates += result.duplicates
        total.unmatched += result.unmatched
        total.stages.extend(result.stages)
    return total


class _Store:
    """Stores batches, each in its own transaction; counts into the report.

    With `writers`, batches are stored on that many threads, each with its own database
    connection, at most `writers` batches waiting: memory holds a fixed number of batches
    whatever the file's length. Batches may commit out of file order; that is safe because
    each one locks its shipments in id order and the fold does not depend on arrival order
    (the latest *occurred* event wins). A failure stops the import at the next batch handed
    over; the batches committed so far stay, and a re-run skips them.
    """

    def __init__(self, *, use_copy: bool, notify: bool, report: ImportReport, writers: int):
        self.use_copy, self.notify, self.report = use_copy, notify, report
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

    def _store(self, batch: Batch, *, prepared: bool = False) -> None:
        now = timezone.now()
        with transaction.atomic():
            if self.use_copy:
                result = events_copy(batch, now, prepared=prepared)
            else:
                result = _events_orm(batch, now)
            notified = 0
            if self.notify:
                # In the batch's transaction: the outbox rows commit with the state they report.
                notified = stages_tell(stages=result.stages, now=now)
        with self._counting:
            self.report.imported += result.created
            self.report.duplicates += result.duplicates
            self.report.unmatched += result.unmatched
            self.report.notified += notified
        # Under DEBUG each query's SQL stays on the connection; a long import must not grow
        # it (unless someone captures queries on purpose, as a test does).
        if not connection.force_debug_cursor:
            connection.queries_log.clear()

    def _work(self) -> None:
        # A failure is kept for the reading thread to raise; the queue is drained regardless,
        # so that thread never waits on a full queue.
        try:
            prepared = False
            try:
                # Its own connection, each batch its own transaction: the staging tables can be
                # made once, outside them.
                staging_prepare()
                prepared = True
            except BaseException as exc:
                self._error = exc
            while (batch := self._queue.get()) is not None:
                if self._error is None:
                    try:
                        self._store(batch, prepared=prepared)
                    except BaseException as exc:
                        self._error = exc
        finally:
            connection.close()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, batch: Batch) -> None:
        if not batch:
            return
        if not self._threaded:
            self._store(batch)
            return
        self._raise_failure()
        self._queue.put(batch)

    def finish(self, batch: Batch) -> None:
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
    is_postgres = connection.vendor == "postgresql"
    if method == "copy" and not is_postgres:
        raise ImportFailed("the COPY method needs PostgreSQL")
    use_copy = is_postgres and method != "orm"
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
            use_copy=use_copy, notify=notify, report=report, writers=writers if threaded else 0
        )
        batch: Batch = {}
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
                key = (carrier.pk, event.carrier_event_id)
                if key in batch:
                    repeats += 1
                    continue
                batch[key] = (carrier, event)
                if len(batch) >= batch_size:
                    store.put(batch)
                    batch = {}
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
