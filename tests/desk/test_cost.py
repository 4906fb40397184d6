"""/desk/cost/: compensation cost per carrier, and its CSV (byte-order mark, carrier names)."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.compensation.models import OfferStatus
from tests.factories import CarrierFactory, OfferFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

COST = "/desk/cost/"


def _offers():
    now = timezone.now()
    fast = CarrierFactory(name="=Fast Parcel")
    slow = CarrierFactory(name="한진택배")
    for carrier, amount, status, reason in (
        (fast, "3000", OfferStatus.ACCEPTED, "capacity"),
        (fast, "2000", OfferStatus.ISSUED, "weather"),
        (slow, "6000", OfferStatus.ACCEPTED, "sorting_error"),
        (slow, "9999", OfferStatus.REJECTED, "sorting_error"),
    ):
        shipment = ShipmentFactory(carrier=carrier, delay_reason=reason)
        OfferFactory(shipment=shipment, amount=Decimal(amount), status=status, issued_at=now)


def test_the_page_and_the_csv(client, manager):
    _offers()
    client.force_login(manager)
    day = timezone.localdate().isoformat()
    page = client.get(COST, {"start": day, "end": day})
    assert page.status_code == 200
    assert "한진택배" in page.content.decode() and "₩6,000" in page.content.decode()
    response = client.get(COST, {"start": day, "end": day, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Carrier"
    assert rows[1:] == [
        ["'=Fast Parcel", "KRW", "2", "1", "5000", "3000", "3000"],
        ["한진택배", "KRW", "1", "1", "6000", "6000", "6000"],
    ]


def test_a_bad_period_is_a_form_message(client, manager):
    client.force_login(manager)
    response = client.get(COST, {"start": "2026-02-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "The end comes before the start." in response.content.decode()
    assert client.get(COST, {"start": "x", "end": "y", "format": "csv"}).status_code == 400


def test_agent_is_refused(client, agent):
    client.force_login(agent)
    assert client.get(COST).status_code == 403
