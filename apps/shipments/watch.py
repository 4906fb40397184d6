"""Promise watch: find shipments that are late or will be, flag them with reason and size.

Incremental: each query reads a partial index that holds only parcels still moving and not yet
flagged, so a sweep costs what is new, and a sweep with nothing new reads empty ranges. Safe to
run twice or concurrently: rows are claimed with SKIP LOCKED (PostgreSQL) and re-checked under
the lock; the customer is told once per (shipment, stage) by the outbox's unique key.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.db import connections, transaction
from django.db.models import BooleanField, Case, F, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.core.bulk import binary_execute, bulk_update_rows
from apps.shipments.estimates import estimate_predict, late_statuses_by_deadline
from apps.shipments.models import (
    FINAL_STATUSES,
    OPEN_UNFLAGGED,
    Carrier,
    DelayReason,
    EstimateRevision,
    ServiceLevel,
    Shipment,
    ShipmentStatus,
)
from apps.shipments.services import STAGE_DELAYED, delay_mark, delay_measure
from apps.shipments.telling import CONTACT_FIELDS, Contact, stages_tell

_BATCH = 2000
# Delay sizes of parcels still moving are re-measured this often.
REMEASURE_AFTER = timedelta(hours=1)
# What sizing a delay reads: only these columns are loaded for the thousands flagged at once.
_SIZE_INPUTS = [
    "status",
    "service_level",
    "promised_end",
    "estimate_start",
    "estimate_end",
    "estimate_source",
    "delivered_at",
    "destination_time_zone",
]
_FIELDS = [
    "estimate_start",
    "estimate_end",
    "estimate_source",
    "is_delayed",
    "delay_reason",
    "delay_detected_at",
    "delay_hours",
    "delay_business_days",
    "delay_measured_at",
    "updated_at",
]


@dataclass
class SweepResult:
    flagged: dict[str, int] = field(default_factory=dict)
    remeasured: int = 0

    @property
    def total_flagged(self) -> int:
        return sum(self.flagged.values())


def _postgres() -> bool:
    return connections[Shipment.objects.db].vendor == "postgresql"


def _flag(
    ids: list[int],
    condition: Q,
    reason: str,
    now: datetime,
    result: SweepResult,
    *,
    predict: bool = False,
) -> None:
    """Flag these shipments if, under their row locks, they still meet `condition`.

    A scan or a better estimate may land between the sweep's read and its lock; the re-check
    under the lock keeps such a parcel unflagged.
    """
    if not ids:
        return
    with transaction.atomic():
        claim = (
            Shipment.objects.select_for_update(skip_locked=True)
            .filter(OPEN_UNFLAGGED, condition)
            .order_by("pk")
        )
        if _postgres():
            flagged = _flag_set_based(claim.filter(_id_among(ids)), reason, now, predict=predict)
        else:
            flagged = _flag_rows(claim.filter(pk__in=ids), reason, now, predict=predict)
    if flagged:
        result.flagged[reason] = result.flagged.get(reason, 0) + flagged


def _id_among(ids: list[int], model=Shipment) -> RawSQL:
    """pk__in for the set-based statements: one binary array parameter instead of one per id
    (thousands of parameters cost Django to compile and PostgreSQL to plan). Only for
    `binary_execute` or a queryset evaluated on PostgreSQL with server-side binding."""
    quote = connections[model.objects.db].ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}"
    return RawSQL(f"{column} = ANY(%b::bigint[])", (ids,), output_field=BooleanField())  # noqa: S611


def _flag_rows(claim, reason: str, now: datetime, *, predict: bool) -> int:
    """The portable way: lock and load the rows, mark them in Python, write them back."""
    rows = list(claim.only(*_SIZE_INPUTS, *_FIELDS))
    stages = []
    revisions = []
    for shipment in rows:
        if predict:
            _predict(shipment, now, revisions)
        if delay_mark(shipment=shipment, reason=reason, now=now):
            shipment.updated_at = now
            stages.append((shipment.pk, STAGE_DELAYED))
    bulk_update_rows(Shipment, rows, _FIELDS)
    if revisions:
        EstimateRevision.objects.bulk_create(revisions)
    stages_tell(stages=stages, now=now)
    return len(stages)


# Days since 0001-01-01 (a Monday) of a moment's date in the destination's time zone, and the
# weekdays up to and including that date: business days between two dates are the difference.
_LOCAL_DAY = "(({moment} AT TIME ZONE c.time_zone)::date - DATE '0001-01-01')"
_WEEKDAYS = "(5 * ({day} / 7) + LEAST({day} %% 7 + 1, 5))"


def _weekdays(moment: str) -> str:
    return _WEEKDAYS.format(day=_LOCAL_DAY.format(moment=moment))


# delays.delay_size in SQL, over the claimed rows `c` (promised_end, time_zone, moment): the
# same hours (rounded up) and business days (weekdays after the promise's date up to the
# moment's date, in the destination's time zone). Tests hold the two to the same answers.
_SIZE_SQL = (
    "delay_hours = CASE WHEN c.moment > c.promised_end "
    "THEN CEIL(EXTRACT(EPOCH FROM c.moment - c.promised_end) / 3600) ELSE 0 END, "
    "delay_business_days = CASE WHEN c.moment > c.promised_end "
    f"THEN GREATEST({_weekdays('c.moment')} - {_weekdays('c.promised_end')}, 0) ELSE 0 END"
)


def _flag_set_based(claim, reason: str, now: datetime, *, predict: bool) -> int:
    """On PostgreSQL: lock, re-check, flag and size in one statement (`_sized_update`).

    Only the flagged ids come back (with their customer ids); the outbox rows for them go in by
    the same transaction, built from tuples of the customers' contact columns.
    """
    if predict:
        _predict_set_based(claim, now)
    flagged = _sized_update(
        claim,
        now,
        "is_delayed = TRUE, delay_reason = %s, delay_detected_at = %s, updated_at = %s, ",
        [reason, now, now],
    )
    contacts = _contacts(flagged)
    stages_tell(stages=[(pk, STAGE_DELAYED) for pk, _ in flagged], now=now, contacts=contacts)
    return len(flagged)


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


def _fetch(queryset) -> list[tuple]:
    """The rows of a values_list queryset, read with `binary_execute` (for `_id_among`)."""
    sql, params = queryset.query.sql_with_params()
    return binary_execute(connections[queryset.db], sql, params, fetch=True)


def _sized_update(claim, now: datetime, assignments: str, params: list) -> list[tuple[int, int]]:
    """Lock the rows `claim` finds (SKIP LOCKED, its condition re-checked under the lock), set
    `assignments` (each followed by ", ") and the delay size as of `now`; returns (id, customer
    id) of the rows written. One statement, and no shipment is loaded into Python."""
    # Sized against the end of the estimate when it lies ahead, else now (delay_measure).
    moment = Case(
        When(delivered_at__isnull=False, then=F("delivered_at")),
        When(estimate_end__gt=now, then=F("estimate_end")),
        default=Value(now),
    )
    claimed = claim.annotate(moment_=moment).values_list(
        "pk", "customer_id", "promised_end", "destination_time_zone", "moment_"
    )
    claim_sql, claim_params = claimed.query.sql_with_params()
    connection = connections[Shipment.objects.db]
    table = connection.ops.quote_name(Shipment._meta.db_table)
    # Only quoted names from the models go into the text; values travel as parameters.
    sql = (
        f"WITH c (id, customer_id, promised_end, time_zone, moment) AS ({claim_sql}) "  # noqa: S608
        f"UPDATE {table} AS t SET {assignments}delay_measured_at = %s, {_SIZE_SQL} "
        "FROM c WHERE t.id = c.id RETURNING t.id, t.customer_id"
    )
    return binary_execute(connection, sql, [*claim_params, *params, now], fetch=True)


def _predict_set_based(claim, now: datetime) -> None:
    """Lock the claimed rows and show our estimate where it says more than the one shown."""
    changes, revisions = [], []
    for pk, status, level, estimate_end in _fetch(
        claim.values_list("pk", "status", "service_level", "estimate_end")
    ):
        window = _predicted_window(status, level, estimate_end, now)
        if window is not None:
            changes.append(
                SimpleNamespace(
                    pk=pk,
                    estimate_start=window[0],
                    estimate_end=window[1],
                    estimate_source=EstimateRevision.Source.PREDICTION,
                )
            )
            revisions.append(_revision(pk, status, window, now))
    bulk_update_rows(Shipment, changes, ["estimate_start", "estimate_end", "estimate_source"])
    EstimateRevision.objects.bulk_create(revisions)


def _predict(shipment: Shipment, now: datetime, revisions: list) -> None:
    """Our estimate from now, unless the carrier's own estimate already says more."""
    window = _predicted_window(shipment.status, shipment.service_level, shipment.estimate_end, now)
    if window is None:
        return
    shipment.estimate_start, shipment.estimate_end = window
    shipment.estimate_source = EstimateRevision.Source.PREDICTION
    revisions.append(_revision(shipment.pk, shipment.status, window, now))


