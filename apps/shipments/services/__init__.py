"""Writes to shipments: tracking events in, status from history, estimates, delay flags.

Faces receive tracking through `tracking_receive` and attach early events through
`events_attach` (`receive`); `events` holds the steps those are made of.
"""

from apps.shipments.delays import delay_mark, delay_measure
from apps.shipments.services.history import (
    INFERRED_REASONS,
    SHIPMENT_STATE_FIELDS,
    STAGE_DELAYED,
    STAGE_ESTIMATE_REVISED,
    STATUS_STAGE,
    IngestResult,
    history_apply,
)
from apps.shipments.services.receive import (
    AttachResult,
    ReceiveResult,
    events_attach,
    tracking_receive,
)
from apps.shipments.services.shipment import customer_get_or_create, shipment_create

__all__ = [
    "INFERRED_REASONS",
    "SHIPMENT_STATE_FIELDS",
    "STAGE_DELAYED",
    "STAGE_ESTIMATE_REVISED",
    "STATUS_STAGE",
    "AttachResult",
    "IngestResult",
    "ReceiveResult",
    "customer_get_or_create",
    "delay_mark",
    "delay_measure",
    "events_attach",
    "history_apply",
    "shipment_create",
    "tracking_receive",
]
