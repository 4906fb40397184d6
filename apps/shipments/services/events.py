"""Tracking events in: store them once, match them to shipments, fold them forward.

Every function here is transactional; shipments whose state changes are locked (in id order, so
two batches touching the same parcels cannot deadlock) before their status is folded forward.
"""

from collections import defaultdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.bulk import bulk_insert_rows, bulk_update_rows
from apps.shipments.intake import EventIn
from apps.shipments.models import (
    Carrier,
    EstimateRevision,
    Shipment,
    TrackingEvent,
    WebhookDelivery,
)
from apps.shipments.services.history import SHIPMENT_STATE_FIELDS, IngestResult, history_apply


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
    bulk_update_rows(Shipment, locked, SHIPMENT_STATE_FIELDS)
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


@transaction.atomic
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