def _predicted_window(status, service_level, estimate_end, now):
    """The window to show instead, or None when the shown one already ends as late."""
    window = estimate_predict(status=status, service_level=service_level, since=now)
    if window is None or (estimate_end and estimate_end >= window[1]):
        return None
    return window


def _revision(shipment_id: int, status: str, window, now: datetime) -> EstimateRevision:
    return EstimateRevision(
        shipment_id=shipment_id,
        estimate_start=window[0],
        estimate_end=window[1],
        source=EstimateRevision.Source.PREDICTION,
        reason=f"still {status} when the promise was near",
        created_at=now,
    )


def _ids(queryset, *, limit: int | None = None, exclude: list[int] | None = None) -> list[int]:
    """The ids `queryset` finds (at most `limit`, none of `exclude`)."""
    if exclude:
        queryset = queryset.exclude(pk__in=exclude)
    queryset = queryset.values_list("pk", flat=True)
    if limit is not None:
        queryset = queryset[:limit]
    return list(queryset)


def _in_batches(queryset):
    """The ids `queryset` finds, _BATCH at a time.

    An ordered queryset (ordered as its pass's partial index) is first probed for one row
    (ORDER BY … LIMIT 1), which the planner answers by walking that index whatever it estimates:
    a pass with nothing due costs a fraction of a millisecond. (Without the LIMIT it may
    believe the range holds thousands of rows, as for the stale-scan pass, where old scans of
    delivered parcels skew the statistics, and scan every parcel in flight instead.) Then it is
    read a page at a time: flagged rows leave the partial index, and ids handed out before are
    not handed out again.
    """
    if not queryset.query.order_by:
        ids = _ids(queryset)
        for start in range(0, len(ids), _BATCH):
            yield ids[start : start + _BATCH]
        return
    if not _ids(queryset, limit=1):
        return
    handed: set[int] = set()
    skipped: list[int] = []  # handed out, not flagged, still found: another sweep holds them
    while True:
        ids = _ids(queryset, limit=_BATCH, exclude=skipped)
        fresh = [pk for pk in ids if pk not in handed]
        skipped.extend(pk for pk in ids if pk in handed)
        if fresh:
            handed.update(fresh)
            yield fresh
        if len(ids) < _BATCH:
            return


