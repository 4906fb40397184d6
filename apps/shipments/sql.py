"""The shipments app's set-based PostgreSQL statements, each beside its portable path.

Each public function here is one statement, or a few that travel together. On PostgreSQL it
runs `_<name>_postgres`, elsewhere `_<name>_portable` (the ORM and `core.bulk`); the public
function is the only place in the app that asks which database runs. All of them run in the
caller's transaction. Where the SQL restates a Python rule (shipment matching in `matching`,
delay size in `delays`), tests/shipments/test_sql_parity.py runs both variants of every function
here over generated cases and holds them to the same answers.

`bulk=True` marks an import's load of thousands of rows a call: on PostgreSQL it goes through
COPY into a temporary staging table and one statement from there. Measured on the import,
`bulk_create` stored events at about 22% of a plain COPY's rate, COPY + one `INSERT … SELECT …
ON CONFLICT DO NOTHING RETURNING` at about 60%; shipments are loaded with psycopg's C timestamp
loader and written back through COPY + one `UPDATE … FROM`. A webhook's batch does not pass
`bulk`: it takes the portable path, whose writes `core.bulk` makes set-based on PostgreSQL
without a staging table's fixed cost.

The promise watch's statements lock, re-check, flag and size thousands of parcels in one
`UPDATE … FROM … RETURNING`, the delay size computed in SQL, no shipment loaded into Python.
"""

import json

import psycopg
from django.db import connections
from django.db.models import BooleanField, Case, F, Q, Value, When
from django.db.models.expressions import RawSQL
from psycopg.pq import Format

from apps.core.bulk import binary_execute, bulk_insert_rows, bulk_update_rows
from apps.shipments.delays import delay_mark, delay_measure
from apps.shipments.intake import EventIn
from apps.shipments.matching import shipments_match
from apps.shipments.models import (
    OPEN_UNFLAGGED,
    Carrier,
    EstimateRevision,
    Shipment,
    TrackingEvent,
)
from apps.shipments.telling import CONTACT_FIELDS, Contact, contacts_read


def _connection():
    return connections[Shipment.objects.db]


def _on_postgresql() -> bool:
    return _connection().vendor == "postgresql"


def copy_supported() -> bool:
    """Whether the database takes COPY and parallel writer connections (PostgreSQL)."""
    return _on_postgresql()


# --- Tracking events in --------------------------------------------------------------------

_EVENTS = "tracking_events_staging"
_EVENT_COLUMNS = (
    "carrier_event_id", "tracking_number", "order_reference", "raw_status", "raw_substatus",
    "status", "delay_reason", "message", "location", "occurred_at", "estimate_start",
    "estimate_end", "payload",
)  # fmt: skip
# Made once per connection; emptied at each commit, and by each use (several loads may share a
# caller's transaction). IF NOT EXISTS and the DELETE travel in one round trip.
_EVENTS_READY = f"""
    CREATE TEMPORARY TABLE IF NOT EXISTS {_EVENTS} (
        carrier_event_id text NOT NULL, tracking_number text NOT NULL,
        order_reference text NOT NULL, raw_status text NOT NULL, raw_substatus text NOT NULL,
        status text NOT NULL, delay_reason text NOT NULL, message text NOT NULL,
        location text NOT NULL, occurred_at timestamptz NOT NULL, estimate_start timestamptz,
        estimate_end timestamptz, payload jsonb NOT NULL
    ) ON COMMIT DELETE ROWS;
    DELETE FROM {_EVENTS}
"""  # noqa: S608


def events_insert(
    *, carrier: Carrier, events: list[EventIn], now, bulk: bool = False
) -> dict[str, int | None]:
    """Store the events not stored yet, each with its shipment; returns, for the rows stored,
    carrier event id → shipment id (None: kept unmatched).

    `events` hold no repeats of an event id. A row whose (carrier, event id) is stored already —
    by an earlier batch, or a parallel writer under any race — is skipped by the unique
    constraint, never overwritten. Shipments are found by `matching.shipments_match`'s rule,
    which the PostgreSQL variant restates in SQL.
    """
    if not events:
        return {}
    if bulk and _on_postgresql():
        return _events_insert_postgres(carrier=carrier, events=events, now=now)
    return _events_insert_portable(carrier=carrier, events=events, now=now)


