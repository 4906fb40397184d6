"""The PostgreSQL path of the tracking import: COPY, one INSERT … ON CONFLICT, a set-based fold.

Measured here, `bulk_create` stores events at about 22% of a plain COPY's rate; COPY into a
temporary staging table and one `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` at about
60%. The INSERT matches shipments in the same statement and returns only the rows it stored, so
duplicates (earlier runs, earlier batches, parallel writers) cost nothing further.

The fold keeps the webhook's rules (`services.history_apply`, shipments locked in id order) but
moves rows in and out more cheaply, because an import is bound by Python's time: shipments are
loaded with psycopg's C timestamp loader, and states and estimate revisions written back through
COPY (one `UPDATE … FROM` for the states) instead of arrays quoted on the client.
"""

import json
from collections import defaultdict

import psycopg
from django.db import connection
from psycopg.pq import Format

from apps.shipments.models import EstimateRevision, Shipment, TrackingEvent
from apps.shipments.services import IngestResult, history_apply
from apps.shipments.services.history import SHIPMENT_STATE_FIELDS as STATE_FIELDS

_EVENTS = "import_tracking_staging"
_EVENT_COLUMNS = (
    "carrier_id", "carrier_event_id", "tracking_number", "order_reference", "raw_status",
    "raw_substatus", "status", "delay_reason", "message", "location", "occurred_at",
    "estimate_start", "estimate_end", "payload",
)  # fmt: skip
_EVENTS_CREATE = f"""
    CREATE TEMPORARY TABLE {_EVENTS} (
        carrier_id bigint NOT NULL, carrier_event_id text NOT NULL, tracking_number text NOT NULL,
        order_reference text NOT NULL, raw_status text NOT NULL, raw_substatus text NOT NULL,
        status text NOT NULL, delay_reason text NOT NULL, message text NOT NULL,
        location text NOT NULL, occurred_at timestamptz NOT NULL, estimate_start timestamptz,
        estimate_end timestamptz, payload jsonb NOT NULL
    ) ON COMMIT DELETE ROWS
"""
_STATES = "import_tracking_fold"


def _insert_sql() -> str:
    events, shipments = TrackingEvent._meta.db_table, Shipment._meta.db_table
    # The rule of `services._match`: carriers recycle tracking numbers, so an order reference
    # decides when the event gives one, else the newest shipment with that number. Looked up
    # once per distinct number, not per event. Rows go in key order, so two imports of
    # overlapping files wait on each other's index entries in one order instead of deadlocking.
    # Only table names are formatted in (from the models); values are parameters.
    return f"""
        WITH wanted AS (
            SELECT DISTINCT carrier_id, tracking_number, order_reference FROM {_EVENTS}
        ), matched AS (
            SELECT wanted.*, found.id AS shipment_id
            FROM wanted CROSS JOIN LATERAL (
                SELECT s.id FROM {shipments} s
                WHERE s.carrier_id = wanted.carrier_id
                  AND s.tracking_number = wanted.tracking_number
                  AND (wanted.order_reference = '' OR s.order_reference = wanted.order_reference)
                ORDER BY s.created_at DESC, s.id DESC
                LIMIT 1
            ) found
        )
        INSERT INTO {events} (
            carrier_id, shipment_id, tracking_number, carrier_event_id, raw_status,
            raw_substatus, status, delay_reason, message, location, occurred_at, received_at,
            estimate_start, estimate_end, payload
        )
        SELECT st.carrier_id, matched.shipment_id, st.tracking_number, st.carrier_event_id,
               st.raw_status, st.raw_substatus, st.status, st.delay_reason, st.message,
               st.location, st.occurred_at, %s, st.estimate_start, st.estimate_end, st.payload
        FROM {_EVENTS} st
        LEFT JOIN matched ON matched.carrier_id = st.carrier_id
                         AND matched.tracking_number = st.tracking_number
                         AND matched.order_reference = st.order_reference
        ORDER BY st.carrier_id, st.carrier_event_id
        ON CONFLICT (carrier_id, carrier_event_id) DO NOTHING
        RETURNING carrier_id, carrier_event_id, shipment_id
    """  # noqa: S608


def _temporary_table(cursor, name: str, create: str) -> None:
    cursor.execute("SELECT to_regclass(%s)", [f"pg_temp.{name}"])
    if cursor.fetchone()[0] is None:
        cursor.execute(create)
    else:
        # Emptied at each commit; not when batches share a caller's transaction.
        cursor.execute(f"TRUNCATE {name}")


def _states_create() -> str:
    columns = ", ".join(Shipment._meta.get_field(name).column for name in STATE_FIELDS)
    return (
        f"CREATE TEMPORARY TABLE {_STATES} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT id, {columns} FROM {Shipment._meta.db_table} WITH NO DATA"
    )