def _sweep_pass(condition: Q, reason, now, result, *, predict=False, order_by=None) -> None:
    found = Shipment.objects.filter(OPEN_UNFLAGGED, condition).order_by(*(order_by or ()))
    for ids in _in_batches(found):
        _flag(ids, condition, reason, now, result, predict=predict)


def delays_sweep(*, now: datetime | None = None) -> SweepResult:
    """One pass of the promise watch. Returns what it flagged, by reason."""
    now = now or timezone.now()
    result = SweepResult()

    # The estimate now ends after the promise: late before the promise has even broken.
    # A carrier's window counts by its end; our own prediction by its start (a window that only
    # may end late is not a delay yet).
    estimate_late = Q(estimate_end__gt=F("promised_end")) & (
        ~Q(estimate_source=EstimateRevision.Source.PREDICTION)
        | Q(estimate_start__gt=F("promised_end"))
    )
    _sweep_pass(estimate_late, DelayReason.ESTIMATE_LATE, now, result)

    # Predicted late: where the parcel is now, it cannot arrive before its promise ends. Each
    # query reads only unflagged open parcels whose promise ends within the status's least
    # remaining time, so every row it returns is one to flag.
    predicted = Q(pk__in=[])
    for level in ServiceLevel.values:
        for status, deadline in late_statuses_by_deadline(now, level).items():
            predicted |= Q(
                service_level=level,
                status=status,
                promised_end__gte=now,
                promised_end__lt=deadline,
            )
    _sweep_pass(predicted, DelayReason.ESTIMATE_LATE, now, result, predict=True)

    # The promised window has ended and the parcel is not there.
    _sweep_pass(
        Q(promised_end__lt=now), DelayReason.WINDOW_PASSED, now, result, order_by=["promised_end"]
    )

    # In transit with no scan for too long (per carrier).
    for carrier_id, hours in Carrier.objects.values_list("pk", "stale_after_hours"):
        condition = Q(
            carrier_id=carrier_id,
            status=ShipmentStatus.IN_TRANSIT,
            last_event_at__lt=now - timedelta(hours=hours),
        )
        _sweep_pass(condition, DelayReason.NO_SCAN, now, result, order_by=["last_event_at"])

    result.remeasured = delays_remeasure(now=now)
    return result


def delays_remeasure(*, now: datetime) -> int:
    """Keep the size of open delays current (hours and business days late grow while we wait)."""
    open_delays = Shipment.objects.filter(is_delayed=True).exclude(status__in=FINAL_STATUSES)
    # Two reads, each a range of the open-delays index (an OR of both would filter all of it).
    never = open_delays.filter(delay_measured_at__isnull=True).order_by()
    stale = open_delays.filter(delay_measured_at__lt=now - REMEASURE_AFTER).order_by(
        "delay_measured_at"
    )
    count = 0
    for due in (never, stale):
        for ids in _in_batches(due):
            with transaction.atomic():
                claim = (
                    Shipment.objects.select_for_update(skip_locked=True)
                    .filter(is_delayed=True)
                    .order_by("pk")
                )
                if _postgres():
                    claim = claim.filter(_id_among(ids))
                    count += len(_sized_update(claim, now, "", []))
                else:
                    count += _remeasure_rows(claim.filter(pk__in=ids), now)
    return count


def _remeasure_rows(claim, now: datetime) -> int:
    rows = list(claim.only(*_SIZE_INPUTS, *_FIELDS))
    for shipment in rows:
        delay_measure(shipment=shipment, now=now)
    bulk_update_rows(Shipment, rows, ["delay_hours", "delay_business_days", "delay_measured_at"])
    return len(rows)
