"""Status from history: fold tracking events into a shipment's state, flag and size delays."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apps.shipments.delays import delay_mark, delay_measure
from apps.shipments.estimates import estimate_predict
from apps.shipments.models import (
    FINAL_STATUSES,
    DelayReason,
    EstimateRevision,
    Shipment,
    ShipmentStatus,
)

S = ShipmentStatus

# The first event of each of these statuses is a stage the customer is told about.
STATUS_STAGE = {
    S.IN_TRANSIT: "dispatched",
    S.OUT_FOR_DELIVERY: "out_for_delivery",
    S.ATTEMPT_FAILED: "attempt_failed",
    S.AVAILABLE_FOR_PICKUP: "ready_for_pickup",
    S.DELIVERED: "delivered",
    S.EXCEPTION: "exception",
}
STAGE_DELAYED = "delayed"
# Our prediction is revised only when it moves by more than this: not on every scan.
PREDICTION_SLACK = timedelta(hours=6)
# Reasons our promise watch infers; a reason the carrier states is better and replaces them.
INFERRED_REASONS = frozenset(
    {DelayReason.WINDOW_PASSED, DelayReason.ESTIMATE_LATE, DelayReason.NO_SCAN, DelayReason.UNKNOWN}
)
STAGE_ESTIMATE_REVISED = "estimate_revised"

# Statuses that mean the parcel has left the sender.
_MOVING = frozenset(S) - {S.PENDING, S.INFO_RECEIVED}

SHIPMENT_STATE_FIELDS = [
    "status",
    "raw_status",
    "status_changed_at",
    "last_event_at",
    "shipped_at",
    "delivered_at",
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
class IngestResult:
    received: int = 0
    created: int = 0
    duplicates: int = 0
    unmatched: int = 0
    # (shipment id, stage) pairs that became true in this batch, for the customer to be told.
    stages: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "created": self.created,
            "duplicates": self.duplicates,
            "unmatched": self.unmatched,
        }


def _estimate_set(shipment, *, start, end, source, reason, now, revisions, stages) -> None:
    if start == shipment.estimate_start and end == shipment.estimate_end:
        return
    had_estimate = shipment.estimate_end is not None
    shipment.estimate_start, shipment.estimate_end, shipment.estimate_source = start, end, source
    revisions.append(
        EstimateRevision(
            shipment=shipment,
            estimate_start=start,
            estimate_end=end,
            source=source,
            reason=reason[:200],
            created_at=now,
        )
    )
    predicted = source == EstimateRevision.Source.PREDICTION
    if had_estimate and not predicted:
        # Each new window from the carrier is news: told once per (shipment, new end date).
        # Our own predictions move with every scan; the customer hears of them as a delay.
        stages.append((shipment.pk, STAGE_ESTIMATE_REVISED, end.date().isoformat()))
    # A carrier's window ending after the promise is a delay; our prediction only when even its
    # earliest arrival is after the promise.
    late = (start if predicted else end) > shipment.promised_end and not shipment.is_final
    if shipment.is_delayed:
        delay_measure(shipment=shipment, now=now)  # a known delay: the new estimate sizes it
    elif late and delay_mark(shipment=shipment, reason=DelayReason.ESTIMATE_LATE, now=now):
        stages.append((shipment.pk, STAGE_DELAYED))


def _estimate_predict(*, shipment, now, revisions, stages) -> None:
    """Without a carrier estimate, show ours: from the service level and the latest scan."""
    if shipment.is_final or shipment.estimate_source == EstimateRevision.Source.CARRIER:
        return
    window = estimate_predict(
        status=shipment.status,
        service_level=shipment.service_level,
        since=shipment.last_event_at or now,
    )
    if window is None:
        return
    if shipment.estimate_end and abs(window[1] - shipment.estimate_end) < PREDICTION_SLACK:
        return
    _estimate_set(
        shipment,
        start=window[0],
        end=window[1],
        source=EstimateRevision.Source.PREDICTION,
        reason=f"{shipment.status}, {shipment.service_level} service",
        now=now,
        revisions=revisions,
        stages=stages,
    )


def history_apply(
    *, shipment: Shipment, events: list, now: datetime, revisions: list, stages: list
) -> None:
    """Fold events (any order) into the shipment's state, in place.

    The status follows the latest *occurred* event, not the latest received; a scan that arrives
    late never undoes a final status (a late "in transit" after "delivered" is history only).
    """
    for event in sorted(events, key=lambda e: e.occurred_at):
        if event.status in _MOVING and (
            shipment.shipped_at is None or event.occurred_at < shipment.shipped_at
        ):
            shipment.shipped_at = event.occurred_at
        is_newest = shipment.last_event_at is None or event.occurred_at >= shipment.last_event_at
        if not is_newest:
            continue
        if shipment.status in FINAL_STATUSES and event.status not in FINAL_STATUSES:
            continue
        shipment.last_event_at = event.occurred_at
        shipment.raw_status = " / ".join(filter(None, [event.raw_status, event.raw_substatus]))[
            :120
        ]
        if event.status != shipment.status:
            shipment.status = event.status
            shipment.status_changed_at = event.occurred_at
            if event.status in STATUS_STAGE:
                stages.append((shipment.pk, STATUS_STAGE[event.status]))
        if event.status == S.DELIVERED:
            shipment.delivered_at = event.occurred_at
        # A reason the carrier states wins over "estimate late" read from its estimate.
        reason = event.delay_reason or (DelayReason.UNKNOWN if event.status == S.EXCEPTION else "")
        if event.status == S.LOST:
            reason = DelayReason.LOST
        if reason and delay_mark(shipment=shipment, reason=reason, now=now):
            stages.append((shipment.pk, STAGE_DELAYED))
        elif reason and shipment.delay_reason in INFERRED_REASONS and reason != DelayReason.UNKNOWN:
            # The carrier now says why: its reason replaces the one we inferred.
            shipment.delay_reason = reason
        if event.estimate_start and event.estimate_end and not shipment.is_final:
            _estimate_set(
                shipment,
                start=event.estimate_start,
                end=event.estimate_end,
                source=EstimateRevision.Source.CARRIER,
                reason=f"carrier event {event.carrier_event_id}",
                now=now,
                revisions=revisions,
                stages=stages,
            )

    _estimate_predict(shipment=shipment, now=now, revisions=revisions, stages=stages)

    if shipment.status == S.DELIVERED:
        late = shipment.delivered_at and shipment.delivered_at > shipment.promised_end
        if shipment.is_delayed or (late and not shipment.delay_reason):
            # Delivered: the flag clears; the reason and the final size stay for compensation,
            # also for a parcel that came late before any sweep had flagged it.
            if not shipment.delay_reason:
                shipment.delay_reason = DelayReason.WINDOW_PASSED
                shipment.delay_detected_at = now
            shipment.is_delayed = False
            delay_measure(shipment=shipment, now=now)
