"""One row of a shipments import file → a validated `ShipmentIn`, or what is wrong with it.

Each field is checked with a reason a person can act on (`promised_end: must not be before
promised_start`), reported against the file's line by the import.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.money import CURRENCY_EXPONENTS, Currency
from apps.shipments.imports.carriers import CarrierLookup
from apps.shipments.models import Carrier, Customer, PromiseType, ServiceLevel
from apps.shipments.normalize import tracking_number_clean

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
        """How the customer is recognised: by email (in any case), else by phone."""
        if self.customer_email:
            return ("email", self.customer_email.lower())
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

    email = text["customer_email"]
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