def _events_insert_portable(*, carrier, events, now) -> dict[str, int | None]:
    matches = shipments_match(carrier=carrier, events=events)
    rows = [
        TrackingEvent(
            carrier=carrier,
            shipment_id=matches.get((event.tracking_number, event.order_reference)),
            tracking_number=event.tracking_number,
            carrier_event_id=event.carrier_event_id,
            raw_status=event.raw_status,
            raw_substatus=event.raw_substatus,
            status=event.status,
            delay_reason=event.delay_reason,
            message=event.message,
            location=event.location,
            occurred_at=event.occurred_at,
            received_at=now,
            estimate_start=event.estimate_start,
            estimate_end=event.estimate_end,
            payload=event.payload,
        )
        for event in events
    ]
    stored = set(
        bulk_insert_rows(
            TrackingEvent, rows, unique_field="carrier_event_id", scope={"carrier": carrier}
        )
    )
    return {
        event.carrier_event_id: matches.get((event.tracking_number, event.order_reference))
        for event in events
        if event.carrier_event_id in stored
    }


def _events_insert_sql() -> str:
    events, shipments = TrackingEvent._meta.db_table, Shipment._meta.db_table
    # `matching.shipments_match` in SQL: an order reference decides when the event gives one,
    # else the newest shipment with that number. Looked up once per distinct number, not per
    # event. Rows go in key order, so two imports of overlapping files wait on each other's
    # index entries in one order instead of deadlocking. Only table names are formatted in
    # (from the models); values are parameters.
    return f"""
        WITH wanted AS (
            SELECT DISTINCT tracking_number, order_reference FROM {_EVENTS}
        ), matched AS (
            SELECT wanted.*, found.id AS shipment_id
            FROM wanted CROSS JOIN LATERAL (
                SELECT s.id FROM {shipments} s
                WHERE s.carrier_id = %(carrier)s
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
        SELECT %(carrier)s, matched.shipment_id, st.tracking_number, st.carrier_event_id,
               st.raw_status, st.raw_substatus, st.status, st.delay_reason, st.message,
               st.location, st.occurred_at, %(now)s, st.estimate_start, st.estimate_end,
               st.payload
        FROM {_EVENTS} st
        LEFT JOIN matched ON matched.tracking_number = st.tracking_number
                         AND matched.order_reference = st.order_reference
        ORDER BY st.carrier_event_id
        ON CONFLICT (carrier_id, carrier_event_id) DO NOTHING
        RETURNING carrier_event_id, shipment_id
    """  # noqa: S608


def _events_insert_postgres(*, carrier, events, now) -> dict[str, int | None]:
    with _connection().cursor() as cursor:
        cursor.execute(_EVENTS_READY)
        with cursor.copy(f"COPY {_EVENTS} ({', '.join(_EVENT_COLUMNS)}) FROM STDIN") as copy:
            for event in events:
                copy.write_row((
                    event.carrier_event_id, event.tracking_number, event.order_reference,
                    event.raw_status, event.raw_substatus, event.status, event.delay_reason,
                    event.message, event.location, event.occurred_at, event.estimate_start,
                    event.estimate_end, json.dumps(event.payload) if event.payload else "{}",
                ))  # fmt: skip
        cursor.execute(_events_insert_sql(), {"carrier": carrier.pk, "now": now})
        return dict(cursor.fetchall())


# --- Folding events into shipments ---------------------------------------------------------


def shipments_lock(*, ids: list[int], bulk: bool = False) -> list[Shipment]:
    """Lock whole shipments (a fold may read any field) in id order, and load them.

    Id order: two batches touching the same parcels wait for each other instead of deadlocking.
    """
    if not ids:
        return []
    if bulk and _on_postgresql():
        return _shipments_lock_postgres(ids)
    return _shipments_lock_portable(ids)


