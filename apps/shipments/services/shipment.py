"""Shipments and customers created by integrations and imports."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.shipments.errors import PromiseWindowInvalid, ShipmentExists
from apps.shipments.models import (
    Carrier,
    Customer,
    Shipment,
)
from apps.shipments.normalize import tracking_number_clean
from apps.shipments.services.receive import events_attach


@transaction.atomic
def shipment_create(
    *,
    carrier: Carrier,
    customer: Customer | dict,
    tracking_number: str,
    order_reference: str,
    promised_start: datetime,
    promised_end: datetime,
    now: datetime | None = None,
    **fields,
) -> Shipment:
    """Create a shipment and attach any events that came in before it (told to the customer).

    `customer`: a Customer, or the contact fields to find or create one by
    (`customer_get_or_create`). One transaction, so a refused shipment leaves no new customer
    behind; `events_attach` locks the waiting events, then the shipment. Refuses a duplicate
    (carrier, tracking number, order reference) with ShipmentExists, a promise window ending
    before it starts with PromiseWindowInvalid.
    """
    now = now or timezone.now()
    tracking_number = tracking_number_clean(tracking_number)
    if promised_end < promised_start:
        raise PromiseWindowInvalid()
    if Shipment.objects.filter(
        carrier=carrier, tracking_number=tracking_number, order_reference=order_reference
    ).exists():
        raise ShipmentExists()
    if isinstance(customer, dict):
        customer = customer_get_or_create(**customer)
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                carrier=carrier,
                customer=customer,
                tracking_number=tracking_number,
                order_reference=order_reference,
                promised_start=promised_start,
                promised_end=promised_end,
                created_at=now,
                **fields,
            )
    except IntegrityError as exc:  # a parallel create of the same parcel won
        raise ShipmentExists() from exc
    events_attach(shipments=[shipment], now=now)
    shipment.refresh_from_db()
    return shipment


def customer_get_or_create(
    *, name: str, email: str, phone: str, language: str, channel: str
) -> Customer:
    """The customer with this email (any case) or, given no email, this phone; else a new one.

    An existing customer is reused as they are: their stored preferences stay theirs.
    """
    existing = None
    if email:
        existing = Customer.objects.filter(email__iexact=email).order_by("id").first()
    elif phone:
        existing = Customer.objects.filter(phone=phone).order_by("id").first()
    if existing is not None:
        return existing
    return Customer.objects.create(
        name=name, email=email, phone=phone, language=language, channel=channel
    )
