"""Which shipment a tracking event belongs to: the rule, in Python.

Carriers recycle tracking numbers: an order reference decides when the event gives one (no
shipment with that number and reference: unmatched); otherwise the newest shipment with that
number, by creation time, then id. The import's COPY path restates the rule in SQL
(`sql.events_insert`); tests/shipments/test_sql_parity.py holds the two to the same answers.
"""

from collections import defaultdict

from apps.shipments.intake import EventIn
from apps.shipments.models import Carrier, Shipment


def shipments_match(*, carrier: Carrier, events: list[EventIn]) -> dict[tuple[str, str], int]:
    """(tracking number, order reference) → shipment id, for the events that have a shipment.

    One read of the carrier's shipments with the events' numbers.
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
