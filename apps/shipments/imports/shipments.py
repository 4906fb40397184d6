"""Bulk import of shipments from a file (`manage.py import_shipments`).

Idempotent on (carrier, tracking number, order reference), the database's uniqueness: an
existing shipment is counted as a duplicate and never overwritten. Customers are found by email,
else by phone, and created once. Each batch is one transaction that also gives the new shipments
the tracking events that came before them (kept unmatched for this moment) and folds those into
their status, through `services.unmatched_attach`, as `services.shipment_create` does.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import reset_queries, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.money import CURRENCY_EXPONENTS, Currency
from apps.shipments.imports.carriers import CarrierLookup
from apps.shipments.imports.files import ImportFailed, RowReader
from apps.shipments.imports.report import ImportReport
from apps.shipments.models import (
    Carrier,
    Channel,
    Customer,
    PromiseType,
    ServiceLevel,
    Shipment,
)
from apps.shipments.normalize import tracking_number_clean
from apps.shipments.services import unmatched_attach
from apps.shipments.telling import stages_tell

BATCH_SIZE = 2000
COLUMNS = (
    "carrier",
    "tracking_number",
    "order_reference",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_language",
    "destination_city",
    "destination_postal_code",
    "service_level",
    "promise_type",
    "promised_start",
    "promised_end",
    "shipping_fee",
    "order_value",
    "currency",
)
REQUIRED_COLUMNS = (
    "tracking_number",
    "order_reference",
    "customer_name",
    "promised_start",
    "promised_end",
)
_TEXT_LIMITS = {
    "tracking_number": 64,
    "order_reference": 64,
    "customer_name": 120,
    "customer_email": 254,
    "customer_phone": 32,
    "customer_language": 8,
    "destination_city": 80,
    "destination_postal_code": 16,
    "service_level": 16,
    "promise_type": 16,
    "currency": 3,
}
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
# MoneyField: 14 digits, 2 of them decimals.
_MONEY_MAX = Decimal(10) ** 12


@dataclass(slots=True)
class ShipmentIn:
    carrier: Carrier
    tracking_number: str
    order_reference: str
    customer_name: str
    customer_email: str
    customer_phone: str
    customer_language: str
    destination_city: str
    destination_postal_code: str
    service_level: str
    promise_type: str
    promised_start: datetime
    promised_end: datetime
    shipping_fee: Decimal
    order_value: Decimal
    currency: str

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.carrier.pk, self.tracking_number, self.order_reference)

    @property
    def contact(self) -> tuple[str, str]:
        """How the customer is recognised: by email, else by phone."""
        if self.customer_email:
            return ("email", self.customer_email)
        return ("phone", self.customer_phone)


def _datetime(value, name: str, errors: list) -> datetime | None:
    # The same words as `intake` uses for event times.
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.append((name, "must be an ISO 8601 date and time"))
        return None
    if timezone.is_naive(parsed):
        errors.append((name, "needs a time zone offset (e.g. +09:00 or Z)"))
        return None
    return parsed


def _money(value, name: str, currency: str, errors: list) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors.append((name, "must be a number"))
        return Decimal(0)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append((name, "must be a number, e.g. 3000 or 12.50"))
        return Decimal(0)
    if not amount.is_finite():
        errors.append((name, "must be a number, e.g. 3000 or 12.50"))
    elif amount < 0:
        errors.append((name, "must not be negative"))
    elif amount >= _MONEY_MAX:
        errors.append((name, "is too large"))
    elif amount != amount.quantize(Decimal(1).scaleb(-CURRENCY_EXPONENTS.get(currency, 2))):
        # Amounts are kept in the currency's minor unit (apps/core/money.py).
        places = CURRENCY_EXPONENTS.get(currency, 2)
        errors.append(
            (
                name,
                f"{currency} amounts have no decimal places"
                if places == 0
                else f"{currency} amounts have at most {places} decimal places",
            )
        )
    return amount


def _choice(value: str, name: str, choices, default: str, errors: list) -> str:
    if not value:
        return default
    allowed = [str(choice) for choice in choices]
    if value.lower() in allowed:
        return value.lower()
    errors.append((name, f"must be one of {', '.join(allowed)}"))
    return default


def shipment_parse(values: dict, *, carriers: CarrierLookup):
    """Validate one row; returns (ShipmentIn, []) or (None, [(field, reason), ...])."""
    errors: list[tuple[str, str]] = []
    for name in values:
        if name not in COLUMNS:
            errors.append((str(name)[:40], "unknown field"))
    carrier, carrier_error = carriers.find(values.get("carrier"))
    if carrier_error:
        errors.append(carrier_error)
    text = {}
    for name, limit in _TEXT_LIMITS.items():
        value = values.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append((name, "must be a string"))
            value = ""
        value = value.strip()
        if len(value) > limit:
            errors.append((name, f"must be at most {limit} characters"))
        text[name] = value
    for name in ("tracking_number", "order_reference", "customer_name"):
        if not text[name]:
            errors.append((name, "is required"))

    email = text["customer_email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(("customer_email", "is not a valid email address"))
    phone = _PHONE_SEPARATORS.sub("", text["customer_phone"])
    if phone and not _PHONE.fullmatch(phone):
        errors.append(("customer_phone", "must be in international form, e.g. +821012345678"))
    if not email and not phone:
        errors.append(("customer_email", "customer_email or customer_phone is required"))

    language = _choice(
        text["customer_language"],
        "customer_language",
        [code for code, _ in settings.LANGUAGES],
        Customer._meta.get_field("language").default,
        errors,
    )
    service_level = _choice(
        text["service_level"], "service_level", ServiceLevel.values, ServiceLevel.STANDARD, errors
    )
    promise_type = _choice(
        text["promise_type"], "promise_type", PromiseType.values, PromiseType.ESTIMATED, errors
    )
    currency = Currency.KRW.value
    if text["currency"]:
        if text["currency"].upper() in Currency.values:
            currency = text["currency"].upper()
        else:
            errors.append(("currency", f"must be one of {', '.join(Currency.values)}"))

    times = {}
    for name in ("promised_start", "promised_end"):
        if values.get(name) in (None, ""):
            errors.append((name, "is required"))
        else:
            times[name] = _datetime(values[name], name, errors)
    start, end = times.get("promised_start"), times.get("promised_end")
    if start and end and end < start:
        errors.append(("promised_end", "must not be before promised_start"))
    shipping_fee = _money(values.get("shipping_fee"), "shipping_fee", currency, errors)
    order_value = _money(values.get("order_value"), "order_value", currency, errors)
    if errors:
        return None, errors
    return (
        ShipmentIn(
            carrier=carrier,
            # Cleaned as event intake cleans it, so the shipment's events find it.
            tracking_number=tracking_number_clean(text["tracking_number"]),
            order_reference=text["order_reference"],
            customer_name=text["customer_name"],
            customer_email=email,
            customer_phone=phone,
            customer_language=language,
            destination_city=text["destination_city"],
            destination_postal_code=text["destination_postal_code"],
            service_level=service_level,
            promise_type=promise_type,
            promised_start=times["promised_start"],
            promised_end=times["promised_end"],
            shipping_fee=shipping_fee,
            order_value=order_value,
            currency=currency,
        ),
        [],
    )


def _customers_resolve(rows: list[ShipmentIn], now: datetime) -> dict[tuple[str, str], int]:
    """Customer id per contact (email, else phone): existing ones first, else created once."""
    emails = {row.customer_email for row in rows if row.customer_email}
    phones = {row.customer_phone for row in rows if not row.customer_email}
    found: dict[tuple[str, str], int] = {}
    if emails:
        matches = Customer.objects.filter(email__in=emails).order_by("id")
        for customer_id, email in matches.values_list("id", "email"):
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
        attached = unmatched_attach(shipments=created, now=now)
        if notify:
            report.notified += stages_tell(stages=attached.stages, now=now)
    report.imported += len(created)
    report.duplicates += len(batch) - len(created)
    report.attached += attached.created
    reset_queries()


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
    (`services.unmatched_attach`); with `notify`, queues the customers' stage messages. Raises
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
