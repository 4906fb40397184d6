"""Bulk import of shipments from a file (`manage.py import_shipments`).

Idempotent on (carrier, tracking number, order reference), the database's uniqueness: an
existing shipment is counted as a duplicate and never overwritten. Customers are found by email,
else by phone, and created once. Each batch is one transaction that also gives the new shipments
the tracking events that came before them (kept unmatched for this moment) and folds those into
their status, through `services.events_attach`, as `services.shipment_create` does.
"""

from collections.abc import Callable
from datetime import datetime

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from apps.shipments.imports.carriers import CarrierLookup
from apps.shipments.imports.files import ImportFailed, RowReader
from apps.shipments.imports.report import ImportReport
from apps.shipments.imports.shipment_rows import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ShipmentIn,
    shipment_parse,
)
from apps.shipments.models import Channel, Customer, Shipment
from apps.shipments.services import events_attach

BATCH_SIZE = 2000


def _customers_resolve(rows: list[ShipmentIn], now: datetime) -> dict[tuple[str, str], int]:
    """Customer id per contact (email, else phone): existing ones first, else created once."""
    emails = {row.customer_email.lower() for row in rows if row.customer_email}
    phones = {row.customer_phone for row in rows if not row.customer_email}
    found: dict[tuple[str, str], int] = {}
    if emails:
        # Any case, as `services.customer_get_or_create` finds them.
        matches = (
            Customer.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=emails)
            .order_by("id")
        )
        for customer_id, email in matches.values_list("id", "email_key"):
            found.setdefault(("email", email), customer_id)
    if phones:
        matches = Customer.objects.filter(phone__in=phones).order_by("id")
        for customer_id, phone in matches.values_list("id", "phone"):
            found.setdefault(("phone", phone), customer_id)
    new: dict[tuple[str, str], Customer] = {}
    for row in rows:
        if row.contact in found or row.contact in new:
            continue
        new[row.contact] = Customer(
            name=row.customer_name,
            email=row.customer_email,
            phone=row.customer_phone,
            language=row.customer_language,
            channel=Channel.EMAIL if row.customer_email else Channel.SMS,
            created_at=now,
        )
    if new:
        # PostgreSQL and SQLite ≥ 3.35 return the new ids.
        Customer.objects.bulk_create(new.values(), batch_size=1000)
        found.update({contact: customer.pk for contact, customer in new.items()})
    return found


def _batch_store(batch: dict, *, notify: bool, report: ImportReport) -> None:
    if not batch:
        return
    now = timezone.now()
    with transaction.atomic():
        carrier_ids = {key[0] for key in batch}
        numbers = {key[1] for key in batch}
        existing = set(
            Shipment.objects.filter(
                carrier_id__in=carrier_ids, tracking_number__in=numbers
            ).values_list("carrier_id", "tracking_number", "order_reference")
        )
        fresh = [row for key, row in batch.items() if key not in existing]
        if fresh:
            customers = _customers_resolve(fresh, now)
            Shipment.objects.bulk_create(
                [
                    Shipment(
                        carrier=row.carrier,
                        tracking_number=row.tracking_number,
                        order_reference=row.order_reference,
                        customer_id=customers[row.contact],
                        destination_city=row.destination_city,
                        destination_postal_code=row.destination_postal_code,
                        service_level=row.service_level,
                        promise_type=row.promise_type,
                        promised_start=row.promised_start,
                        promised_end=row.promised_end,
                        shipping_fee=row.shipping_fee,
                        order_value=row.order_value,
                        currency=row.currency,
                        created_at=now,
                    )
                    for row in fresh
                ],
                batch_size=1000,
                ignore_conflicts=True,
            )
        # A parallel import may have stored some of the same shipments since our read; the
        # unique constraint skipped ours, so only rows stamped with our `now` are ours.
        created = [
            shipment
            for shipment in Shipment.objects.filter(
                carrier_id__in=carrier_ids, tracking_number__in=numbers, created_at=now
            ).only("id", "carrier_id", "tracking_number", "order_reference", "created_at")
            if (shipment.carrier_id, shipment.tracking_number, shipment.order_reference) in batch
        ]
        # Events that came before their shipment were kept unmatched for this moment.
        attached = events_attach(shipments=created, notify=notify, now=now)
    report.imported += len(created)
    report.duplicates += len(batch) - len(created)
    report.attached += attached.attached
    report.notified += attached.notified
    if not connection.force_debug_cursor:
        # Under DEBUG each query's SQL stays on the connection; a long import must not grow it.
        connection.queries_log.clear()


def shipments_import(
    *,
    path,
    format: str | None = None,
    carrier_code: str | None = None,
    notify: bool = False,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int, int, ImportReport], None] | None = None,
) -> ImportReport:
    """Import shipments from a CSV or JSON Lines file; returns the counts and rejects.

    Side effects, per batch in its own transaction: creates the customers not found by email
    (else phone), the shipments not stored yet (existing ones are duplicates, left as they are),
    attaches the tracking events waiting unmatched for them and folds those into their status
    (`services.events_attach`); with `notify`, queues the customers' stage messages. Raises
    `ImportFailed` for a file that cannot be read or decoded or whose header is wrong.
    """
    carriers = CarrierLookup(carrier_code)
    required = REQUIRED_COLUMNS if carriers.default else ("carrier", *REQUIRED_COLUMNS)
    report = ImportReport()
    with RowReader(path, format=format, required=required, known=COLUMNS) as reader:
        if reader.format == "csv" and not {"customer_email", "customer_phone"} & set(
            reader.columns
        ):
            raise ImportFailed(
                f"{reader.path.name}: the CSV header lacks customer_email or customer_phone"
            )
        batch: dict[tuple[int, str, str], ShipmentIn] = {}
        try:
            for row in reader:
                if row.values is None:
                    report.reject(row.line, [("", row.error)])
                    continue
                shipment, errors = shipment_parse(row.values, carriers=carriers)
                if errors:
                    report.reject(row.line, errors)
                    continue
                if shipment.key in batch:
                    report.duplicates += 1
                    continue
                batch[shipment.key] = shipment
                if len(batch) >= batch_size:
                    _batch_store(batch, notify=notify, report=report)
                    batch = {}
                    if on_progress:
                        on_progress(reader.position, reader.size, report)
        except ImportFailed as exc:
            _batch_store(batch, notify=notify, report=report)
            exc.report = report
            raise
        _batch_store(batch, notify=notify, report=report)
        if on_progress:
            on_progress(reader.position, reader.size, report)
    return report
