"""Writes to shipments: tracking events in, status from history, estimates, delay flags.

Every function here is transactional; shipments whose state changes are locked (in id order, so
two batches touching the same parcels cannot deadlock) before their status is folded forward.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.bulk import bulk_insert_rows, bulk_update_rows
from apps.shipments.delays import delay_size
from apps.shipments.errors import PromiseWindowInvalid, ShipmentExists
from apps.shipments.intake import EventIn
from apps.shipments.models import (
    FINAL_STATUSES,
    Carrier,
    Customer,
    DelayReason,
    EstimateRevision,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    WebhookDelivery,
)
from apps.shipments.normalize import tracking_number_clean
from apps.shipments.telling import stages_tell

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
# Reasons our promise watch infers; a reason the carrier states is better and replaces them.
INFERRED_REASONS = frozenset(
    {DelayReason.WINDOW_PASSED, DelayReason.ESTIMATE_LATE, DelayReason.NO_SCAN, DelayReason.UNKNOWN}
)
STAGE_ESTIMATE_REVISED = "estimate_revised"

# Statuses that mean the parcel has left the sender.
_MOVING = frozenset(S) - {S.PENDING, S.INFO_RECEIVED}

_SHIPMENT_STATE_FIELDS = [
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


def delay_mark(*, shipment: Shipment, reason: str, now: datetime) -> bool:
    """Flag the (locked, in-memory) shipment delayed; returns True if it was not before."""
    if shipment.is_delayed:
        return False
    shipment.is_delayed = True
    shipment.delay_reason = reason
    shipment.delay_detected_at = now
    delay_measure(shipment=shipment, now=now)
    return True


def delay_measure(*, shipment: Shipment, now: datetime) -> None:
    """Size of the delay: against the new estimate if it ends later than now, else against now."""
    moment = shipment.delivered_at or now
    if not shipment.delivered_at and shipment.estimate_end and shipment.estimate_end > moment:
        moment = shipment.estimate_end
    shipment.delay_hours, shipment.delay_business_days = delay_size(
        promised_end=shipment.promised_end,
        moment=moment,
        time_zone=shipment.destination_time_zone,
    )
    shipment.delay_measured_at = now


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
    if had_estimate:
        # Each new window is news: told once per (shipment, new end date).
        stages.append((shipment.pk, STAGE_ESTIMATE_REVISED, end.date().isoformat()))
    late = end > shipment.promised_end and not shipment.is_final
    if shipment.is_delayed:
        delay_measure(shipment=shipment, now=now)  # a known delay: the new estimate sizes it
    elif late and delay_mark(shipment=shipment, reason=DelayReason.ESTIMATE_LATE, now=now):
        stages.append((shipment.pk, STAGE_DELAYED))


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


def _match(carrier: Carrier, events: list[EventIn]) -> dict[tuple[str, str], int]:
    """(tracking number, order reference) → shipment id, for the events' numbers.

    Carriers recycle tracking numbers: an order reference decides when given; otherwise the
    newest shipment with that number.
    """
    numbers = {event.tracking_number for event in events}
    candidates = defaultdict(list)
    rows = (
        Shipment.objects.filter(carrier=carrier, tracking_number__in=numbers)
        .order_by("created_at", "id")
        .values_list("id", "tracking_number", "order_reference")
    )
    for shipment_id, number, order_reference in rows:
        candidates[number].append((order_reference, shipment_id))
    matches = {}
    for event in events:
        options = candidates.get(event.tracking_number)
        if not options:
            continue
        key = (event.tracking_number, event.order_reference)
        if event.order_reference:
            found = [sid for ref, sid in options if ref == event.order_reference]
            if found:
                matches[key] = found[-1]
        else:
            matches[key] = options[-1][1]
    return matches


@transaction.atomic
def events_ingest(
    *, carrier: Carrier, events: list[EventIn], now: datetime | None = None
) -> IngestResult:
    """Store new tracking events (idempotent on the carrier's event id) and fold them forward.

    Duplicates, in the batch or across batches or in parallel, store one row: the unique
    constraint decides, with ON CONFLICT DO NOTHING. Events for unknown tracking numbers are kept
    unmatched. Locks the shipments they touch. Returns counts and the stages to tell.
    """
    now = now or timezone.now()
    result = IngestResult(received=len(events))
    unique: dict[str, EventIn] = {}
    for event in events:
        unique.setdefault(event.carrier_event_id, event)
    matches = _match(carrier, list(unique.values()))
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
        for event in unique.values()
    ]
    # Only the rows the database took are ours to fold: one stored by an earlier delivery or a
    # parallel request in the meantime is skipped by the unique constraint, not overwritten.
    stored = set(
        bulk_insert_rows(
            TrackingEvent, rows, unique_field="carrier_event_id", scope={"carrier": carrier}
        )
    )
    fresh = [event for event_id, event in unique.items() if event_id in stored]
    result.created = len(fresh)
    result.duplicates = len(events) - len(fresh)

    by_shipment = defaultdict(list)
    for event in fresh:
        shipment_id = matches.get((event.tracking_number, event.order_reference))
        if shipment_id is None:
            result.unmatched += 1
        else:
            by_shipment[shipment_id].append(event)
    shipments_fold(
        shipment_ids=list(by_shipment), events_by_shipment=by_shipment, now=now, result=result
    )
    return result


def shipments_fold(*, shipment_ids, events_by_shipment, now, result: IngestResult) -> None:
    if not shipment_ids:
        return
    locked = list(Shipment.objects.select_for_update().filter(pk__in=shipment_ids).order_by("pk"))
    revisions: list[EstimateRevision] = []
    for shipment in locked:
        history_apply(
            shipment=shipment,
            events=events_by_shipment[shipment.pk],
            now=now,
            revisions=revisions,
            stages=result.stages,
        )
        shipment.updated_at = now
    bulk_update_rows(Shipment, locked, _SHIPMENT_STATE_FIELDS)
    if revisions:
        EstimateRevision.objects.bulk_create(revisions)


@transaction.atomic
def delivery_register(*, carrier: Carrier, webhook_id: str, now: datetime | None = None):
    """Record a webhook delivery id; returns None if this delivery was already received.

    Runs inside the caller's transaction: if the batch is then refused, the record goes too, so
    a corrected retry with the same id is applied.
    """
    try:
        with transaction.atomic():
            return WebhookDelivery.objects.create(
                carrier=carrier, webhook_id=webhook_id, received_at=now or timezone.now()
            )
    except IntegrityError:
        return None


def unmatched_attach(*, shipments: list[Shipment], now: datetime | None = None) -> IngestResult:
    """Give unmatched events to the shipments that have just appeared, and fold them in.

    Unmatched events are kept, never dropped, for exactly this moment. Matching is on carrier and
    tracking number; with several new shipments for one number the newest takes them.
    """
    now = now or timezone.now()
    result = IngestResult()
    if not shipments:
        return result
    newest = {}
    for shipment in sorted(shipments, key=lambda s: (s.created_at, s.pk)):
        newest[(shipment.carrier_id, shipment.tracking_number)] = shipment.pk
    by_shipment = defaultdict(list)
    for carrier_id in {carrier for carrier, _ in newest}:
        numbers = [number for carrier, number in newest if carrier == carrier_id]
        events = TrackingEvent.objects.select_for_update().filter(
            carrier_id=carrier_id, tracking_number__in=numbers, shipment__isnull=True
        )
        for event in events:
            event.shipment_id = newest[(carrier_id, event.tracking_number)]
            by_shipment[event.shipment_id].append(event)
    attached = [event for events in by_shipment.values() for event in events]
    if attached:
        bulk_update_rows(TrackingEvent, attached, ["shipment"])
        result.created = len(attached)
        shipments_fold(
            shipment_ids=list(by_shipment), events_by_shipment=by_shipment, now=now, result=result
        )
    return result


@transaction.atomic
def shipment_create(
    *,
    carrier: Carrier,
    customer,
    tracking_number: str,
    order_reference: str,
    promised_start: datetime,
    promised_end: datetime,
    now: datetime | None = None,
    **fields,
) -> Shipment:
    """Create a shipment and attach any events that came in before it (told to the customer).

    Refuses a duplicate (carrier, tracking number, order reference) with ShipmentExists.
    """
    now = now or timezone.now()
    tracking_number = tracking_number_clean(tracking_number)
    if promised_end < promised_start:
        raise PromiseWindowInvalid()
    if Shipment.objects.filter(
        carrier=carrier, tracking_number=tracking_number, order_reference=order_reference
    ).exists():
        raise ShipmentExists()
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                carrier=carrier,
                customer=customer,
                tracking_number=tracking_number,
                order_reference=order_reference,
                promised_start=promised_start,
                promised_end=promised_end,
                created_at=now,
                **fields,
            )
    except IntegrityError as exc:  # a parallel create of the same parcel won
        raise ShipmentExists() from exc
    result = unmatched_attach(shipments=[shipment], now=now)
    stages_tell(stages=result.stages, now=now)
    shipment.refresh_from_db()
    return shipment


def customer_get_or_create(
    *, name: str, email: str, phone: str, language: str, channel: str
) -> Customer:
    """The customer with this email (any case) or, given no email, this phone; else a new one.

    An existing customer is reused as they are: their stored preferences stay theirs.
    """
    existing = None
    if email:
        existing = Customer.objects.filter(email__iexact=email).order_by("id").first()
    elif phone:
        existing = Customer.objects.filter(phone=phone).order_by("id").first()
    if existing is not None:
        return existing
    return Customer.objects.create(
        name=name, email=email, phone=phone, language=language, channel=channel
    )
