"""Bulk imports from files: tracking events (`import_tracking`) and shipments (`import_shipments`).

- `files`: reading CSV / JSON Lines row by row with line numbers, in constant memory
- `carriers`: carrier codes of rows → carriers
- `tracking`: events in batches through the webhook's service (`services.tracking_receive`),
  stored by writer threads through COPY on PostgreSQL (`sql`)
- `shipment_rows`, `shipments`: shipments and customers in batches, then the late match of the
  events that came before them (`services.events_attach`)
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