def _shipments_lock_portable(ids: list[int]) -> list[Shipment]:
    return list(Shipment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _shipments_lock_postgres(ids: list[int]) -> list[Shipment]:
    # Timestamps go through psycopg's own C loader: Django's time-zone loader is pure Python and
    # took most of the time a fold spent loading (1,000 shipments: 48 → 18 ms of CPU); both give
    # the same UTC datetimes, the session's time zone being UTC. One array parameter rather than
    # `pk__in`'s thousands of placeholders, which the driver would splice in one by one.
    connection = _connection()
    fields = Shipment._meta.concrete_fields
    columns = ", ".join(field.column for field in fields)
    sql = (
        f"SELECT {columns} FROM {Shipment._meta.db_table} "  # noqa: S608
        "WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        timestamptz = psycopg.adapters.types["timestamptz"].oid
        cursor.adapters.register_loader(
            timestamptz, psycopg.adapters.get_loader(timestamptz, Format.TEXT)
        )
        cursor.execute(sql, [ids])
        rows = cursor.fetchall()
    names = [field.attname for field in fields]
    return [Shipment.from_db(connection.alias, names, row) for row in rows]


_STATES = "shipment_states_staging"


def shipment_states_write(*, shipments: list[Shipment], fields: list[str], bulk: bool = False):
    """Write `fields` of (locked, in-memory) `shipments` back to their rows."""
    if not shipments:
        return
    if bulk and _on_postgresql():
        _shipment_states_write_postgres(shipments, fields)
    else:
        _shipment_states_write_portable(shipments, fields)


def _shipment_states_write_portable(shipments: list[Shipment], fields: list[str]) -> None:
    bulk_update_rows(Shipment, shipments, fields)


def _shipment_states_write_postgres(shipments: list[Shipment], fields: list[str]) -> None:
    # COPY + one UPDATE … FROM: the values travel in COPY's format, not as arrays quoted on the
    # client. The staging table has every column of the shipments' (none of their constraints),
    # so any `fields` fit it.
    table = Shipment._meta.db_table
    columns = [Shipment._meta.get_field(name) for name in fields]
    names = ", ".join(field.column for field in columns)
    with _connection().cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STATES} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT * FROM {table} WITH NO DATA; DELETE FROM {_STATES}"
        )
        with cursor.copy(f"COPY {_STATES} (id, {names}) FROM STDIN") as copy:
            for shipment in shipments:
                copy.write_row((shipment.pk, *[getattr(shipment, f.attname) for f in columns]))
        assignments = ", ".join(f"{field.column} = v.{field.column}" for field in columns)
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {_STATES} AS v WHERE t.id = v.id"  # noqa: S608
        )


def revisions_insert(*, revisions: list[EstimateRevision], bulk: bool = False) -> None:
    """Insert estimate revisions (new rows, never conflicting)."""
    if not revisions:
        return
    if bulk and _on_postgresql():
        _revisions_insert_postgres(revisions)
    else:
        _revisions_insert_portable(revisions)


def _revisions_insert_portable(revisions: list[EstimateRevision]) -> None:
    EstimateRevision.objects.bulk_create(revisions)


