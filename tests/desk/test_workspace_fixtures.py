"""Shared cast for the workspace tests: a late parcel's ticket, macros, reply templates."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.desk.models import Macro
from apps.shipments.models import DelayReason
from apps.tickets.models import Message, ReplyTemplate, TicketCategory, TicketStatus
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory, TicketFactory


def work_url(ticket) -> str:
    return reverse("desk:ticket", args=[ticket.pk])


def newest_id(ticket) -> int:
    return Message.objects.filter(ticket=ticket).order_by("-pk").values_list("pk", flat=True)[0]


def flash(response) -> list[str]:
    return [text for _level, text in response.context["flash"]]


@pytest.fixture
def late_ticket(db):
    now = timezone.now()
    customer = CustomerFactory(name="Kim Minji", email="minji@example.com")
    shipment = ShipmentFactory(
        carrier=CarrierFactory(code="cj", name="CJ Logistics"),
        customer=customer,
        tracking_number="CJ555000111",
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=now,
        delay_hours=30,
        estimate_start=now + timedelta(days=2),
        estimate_end=now + timedelta(days=2, hours=2),
    )
    ticket = TicketFactory(
        reference="DD-WORK1",
        subject="Where is my parcel?",
        customer=customer,
        shipment=shipment,
        category=TicketCategory.LATE,
        language="en",
        status=TicketStatus.OPEN,
    )
    Message.objects.create(ticket=ticket, author_kind="customer", body="My parcel is late.")
    return ticket


@pytest.fixture
def resolve_macro(db):
    return Macro.objects.create(
        name="Late parcel: new estimate, resolve",
        language="en",
        category=TicketCategory.LATE,
        body="Hello {customer_name}, {tracking_number} now arrives {new_estimate}.",
        set_status=TicketStatus.RESOLVED,
        set_priority=3,
        assign="me",
    )


@pytest.fixture
def template(db):
    return ReplyTemplate.objects.create(
        name="Late: new estimate",
        language="en",
        category=TicketCategory.LATE,
        body="Dear {customer_name}, your parcel {tracking_number} with {carrier} is late.",
    )
