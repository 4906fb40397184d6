"""Writes to shipments: tracking events in, status from history, estimates, delay flags."""

from apps.shipments.services.events import (
    delivery_register,
    events_ingest,
    shipments_fold,
    unmatched_attach,
)
from apps.shipments.services.history import (
    INFERRED_REASONS,
    SHIPMENT_STATE_FIELDS,
    STAGE_DELAYED,
    STAGE_ESTIMATE_REVISED,
    STATUS_STAGE,
    IngestResult,
    delay_mark,
    delay_measure,
    history_apply,
)
from apps.shipments.services.shipment import customer_get_or_create, shipment_create

__all__ = [
    "INFERRED_REASONS",
    "SHIPMENT_STATE_FIELDS",
    "STAGE_DELAYED",
    "STAGE_ESTIMATE_REVISED",
    "STATUS_STAGE",
    "IngestResult",
    "customer_get_or_create",
    "delay_mark",
    "delay_measure",
    "delivery_register",
    "events_ingest",
    "history_apply",
    "shipment_create",
    "shipments_fold",
    "unmatched_attach",
]
