"""What a plan is made of: customers, shipments with their events and delay flags, tickets."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(eq=False)
class CustomerPlan:
    name: str
    email: str
    phone: str
    language: str
    channel: str
    since: datetime
    # How messages address them: Korean, the full name with 고객님; English, the first name.
    address: str
    time_zone: str = "Asia/Seoul"
    abroad: tuple | None = None


@dataclass(eq=False)
class EventPlan:
    stage: str
    at: datetime
    location: str = ""
    reason: str = ""
    message: str = ""
    estimate: tuple[datetime, datetime] | None = None


@dataclass(eq=False)
class MarkPlan:
    """A delay flagged by the promise watch or by an agent rather than by a carrier event."""

    at: datetime
    reason: str
    prediction: tuple[datetime, datetime] | None = None


@dataclass(eq=False)
class ShipmentPlan:
    kind: str
    carrier: str
    tracking_number: str
    order_reference: str
    customer: CustomerPlan
    ordered_at: datetime
    city: str
    postal_code: str
    country: str
    time_zone: str
    service_level: str
    promise_type: str
    fee: Decimal
    order_value: Decimal
    promised_start: datetime
    promised_end: datetime
    events: list[EventPlan]
    marks: list[MarkPlan]
    offers: tuple = ()


@dataclass(eq=False)
class TicketPlan:
    customer: CustomerPlan
    shipment: ShipmentPlan | None
    category: str
    topic: str
    subject: str = ""
    body: str = ""
    created: datetime | None = None
    proactive: bool = False
    priority: int | None = None
    status: str = ""
    variant: str = ""


def upto(events: list, stage: str) -> list:
    for n, event in enumerate(events):
        if event.stage == stage:
            return events[: n + 1]
    raise ValueError(f"no {stage} in the journey")