def _revisions_insert_postgres(revisions: list[EstimateRevision]) -> None:
    fields = [field for field in EstimateRevision._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(field.column for field in fields)
    table = EstimateRevision._meta.db_table
    copy_sql = f"COPY {table} ({columns}) FROM STDIN"
    with _connection().cursor() as cursor, cursor.copy(copy_sql) as copy:
        for revision in revisions:
            copy.write_row([getattr(revision, field.attname) for field in fields])


# --- Promise watch -------------------------------------------------------------------------

# What sizing a delay reads and what flagging writes: only these columns are loaded for the
# thousands flagged at once on the portable path.
_SIZE_INPUTS = ["promised_end", "estimate_end", "delivered_at", "destination_time_zone"]
_SIZE_FIELDS = ["delay_hours", "delay_business_days", "delay_measured_at"]
_FLAG_FIELDS = ["is_delayed", "delay_reason", "delay_detected_at", *_SIZE_FIELDS, "updated_at"]


def _claim(condition: Q):
    """The shipments meeting `condition`, locked in id order, skipping rows others hold."""
    return Shipment.objects.select_for_update(skip_locked=True).filter(condition).order_by("pk")


def _id_among(ids: list[int], model=Shipment) -> RawSQL:
    """pk__in for the set-based statements: one binary array parameter instead of one per id
    (thousands of parameters cost Django to compile and PostgreSQL to plan). Only for
    `binary_execute` or a queryset evaluated on PostgreSQL with server-side binding."""
    quote = _connection().ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}"
    return RawSQL(f"{column} = ANY(%b::bigint[])", (ids,), output_field=BooleanField())  # noqa: S611


def _fetch(queryset) -> list[tuple]:
    """The rows of a values_list queryset, read with `binary_execute` (for `_id_among`)."""
    sql, params = queryset.query.sql_with_params()
    return binary_execute(connections[queryset.db], sql, params, fetch=True)


def shipments_claim(*, ids: list[int], condition: Q, fields: list[str]) -> list[tuple]:
    """Lock those of `ids` still open, unflagged and meeting `condition` (skipping rows another
    transaction holds; the condition checked under the lock), and read their `fields`."""
    if not ids:
        return []
    if _on_postgresql():
        return _shipments_claim_postgres(ids, condition, fields)
    return _shipments_claim_portable(ids, condition, fields)


def _shipments_claim_portable(ids, condition, fields) -> list[tuple]:
    return list(_claim(OPEN_UNFLAGGED & condition).filter(pk__in=ids).values_list(*fields))


def _shipments_claim_postgres(ids, condition, fields) -> list[tuple]:
    return _fetch(_claim(OPEN_UNFLAGGED & condition).filter(_id_among(ids)).values_list(*fields))


def delays_flag(*, ids: list[int], condition: Q, reason: str, now) -> dict[int, Contact]:
    """Flag delayed — with `reason`, sized as of `now` — those of `ids` that under their row
    locks are still open, unflagged and meet `condition`; returns flagged id → its customer's
    Contact, for telling.

    Rows another transaction holds are skipped (another sweep has them). A scan or a better
    estimate may land between the caller's read and this lock: the re-check under the lock
    keeps such a parcel unflagged.
    """
    if not ids:
        return {}
    if _on_postgresql():
        return _delays_flag_postgres(ids, condition, reason, now)
    return _delays_flag_portable(ids, condition, reason, now)


def _delays_flag_portable(ids, condition, reason, now) -> dict[int, Contact]:
    claim = _claim(OPEN_UNFLAGGED & condition).filter(pk__in=ids)
    rows = list(claim.only(*_SIZE_INPUTS, *_FLAG_FIELDS))
    for shipment in rows:
        delay_mark(shipment=shipment, reason=reason, now=now)
        shipment.updated_at = now
    bulk_update_rows(Shipment, rows, _FLAG_FIELDS)
    return contacts_read([shipment.pk for shipment in rows]) if rows else {}


def _delays_flag_postgres(ids, condition, reason, now) -> dict[int, Contact]:
    flagged = _sized_update(
        _claim(OPEN_UNFLAGGED & condition).filter(_id_among(ids)),
        now,
        "is_delayed = TRUE, delay_reason = %s, delay_detected_at = %s, updated_at = %s, ",
        [reason, now, now],
    )
    return _contacts(flagged)


def delays_measure(*, ids: list[int], now) -> int:
    """Size again, as of `now`, the delays among `ids` still flagged (skipping rows another
    transaction holds); returns how many were measured."""
    if not ids:
        return 0
    if _on_postgresql():
        return _delays_measure_postgres(ids, now)
    return _delays_measure_portable(ids, now)