def staging_prepare() -> None:
    """Create the staging tables for this connection, outside any transaction.

    Made once, they outlive each batch's transaction (rows go at each commit), which saves two
    statements a batch. Inside a transaction, `events_copy` makes or empties them itself.
    """
    with connection.cursor() as cursor:
        _temporary_table(cursor, _EVENTS, _EVENTS_CREATE)
        _temporary_table(cursor, _STATES, _states_create())


def _states_write(cursor, shipments: list[Shipment], *, prepared: bool) -> None:
    """Write the folded state of `shipments` with COPY + one UPDATE … FROM."""
    table = Shipment._meta.db_table
    fields = [Shipment._meta.get_field(name) for name in STATE_FIELDS]
    columns = ", ".join(field.column for field in fields)
    if not prepared:
        _temporary_table(cursor, _STATES, _states_create())
    with cursor.copy(f"COPY {_STATES} (id, {columns}) FROM STDIN") as copy:
        for shipment in shipments:
            copy.write_row((shipment.pk, *[getattr(shipment, f.attname) for f in fields]))
    assignments = ", ".join(f"{field.column} = v.{field.column}" for field in fields)
    cursor.execute(
        f"UPDATE {table} AS t SET {assignments} FROM {_STATES} AS v WHERE t.id = v.id"  # noqa: S608
    )


def _shipments_lock(ids: list[int]) -> list[Shipment]:
    """Lock whole shipments (the fold may read any field) in id order, and load them.

    Timestamps go through psycopg's own C loader: Django's time-zone loader is pure Python and
    took most of the time a fold spent loading (1,000 shipments: 48 → 18 ms of CPU); both give
    the same UTC datetimes, the session's time zone being UTC. One array parameter rather than
    `pk__in`'s thousands of placeholders, which the driver would splice in one by one.
    """
    fields = Shipment._meta.concrete_fields
    columns = ", ".join(field.column for field in fields)
    sql = (
        f"SELECT {columns} FROM {Shipment._meta.db_table} "  # noqa: S608
        "WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
    )
    with connection.connection.cursor() as cursor:
        timestamptz = psycopg.adapters.types["timestamptz"].oid
        cursor.adapters.register_loader(
            timestamptz, psycopg.adapters.get_loader(timestamptz, Format.TEXT)
        )
        cursor.execute(sql, [ids])
        rows = cursor.fetchall()
    names = [field.attname for field in fields]
    return [Shipment.from_db(connection.alias, names, row) for row in rows]


def _shipments_fold(cursor, by_shipment: dict, now, result: IngestResult, prepared: bool):
    """Fold new events into their shipments: locked in id order, `history_apply`, written back."""
    if not by_shipment:
        return
    locked = _shipments_lock(list(by_shipment))
    revisions: list[EstimateRevision] = []
    for shipment in locked:
        history_apply(
            shipment=shipment, events=by_shipment[shipment.pk], now=now,
            revisions=revisions, stages=result.stages,
        )  # fmt: skip
        shipment.updated_at = now
    _states_write(cursor, locked, prepared=prepared)
    if revisions:
        fields = [
            field for field in EstimateRevision._meta.concrete_fields if not field.primary_key
        ]
        columns = ", ".join(field.column for field in fields)
        table = EstimateRevision._meta.db_table
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for revision in revisions:
                copy.write_row([getattr(revision, field.attname) for field in fields])


def events_copy(batch: dict, now, *, prepared: bool = False) -> IngestResult:
    """Store a batch (in the caller's transaction) and fold what was new; returns the counts.

    `batch` maps (carrier id, carrier event id) → (carrier, EventIn), without repeats.
    `prepared`: `staging_prepare` ran on this connection and each batch is its own transaction.
    """
    result = IngestResult(received=len(batch))
    with connection.cursor() as cursor:
        if not prepared:
            _temporary_table(cursor, _EVENTS, _EVENTS_CREATE)
        with cursor.copy(f"COPY {_EVENTS} ({', '.join(_EVENT_COLUMNS)}) FROM STDIN") as copy:
            for (carrier_id, _), (_, event) in batch.items():
                copy.write_row((
                    carrier_id, event.carrier_event_id, event.tracking_number,
                    event.order_reference, event.raw_status, event.raw_substatus, event.status,
                    event.delay_reason, event.message, event.location, event.occurred_at,
                    event.estimate_start, event.estimate_end,
                    json.dumps(event.payload) if event.payload else "{}",
                ))  # fmt: skip
        cursor.execute(_insert_sql(), [now])
        stored = cursor.fetchall()

        # Rows not returned were stored before (an earlier run or batch, a parallel writer).
        result.created = len(stored)
        result.duplicates = len(batch) - len(stored)
        by_shipment = defaultdict(list)
        for carrier_id, event_id, shipment_id in stored:
            if shipment_id is None:
                result.unmatched += 1
            else:
                by_shipment[shipment_id].append(batch[(carrier_id, event_id)][1])
        _shipments_fold(cursor, by_shipment, now, result, prepared)
    return result
