"""Promise watch: find shipments that are late or will be, flag them with reason and size.

Incremental: each query reads a partial index that holds only parcels still moving and not yet
flagged, so a sweep costs what is new, and a sweep with nothing new reads empty ranges. Safe to
run twice or concurrently: rows are claimed with SKIP LOCKED (PostgreSQL) and re-checked under
the lock; the customer is told once per (shipment, stage) by the outbox's unique key.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.bulk import bulk_update_rows
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
from apps.shipments.telling import stages_tell

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
        rows = list(
            Shipment.objects.select_for_update(skip_locked=True)
            .filter(OPEN_UNFLAGGED, condition, pk__in=ids)
            .only(*_SIZE_INPUTS, *_FIELDS)
            .order_by("pk")
        )
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
    if stages:
        result.flagged[reason] = result.flagged.get(reason, 0) + len(stages)


def _sweep_pass(condition: Q, reason: str, now, result, *, predict: bool = False) -> None:
    found = Shipment.objects.filter(OPEN_UNFLAGGED, condition).order_by()
    for ids in _in_batches(found):
        _flag(ids, condition, reason, now, result, predict=predict)


def _predict(shipment: Shipment, now: datetime, revisions: list) -> None:
    """Our estimate from now, unless the carrier's own estimate already says more."""
    window = estimate_predict(
        status=shipment.status, service_level=shipment.service_level, since=now
    )
    if window is None or (shipment.estimate_end and shipment.estimate_end >= window[1]):
        return
    shipment.estimate_start, shipment.estimate_end = window
    shipment.estimate_source = EstimateRevision.Source.PREDICTION
    revisions.append(
        EstimateRevision(
            shipment=shipment,
            estimate_start=window[0],
            estimate_end=window[1],
            source=EstimateRevision.Source.PREDICTION,
            reason=f"still {shipment.status} when the promise was near",
            created_at=now,
        )
    )


def _in_batches(queryset):
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


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
    _sweep_pass(Q(promised_end__lt=now), DelayReason.WINDOW_PASSED, now, result)

    # In transit with no scan for too long (per carrier).
    for carrier_id, hours in Carrier.objects.values_list("pk", "stale_after_hours"):
        condition = Q(
            carrier_id=carrier_id,
            status=ShipmentStatus.IN_TRANSIT,
            last_event_at__lt=now - timedelta(hours=hours),
        )
        _sweep_pass(condition, DelayReason.NO_SCAN, now, result)

    result.remeasured = delays_remeasure(now=now)
    return result


def delays_remeasure(*, now: datetime) -> int:
    """Keep the size of open delays current (hours and business days late grow while we wait)."""
    due = (
        Shipment.objects.filter(
            Q(delay_measured_at__isnull=True) | Q(delay_measured_at__lt=now - REMEASURE_AFTER),
            is_delayed=True,
        )
        .exclude(status__in=FINAL_STATUSES)
        .order_by()
    )
    count = 0
    for ids in _in_batches(due):
        with transaction.atomic():
            rows = list(
                Shipment.objects.select_for_update(skip_locked=True)
                .filter(pk__in=ids, is_delayed=True)
                .only(*_SIZE_INPUTS, *_FIELDS)
                .order_by("pk")
            )
            for shipment in rows:
                delay_measure(shipment=shipment, now=now)
            bulk_update_rows(
                Shipment, rows, ["delay_hours", "delay_business_days", "delay_measured_at"]
            )
            count += len(rows)
    return count