def _delays_measure_portable(ids, now) -> int:
    rows = list(_claim(Q(is_delayed=True)).filter(pk__in=ids).only(*_SIZE_INPUTS, *_SIZE_FIELDS))
    for shipment in rows:
        delay_measure(shipment=shipment, now=now)
    bulk_update_rows(Shipment, rows, _SIZE_FIELDS)
    return len(rows)


def _delays_measure_postgres(ids, now) -> int:
    return len(_sized_update(_claim(Q(is_delayed=True)).filter(_id_among(ids)), now, "", []))


# Days since 0001-01-01 (a Monday) of a moment's date in the destination's time zone, and the
# weekdays up to and including that date: business days between two dates are the difference.
_LOCAL_DAY = "(({moment} AT TIME ZONE c.time_zone)::date - DATE '0001-01-01')"
_WEEKDAYS = "(5 * ({day} / 7) + LEAST({day} %% 7 + 1, 5))"


def _weekdays(moment: str) -> str:
    return _WEEKDAYS.format(day=_LOCAL_DAY.format(moment=moment))


# delays.delay_size in SQL, over the claimed rows `c` (promised_end, time_zone, moment): the
# same hours (rounded up) and business days (weekdays after the promise's date up to the
# moment's date, in the destination's time zone).
_SIZE_SQL = (
    "delay_hours = CASE WHEN c.moment > c.promised_end "
    "THEN CEIL(EXTRACT(EPOCH FROM c.moment - c.promised_end) / 3600) ELSE 0 END, "
    "delay_business_days = CASE WHEN c.moment > c.promised_end "
    f"THEN GREATEST({_weekdays('c.moment')} - {_weekdays('c.promised_end')}, 0) ELSE 0 END"
)


def _sized_update(claim, now, assignments: str, params: list) -> list[tuple[int, int]]:
    """Lock the rows `claim` finds (SKIP LOCKED, its condition re-checked under the lock), set
    `assignments` (each followed by ", ") and the delay size as of `now`; returns (id, customer
    id) of the rows written. One statement, and no shipment is loaded into Python."""
    # delays.delay_moment: the delivery, else the estimate's end if later than now, else now.
    moment = Case(
        When(delivered_at__isnull=False, then=F("delivered_at")),
        When(estimate_end__gt=now, then=F("estimate_end")),
        default=Value(now),
    )
    claimed = claim.annotate(moment_=moment).values_list(
        "pk", "customer_id", "promised_end", "destination_time_zone", "moment_"
    )
    claim_sql, claim_params = claimed.query.sql_with_params()
    connection = _connection()
    table = connection.ops.quote_name(Shipment._meta.db_table)
    # Only quoted names from the models go into the text; values travel as parameters.
    sql = (
        f"WITH c (id, customer_id, promised_end, time_zone, moment) AS ({claim_sql}) "  # noqa: S608
        f"UPDATE {table} AS t SET {assignments}delay_measured_at = %s, {_SIZE_SQL} "
        "FROM c WHERE t.id = c.id RETURNING t.id, t.customer_id"
    )
    return binary_execute(connection, sql, [*claim_params, *params, now], fetch=True)


def _contacts(shipments: list[tuple[int, int]]) -> dict[int, Contact]:
    """Shipment id → its customer's Contact, for (shipment id, customer id) pairs.

    A read of its own by primary key: joined to the UPDATE above, the planner (which expects
    few rows of a claim) may hash the whole customer table instead.
    """
    if not shipments:
        return {}
    customers = Shipment._meta.get_field("customer").related_model
    wanted = sorted({customer_id for _, customer_id in shipments})
    read = customers.objects.filter(_id_among(wanted, customers)).values_list("pk", *CONTACT_FIELDS)
    by_customer = {row[0]: Contact._make(row[1:]) for row in _fetch(read)}
    return {pk: by_customer[customer_id] for pk, customer_id in shipments}
