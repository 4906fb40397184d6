"""Tracking in, told: the one way events reach shipments and their customers hear of it.

Every face goes through here — the webhook and the events endpoint, the tracking import, and,
for events that came before their shipment, shipment creation, the shipment import and the
desk's attach action — so storing, folding and telling happen together, in one transaction, the
same way everywhere.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.shipments.intake import EventIn
from apps.shipments.models import Carrier, Shipment
from apps.shipments.services.events import delivery_register, events_ingest, unmatched_attach
from apps.shipments.services.history import IngestResult
from apps.shipments.telling import stages_tell


@dataclass
class ReceiveResult(IngestResult):
    # The webhook id was received before: nothing was applied this time.
    duplicate_delivery: bool = False
    # Notifications queued for the stages (0 when not told).
    notified: int = 0


@dataclass
class AttachResult:
    # Events that were waiting unmatched and now belong to a shipment.
    attached: int = 0
    notified: int = 0
    stages: list[tuple] = field(default_factory=list)


def tracking_receive(
    *,
    carrier: Carrier,
    events: list[EventIn],
    webhook_id: str | None = None,
    notify: bool = True,
    bulk: bool = False,
    now: datetime | None = None,
) -> ReceiveResult:
    """Take a carrier's validated events: store the new ones, fold them in, tell the customers.

    One transaction (the caller's, when called inside one), so nothing is half-written: with
    `webhook_id` the delivery is recorded first, and a delivery received before returns
    `duplicate_delivery` with nothing applied. New events are stored once per carrier event id
    (repeats count as duplicates; events without a shipment are kept unmatched); the shipments
    they touch are locked in id order, their state folded forward, estimate revisions written;
    with `notify`, the customers' stage messages are queued in the same transaction (the
    outbox). An import that tells in bulk, or not at all, passes `notify=False`. `bulk`: an
    import's thousands of rows a call, through COPY on PostgreSQL.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = None
        if webhook_id is not None:
            delivery = delivery_register(carrier=carrier, webhook_id=webhook_id, now=now)
            if delivery is None:
                return ReceiveResult(
                    received=len(events), duplicates=len(events), duplicate_delivery=True
                )
        ingested = events_ingest(carrier=carrier, events=events, now=now, bulk=bulk)
        if delivery is not None:
            delivery.event_count, delivery.created_count = ingested.received, ingested.created
            delivery.save(update_fields=["event_count", "created_count"])
        notified = stages_tell(stages=ingested.stages, now=now) if notify else 0
    return ReceiveResult(
        received=ingested.received,
        created=ingested.created,
        duplicates=ingested.duplicates,
        unmatched=ingested.unmatched,
        stages=ingested.stages,
        notified=notified,
    )


def events_attach(
    *, shipments: list[Shipment], notify: bool = True, now: datetime | None = None
) -> AttachResult:
    """Give the events kept unmatched to these new shipments, fold them in, tell the customers.

    One transaction: locks the waiting events, then the shipments in id order; with several of
    `shipments` for one (carrier, tracking number) the newest takes the events. With `notify`,
    queues the stage messages those events complete (as if they had just arrived).
    """
    now = now or timezone.now()
    with transaction.atomic():
        attached = unmatched_attach(shipments=shipments, now=now)
        notified = stages_tell(stages=attached.stages, now=now) if notify else 0
    return AttachResult(attached=attached.created, notified=notified, stages=attached.stages)
