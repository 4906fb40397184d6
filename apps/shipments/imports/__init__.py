"""Bulk imports from files: tracking events (`import_tracking`) and shipments (`import_shipments`).

- `files`: reading CSV / JSON Lines row by row with line numbers, in constant memory
- `tracking`: events in batches; COPY + INSERT … ON CONFLICT on PostgreSQL, the webhook's
  service elsewhere; folding into shipment status
- `shipments`: shipments and customers in batches, then the late match of unmatched events
- `report`: counts and the first rejected lines
"""

from apps.shipments.imports.files import ImportFailed
from apps.shipments.imports.report import ImportReport
from apps.shipments.imports.shipments import shipments_import
from apps.shipments.imports.tracking import tracking_import

__all__ = [
    "ImportFailed",
    "ImportReport",
    "shipments_import",
    "tracking_import",
]
