"""`manage.py import_shipments`: shipments and customers from a file; late match of events."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.notifications.models import Notification
from apps.shipments.models import Customer, Shipment, ShipmentStatus, TrackingEvent
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory

HEADER = (
    "carrier,tracking_number,order_reference,customer_name,customer_email,customer_phone,"
    "customer_language,destination_city,destination_postal_code,service_level,promise_type,"
    "promised_start,promised_end,shipping_fee,order_value,currency\n"
)
WINDOW = "2025-03-03T00:00:00+09:00,2025-03-04T23:59:59+09:00"


def line(
    number="TN1", order="ORD-1", email="minji@example.com", phone="", name="Kim Minji", **overrides
) -> str:
    values = {
        "carrier": "cj",
        "tracking_number": number,
        "order_reference": order,
        "customer_name": name,
        "customer_email": email,
        "customer_phone": phone,
        "customer_language": "ko",
        "destination_city": "Busan",
        "destination_postal_code": "48058",
        "service_level": "express",
        "promise_type": "guaranteed",
        "window": WINDOW,
        "shipping_fee": "3000",
        "order_value": "45000",
        "currency": "KRW",
    }
    values.update(overrides)
    return ",".join(values.values()) + "\n"


@pytest.fixture
def carrier(db):
    return CarrierFactory(code="cj", name="CJ Logistics")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path, *args) -> str:
    out = StringIO()
    call_command(
        "import_shipments", str(path), "--no-progress", *args, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def test_csv_import_creates_shipments_and_their_customers(tmp_path, carrier):
    path = write(
        tmp_path,
        "shipments.csv",
        HEADER
        + line()
        + line(
            number="TN2",
            order="ORD-2",
            email="",
            phone="+82 10-1234-5678",
            name="Lee Jun",
            customer_language="en",
            currency="USD",
            shipping_fee="4.50",
            order_value="120",
        ),
    )

    output = run(path)

    assert output.splitlines() == [
        "imported 2, duplicates 0, rejected 0; unmatched events attached 0"
    ]
    first = Shipment.objects.select_related("customer").get(tracking_number="TN1")
    assert (first.carrier, first.order_reference, first.service_level, first.promise_type) == (
        carrier,
        "ORD-1",
        "express",
        "guaranteed",
    )
    assert first.promised_end.isoformat() == "2025-03-04T14:59:59+00:00"
    assert (first.shipping_fee, first.destination_city) == (Decimal("3000"), "Busan")
    assert (first.customer.email, first.customer.language) == ("minji@example.com", "ko")
    second = Shipment.objects.select_related("customer").get(tracking_number="TN2")
    assert (second.currency, second.shipping_fee) == ("USD", Decimal("4.50"))
    assert (second.customer.phone, second.customer.channel) == ("+821012345678", "sms")


def test_jsonl_import_creates_shipments(tmp_path, carrier):
    row = {
        "carrier": "cj",
        "tracking_number": "TN1",
        "order_reference": "ORD-1",
        "customer_name": "Kim Minji",
        "customer_email": "minji@example.com",
        "promised_start": "2025-03-03T00:00:00+09:00",
        "promised_end": "2025-03-04T00:00:00+09:00",
        "shipping_fee": 3000,
        "order_value": 45000,
    }
    path = write(tmp_path, "shipments.jsonl", json.dumps(row) + "\n")

    assert run(path).startswith("imported 1, duplicates 0, rejected 0")
    shipment = Shipment.objects.get()
    assert (shipment.currency, shipment.order_value) == ("KRW", Decimal("45000"))


def test_customers_are_found_by_email_in_any_case_else_by_phone(tmp_path, carrier):
    known = CustomerFactory(email="Minji@example.com", phone="+821000000001")
    path = write(
        tmp_path,
        "shipments.csv",
        HEADER
        + line(number="TN1", email="Minji@Example.com", name="Someone Else")
        + line(number="TN2", email="", phone="+821099999999", name="Park")
        + line(number="TN3", email="", phone="+821099999999", name="Park")
        + line(number="TN4", email="new@example.com", phone="+821099999999"),
    )

    run(path)

    customers = dict(Shipment.objects.values_list("tracking_number", "customer_id"))
    assert customers["TN1"] == known.pk
    assert customers["TN2"] == customers["TN3"] != customers["TN4"]
    assert Customer.objects.count() == 3
    known.refresh_from_db()
    assert known.name != "Someone Else"  # an existing customer is not overwritten


def test_an_existing_shipment_is_a_duplicate_and_is_not_overwritten(tmp_path, carrier):
    existing = ShipmentFactory(
        carrier=carrier, tracking_number="TN1", order_reference="ORD-1", destination_city="Seoul"
    )
    path = write(tmp_path, "shipments.csv", HEADER + line() + line(order="ORD-2") + line())

    output = run(path)

    assert output.startswith("imported 1, duplicates 2, rejected 0")
    existing.refresh_from_db()
    assert existing.destination_city == "Seoul"
    # Same number, another order: a recycled tracking number is another shipment.
    assert Shipment.objects.filter(tracking_number="TN1").count() == 2


def test_a_second_run_imports_nothing(tmp_path, carrier):
    path = write(tmp_path, "shipments.csv", HEADER + line() + line(number="TN2"))
    run(path, "--batch-size", "1")

    output = run(path, "--batch-size", "1")

    assert output.startswith("imported 0, duplicates 2, rejected 0")
    assert Shipment.objects.count() == 2
    assert Customer.objects.count() == 1


def test_invalid_rows_are_reported_by_line_and_field(tmp_path, carrier):
    path = write(
        tmp_path,
        "shipments.csv",
        HEADER
        + line(number="")  # line 2
        + line(email="not-an-email", phone="010-1234")  # line 3
        + line(email="", phone="")  # line 4
        + line(window="2025-03-05T00:00:00+09:00,2025-03-04T00:00:00+09:00")  # line 5
        + line(window="2025-03-05,tomorrow")  # line 6
        + line(shipping_fee="3000.5", order_value="-1")  # line 7
        + line(carrier="ups", service_level="rocket", customer_language="fr")  # line 8
        + line(order="ORD-OK"),
    )  # line 9: good

    output = run(path)

    assert output.splitlines() == [
        "imported 1, duplicates 0, rejected 7; unmatched events attached 0",
        "  line 2: tracking_number: is required",
        "  line 3: customer_email: is not a valid email address; "
        "customer_phone: must be in international form, e.g. +821012345678",
        "  line 4: customer_email: customer_email or customer_phone is required",
        "  line 5: promised_end: must not be before promised_start",
        "  line 6: promised_start: needs a time zone offset (e.g. +09:00 or Z); "
        "promised_end: must be an ISO 8601 date and time",
        "  line 7: shipping_fee: KRW amounts have no decimal places; "
        "order_value: must not be negative",
        "  line 8: carrier: unknown carrier 'ups'; customer_language: must be one of en, ko; "
        "service_level: must be one of standard, express, same_day",
    ]
    assert list(Shipment.objects.values_list("order_reference", flat=True)) == ["ORD-OK"]


def test_unknown_fields_in_a_jsonl_line_are_rejected(tmp_path, carrier):
    row = {
        "carrier": "cj",
        "tracking_number": "TN1",
        "order_reference": "ORD-1",
        "customer_name": "Kim",
        "customer_emial": "kim@example.com",
        "promised_start": "2025-03-03T00:00:00Z",
        "promised_end": "2025-03-04T00:00:00Z",
    }
    path = write(tmp_path, "shipments.jsonl", json.dumps(row) + "\n")

    assert run(path).splitlines()[1] == (
        "  line 1: customer_emial: unknown field; "
        "customer_email: customer_email or customer_phone is required"
    )


def test_a_header_with_an_unknown_column_is_a_command_error(tmp_path, carrier):
    path = write(tmp_path, "shipments.csv", HEADER.replace("customer_email", "customer_emial"))

    with pytest.raises(CommandError, match="unknown column\\(s\\) customer_emial"):
        run(path)


def test_a_header_missing_a_column_is_a_command_error(tmp_path, carrier):
    path = write(tmp_path, "shipments.csv", "carrier,tracking_number,customer_email\n")

    with pytest.raises(
        CommandError,
        match="lacks order_reference, customer_name, promised_start, promised_end",
    ):
        run(path)


def test_a_missing_file_is_a_command_error(tmp_path, carrier):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nothere.jsonl")


def _unmatched_events(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,tracking_number,status,occurred_at\n"
        "e2,TN1,OutForDelivery,2025-03-03T08:00:00+09:00\n"
        "e1,TN1,InTransit,2025-03-02T09:00:00+09:00\n"
    )
    call_command(
        "import_tracking",
        str(events),
        "--carrier",
        "cj",
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert TrackingEvent.objects.filter(shipment__isnull=True).count() == 2


def test_unmatched_events_are_attached_to_the_new_shipment_and_set_its_status(tmp_path, carrier):
    # Given events that came before their shipment
    _unmatched_events(tmp_path)
    path = write(tmp_path, "shipments.csv", HEADER + line() + line(number="TN2"))

    # When the shipment is imported
    output = run(path)

    # Then the events belong to it and its status is the latest occurred one
    assert output.startswith("imported 2, duplicates 0, rejected 0; unmatched events attached 2")
    shipment = Shipment.objects.get(tracking_number="TN1")
    assert set(shipment.events.values_list("carrier_event_id", flat=True)) == {"e1", "e2"}
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert shipment.shipped_at.isoformat() == "2025-03-02T00:00:00+00:00"
    assert Shipment.objects.get(tracking_number="TN2").status == ShipmentStatus.PENDING
    assert not Notification.objects.exists()


def test_with_two_new_shipments_on_one_number_the_newest_takes_the_events(tmp_path, carrier):
    _unmatched_events(tmp_path)
    # Both in one batch: the later row is the newer shipment (the rule for recycled numbers).
    path = write(tmp_path, "shipments.csv", HEADER + line(order="ORD-A") + line(order="ORD-B"))

    run(path)

    newest = Shipment.objects.get(order_reference="ORD-B")
    assert newest.events.count() == 2
    assert Shipment.objects.get(order_reference="ORD-A").events.count() == 0


def test_notify_tells_the_customer_about_stages_of_attached_events(tmp_path, carrier):
    _unmatched_events(tmp_path)
    path = write(tmp_path, "shipments.csv", HEADER + line())

    output = run(path, "--notify")

    assert "notifications queued" in output
    assert set(Notification.objects.values_list("stage", flat=True)) == {
        "dispatched",
        "out_for_delivery",
    }


@pytest.mark.postgres
def test_events_imported_after_the_shipment_match_it_on_postgresql(tmp_path, carrier):
    run(write(tmp_path, "shipments.csv", HEADER + line()))
    _events = tmp_path / "events.csv"
    _events.write_text(
        "event_id,tracking_number,order_reference,status,occurred_at\n"
        "e1,TN1,ORD-1,Delivered,2025-03-03T08:00:00+09:00\n"
    )

    call_command(
        "import_tracking",
        str(_events),
        "--carrier",
        "cj",
        "--no-progress",
        "--method",
        "copy",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    assert Shipment.objects.get().status == ShipmentStatus.DELIVERED


def test_tracking_numbers_are_cleaned_as_event_intake_cleans_them(tmp_path, carrier):
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,tracking_number,status,occurred_at\ne1,ab 12-34,InTransit,2025-03-02T09:00:00Z\n"
    )
    call_command(
        "import_tracking",
        str(events),
        "--carrier",
        "cj",
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    run(write(tmp_path, "shipments.csv", HEADER + line(number="AB-1234")))

    shipment = Shipment.objects.get()
    assert shipment.tracking_number == "AB1234"
    assert shipment.events.count() == 1
