"""Promise watch: find shipments that are late or will be, flag them with reason and size.

Incremental: each query reads a partial index that holds only parcels still moving and not yet
flagged, so a sweep costs what is new, and a sweep with nothing new reads empty ranges. Safe to
run twice or concurrently: rows are claimed with SKIP LOCKED (PostgreSQL) and re-checked under
the lock; the customer is told once per (shipment, stage) by the outbox's unique key. Flagging
and sizing are `sql`'s statements (one UPDATE per batch on PostgreSQL); which parcels are due,
and our predicted estimates, are decided here.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.bulk import bulk_update_rows
from apps.shipments import sql
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
from apps.shipments.services import STAGE_DELAYED
from apps.shipments.telling import stages_tell

_BATCH = 2000
# Delay sizes of parcels still moving are re-measured this often.
REMEASURE_AFTER = timedelta(hours=1)
_ESTIMATE_FIELDS = ["estimate_start", "estimate_end", "estimate_source"]


@dataclass
class SweepResult:
    flagged: dict[str, int] = field(default_factory=dict)
    remeasured: int = 0

    @property
    def total_flagged(self) -> int:
        return sum(self.flagged.values())


def _flag(
    ids: list[int],
    condition: Q,
    reason: str,
    now: datetime,
    result: SweepResult,
    *,
    predict: bool = False,
) -> None:
    """Flag these shipments if, under their row locks, they still meet `condition`; tell.

    A scan or a better estimate may land between the sweep's read and its lock; the re-check
    under the lock (`sql.delays_flag`) keeps such a parcel unflagged. Flagging and telling share
    one transaction: the outbox rows commit with the flags they report.
    """
    if not ids:
        return
    with transaction.atomic():
        if predict:
            _predict(ids, condition, now)
        contacts = sql.delays_flag(ids=ids, condition=condition, reason=reason, now=now)
        stages_tell(stages=[(pk, STAGE_DELAYED) for pk in contacts], now=now, contacts=contacts)
    if contacts:
        result.flagged[reason] = result.flagged.get(reason, 0) + len(contacts)


def _predict(ids: list[int], condition: Q, now: datetime) -> None:
    """Lock the claimed rows and show our estimate where it says more than the one shown."""
    changes, revisions = [], []
    claimed = sql.shipments_claim(
        ids=ids, condition=condition, fields=["pk", "status", "service_level", "estimate_end"]
    )
    for pk, status, level, estimate_end in claimed:
        window = _predicted_window(status, level, estimate_end, now)
        if window is not None:
            changes.append(
                Shipment(
                    pk=pk,
                    estimate_start=window[0],
                    estimate_end=window[1],
                    estimate_source=EstimateRevision.Source.PREDICTION,
                )
            )
            revisions.append(_revision(pk, status, window, now))
    bulk_update_rows(Shipment, changes, _ESTIMATE_FIELDS)
    EstimateRevision.objects.bulk_create(revisions)


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
                count += sql.delays_measure(ids=ids, now=now)
    return count
