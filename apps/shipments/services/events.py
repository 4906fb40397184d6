"""Tracking events in: store them once, match them to shipments, fold them forward.

The steps `receive.tracking_receive` and `receive.events_attach` are made of. Every function here
is transactional; shipments whose state changes are locked (in id order, so two batches touching
the same parcels cannot deadlock) before their status is folded forward.
"""

from collections import defaultdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.bulk import bulk_update_rows
from apps.shipments import sql
from apps.shipments.intake import EventIn
from apps.shipments.models import (
    Carrier,
    EstimateRevision,
    Shipment,
    TrackingEvent,
    WebhookDelivery,
)
from apps.shipments.services.history import SHIPMENT_STATE_FIELDS, IngestResult, history_apply


@transaction.atomic
def events_ingest(
    *, carrier: Carrier, events: list[EventIn], now: datetime | None = None, bulk: bool = False
) -> IngestResult:
    """Store new tracking events (idempotent on the carrier's event id) and fold them forward.

    Duplicates, in the batch or across batches or in parallel, store one row: the unique
    constraint decides, with ON CONFLICT DO NOTHING. Events for unknown tracking numbers are kept
    unmatched. Locks the shipments they touch. Returns counts and the stages to tell. `bulk`:
    an import's thousands of rows (`sql`'s COPY statements on PostgreSQL).
    """
    now = now or timezone.now()
    result = IngestResult(received=len(events))
    unique: dict[str, EventIn] = {}
    for event in events:
        unique.setdefault(event.carrier_event_id, event)
    # Only the rows the database took are ours to fold: one stored by an earlier delivery or a
    # parallel request in the meantime is skipped by the unique constraint, not overwritten.
    stored = sql.events_insert(carrier=carrier, events=list(unique.values()), now=now, bulk=bulk)
    result.created = len(stored)
    result.duplicates = len(events) - len(stored)

    by_shipment = defaultdict(list)
    # In arrival order: of two events that occurred at the same moment, the later one sent wins.
    for event_id, event in unique.items():
        if event_id not in stored:
            continue
        shipment_id = stored[event_id]
        if shipment_id is None:
            result.unmatched += 1
        else:
            by_shipment[shipment_id].append(event)
    shipments_fold(events_by_shipment=by_shipment, now=now, result=result, bulk=bulk)
    return result


def shipments_fold(
    *, events_by_shipment: dict[int, list], now: datetime, result: IngestResult, bulk: bool = False
) -> None:
    """Lock the shipments (id order), fold their new events in (`history_apply`), write them.

    Adds the stages that became true to `result.stages`; writes estimate revisions.
    """
    if not events_by_shipment:
        return
    locked = sql.shipments_lock(ids=list(events_by_shipment), bulk=bulk)
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
    sql.shipment_states_write(shipments=locked, fields=SHIPMENT_STATE_FIELDS, bulk=bulk)
    sql.revisions_insert(revisions=revisions, bulk=bulk)


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
    tracking number; with several new shipments for one number the newest takes them. Locks the
    events (then the shipments, in id order). `created` counts the events attached.
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
        shipments_fold(events_by_shipment=by_shipment, now=now, result=result)
    return result
