"""`manage.py import_tracking`: streaming CSV / JSON Lines import of tracking events.

The behaviour tests run on both storage paths of the webhook's service: `orm` (the webhook's
writes, any database) and `copy` (COPY into a staging table + INSERT … ON CONFLICT, PostgreSQL
only).
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.notifications.models import Notification
from apps.shipments.imports.report import REJECTS_SHOWN
from apps.shipments.models import EstimateRevision, Shipment, ShipmentStatus, TrackingEvent
from tests.factories import CarrierFactory, ShipmentFactory

HEADER = "event_id,tracking_number,order_reference,status,substatus,occurred_at,location,message\n"

METHODS = ["orm", pytest.param("copy", marks=pytest.mark.postgres)]


@pytest.fixture
def carrier(db):
    return CarrierFactory(code="cj", name="CJ Logistics")


@pytest.fixture
def shipment(carrier):
    return ShipmentFactory(
        carrier=carrier,
        tracking_number="TN1",
        order_reference="ORD-1",
        status=ShipmentStatus.INFO_RECEIVED,
    )


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(*events) -> str:
    return "".join(json.dumps(event) + "\n" for event in events)


def run(path, *args) -> str:
    out = StringIO()
    call_command(
        "import_tracking", str(path), "--no-progress", *args, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


@pytest.mark.parametrize("method", METHODS)
def test_csv_import_stores_events_and_moves_the_shipment_status(tmp_path, shipment, method):
    path = write(
        tmp_path,
        "events.csv",
        HEADER
        + (
            "e1,TN1,,InfoReceived,,2025-03-01T09:00:00+09:00,Seoul,label\n"
            'e2,TN1,,InTransit,,2025-03-02T09:00:00+09:00,Daejeon,"hub, gate 3"\n'
        ),
    )

    output = run(path, "--carrier", "cj", "--method", method)

    assert output.splitlines()[0] == "imported 2, duplicates 0, unmatched 0, rejected 0"
    events = TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at")
    assert [event.carrier_event_id for event in events] == ["e1", "e2"]
    assert events[1].message == "hub, gate 3"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert shipment.raw_status == "InTransit"
    assert shipment.shipped_at.isoformat() == "2025-03-02T00:00:00+00:00"


@pytest.mark.parametrize("method", METHODS)
def test_jsonl_import_takes_the_carrier_from_each_line(tmp_path, shipment, method):
    other = CarrierFactory(code="hanjin")
    elsewhere = ShipmentFactory(carrier=other, tracking_number="TN1", order_reference="ORD-9")
    path = write(
        tmp_path,
        "events.jsonl",
        jsonl(
            {
                "carrier": "cj",
                "event_id": "e1",
                "tracking_number": "TN1",
                "status": "Delivered",
                "occurred_at": "2025-03-03T10:00:00Z",
                "scanner": "A7",
            },
            {
                "carrier": "hanjin",
                "event_id": "e1",
                "tracking_number": "TN1",
                "status": "OutForDelivery",
                "occurred_at": "2025-03-03T08:00:00Z",
            },
        ),
    )

    output = run(path, "--method", method)

    assert output.startswith("imported 2, duplicates 0, unmatched 0, rejected 0")
    shipment.refresh_from_db()
    elsewhere.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert elsewhere.status == ShipmentStatus.OUT_FOR_DELIVERY
    # Fields beyond the webhook's are kept in the payload, as the webhook keeps them.
    assert TrackingEvent.objects.get(carrier__code="cj").payload == {"scanner": "A7"}


@pytest.mark.parametrize("method", METHODS)
def test_broken_rows_are_reported_with_line_numbers_and_the_good_rows_stored(
    tmp_path, shipment, method
):
    path = write(
        tmp_path,
        "events.csv",
        HEADER
        + (
            "e1,TN1,,InTransit,,2025-03-02T09:00:00+09:00,,\n"  # line 2: good
            "e2,TN1,,InTransit,,yesterday,,\n"  # line 3
            "e3,TN1,,Teleported,,2025-03-02T10:00:00+09:00,,\n"  # line 4
            "e4,TN1,,InTransit\n"  # line 5
            ",TN1,,InTransit,,2025-03-02T11:00:00,,\n"  # line 6
            "e6,TN1,,Delivered,,2025-03-03T09:00:00+09:00,,\n"  # line 7: good
        ),
    )

    output = run(path, "--carrier", "cj", "--method", method)

    assert output.splitlines() == [
        "imported 2, duplicates 0, unmatched 0, rejected 4",
        "  line 3: occurred_at: must be an ISO 8601 date and time",
        "  line 4: status: unknown carrier status 'Teleported'",
        "  line 5: has 4 fields, the header has 8",
        "  line 6: event_id: is required; occurred_at: needs a time zone offset (e.g. +09:00 or Z)",
    ]
    assert set(TrackingEvent.objects.values_list("carrier_event_id", flat=True)) == {"e1", "e6"}


def test_jsonl_lines_that_are_not_objects_are_rejected_by_line(tmp_path, carrier):
    path = write(
        tmp_path,
        "events.jsonl",
        (
            '{"event_id": "e1", "tracking_number": "TN9", "status": "InTransit",'
            ' "occurred_at": "2025-03-02T09:00:00Z"}\n'
            "\n"
            "{not json\n"
            "[1, 2]\n"
            '{"event_id": "e2", "tracking_number": 42, "status": "InTransit",'
            ' "occurred_at": "2025-03-02T09:00:00Z", "carrier": "dhl"}\n'
        ),
    )

    output = run(path, "--carrier", "cj")

    assert output.splitlines() == [
        "imported 1, duplicates 0, unmatched 1, rejected 3",
        "  line 3: not valid JSON (Expecting property name enclosed in double quotes)",
        "  line 4: each line must be a JSON object",
        "  line 5: carrier: unknown carrier 'dhl'; tracking_number: must be a string",
    ]


@pytest.mark.parametrize("method", METHODS)
def test_duplicates_in_a_file_are_stored_once(tmp_path, shipment, method):
    row = "e1,TN1,,InTransit,,2025-03-02T09:00:00+09:00,,\n"
    path = write(tmp_path, "events.csv", HEADER + row + row + row)

    # Batches of 2: one repeat inside a batch, one across batches.
    output = run(path, "--carrier", "cj", "--method", method, "--batch-size", "2")

    assert output.startswith("imported 1, duplicates 2, unmatched 0, rejected 0")
    assert TrackingEvent.objects.count() == 1


@pytest.mark.parametrize("method", METHODS)
def test_a_second_run_imports_nothing(tmp_path, shipment, method):
    path = write(
        tmp_path,
        "events.csv",
        HEADER
        + (
            "e1,TN1,,InTransit,,2025-03-02T09:00:00+09:00,,\n"
            "e2,TN404,,InTransit,,2025-03-02T09:00:00+09:00,,\n"
        ),
    )
    run(path, "--carrier", "cj", "--method", method)

    output = run(path, "--carrier", "cj", "--method", method)

    assert output.startswith("imported 0, duplicates 2, unmatched 0, rejected 0")
    assert TrackingEvent.objects.count() == 2


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("batch_size", ["1", "100"])
def test_out_of_order_events_leave_the_status_of_the_latest_occurred(
    tmp_path, shipment, method, batch_size
):
    path = write(
        tmp_path,
        "events.csv",
        HEADER
        + (
            "e3,TN1,,Delivered,,2025-03-03T15:00:00+09:00,,\n"
            "e1,TN1,,InTransit,,2025-03-02T09:00:00+09:00,,\n"
            "e2,TN1,,OutForDelivery,,2025-03-03T08:00:00+09:00,,\n"
        ),
    )

    run(path, "--carrier", "cj", "--method", method, "--batch-size", batch_size)

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.delivered_at.isoformat() == "2025-03-03T06:00:00+00:00"
    assert shipment.shipped_at.isoformat() == "2025-03-02T00:00:00+00:00"


@pytest.mark.parametrize("method", METHODS)
def test_recycled_numbers_match_by_order_reference_else_the_newest_shipment(
    tmp_path, carrier, method
):
    older = ShipmentFactory(carrier=carrier, tracking_number="TN7", order_reference="ORD-OLD")
    newer = ShipmentFactory(carrier=carrier, tracking_number="TN7", order_reference="ORD-NEW")
    path = write(
        tmp_path,
        "events.csv",
        HEADER
        + (
            "e1,TN7,ORD-OLD,Delivered,,2025-03-01T09:00:00+09:00,,\n"
            "e2,TN7,,OutForDelivery,,2025-03-02T09:00:00+09:00,,\n"
            "e3,TN7,ORD-GONE,InTransit,,2025-03-02T10:00:00+09:00,,\n"
        ),
    )

    output = run(path, "--carrier", "cj", "--method", method)

    assert output.startswith("imported 3, duplicates 0, unmatched 1, rejected 0")
    assert TrackingEvent.objects.get(carrier_event_id="e1").shipment == older
    assert TrackingEvent.objects.get(carrier_event_id="e2").shipment == newer
    assert TrackingEvent.objects.get(carrier_event_id="e3").shipment is None


@pytest.mark.parametrize("method", METHODS)
def test_events_for_unknown_tracking_numbers_are_kept_unmatched(tmp_path, carrier, method):
    path = write(
        tmp_path, "events.csv", HEADER + ("e1,TN404,,InTransit,,2025-03-02T09:00:00+09:00,,\n")
    )

    output = run(path, "--carrier", "cj", "--method", method)

    assert output.startswith("imported 1, duplicates 0, unmatched 1, rejected 0")
    event = TrackingEvent.objects.get()
    assert (event.shipment, event.tracking_number, event.carrier) == (None, "TN404", carrier)


@pytest.mark.parametrize("method", METHODS)
def test_a_carrier_estimate_is_recorded_as_a_revision(tmp_path, shipment, method):
    path = write(
        tmp_path,
        "events.jsonl",
        jsonl(
            {
                "event_id": "e1",
                "tracking_number": "TN1",
                "status": "InTransit",
                "occurred_at": "2025-03-02T09:00:00Z",
                "estimate_start": "2030-01-01T09:00:00Z",
                "estimate_end": "2030-01-02T09:00:00Z",
            },
        ),
    )

    run(path, "--carrier", "cj", "--method", method)

    shipment.refresh_from_db()
    assert shipment.estimate_end.year == 2030
    assert shipment.is_delayed  # the new estimate ends after the promise
    assert EstimateRevision.objects.filter(shipment=shipment).count() == 1


@pytest.mark.parametrize("method", METHODS)
def test_notify_queues_stage_messages_and_the_default_does_not(tmp_path, shipment, method):
    first = write(tmp_path, "first.csv", HEADER + "e1,TN1,,InTransit,,2025-03-02T09:00:00Z,,\n")
    second = write(tmp_path, "second.csv", HEADER + "e2,TN1,,Delivered,,2025-03-03T09:00:00Z,,\n")

    run(first, "--carrier", "cj", "--method", method)
    assert not Notification.objects.exists()

    output = run(second, "--carrier", "cj", "--method", method, "--notify")

    assert "notifications queued 1" in output
    notification = Notification.objects.get()
    assert (notification.subject_id, notification.stage) == (shipment.pk, "delivered")


def test_only_the_first_rejects_are_listed(tmp_path, carrier):
    rows = "".join(f"e{n},TN1,,Warp,,2025-03-02T09:00:00Z,,\n" for n in range(30))
    path = write(tmp_path, "events.csv", HEADER + rows)

    output = run(path, "--carrier", "cj", "--batch-size", "7")

    lines = output.splitlines()
    assert lines[0] == "imported 0, duplicates 0, unmatched 0, rejected 30"
    assert len(lines) == 1 + REJECTS_SHOWN + 1
    assert lines[1] == "  line 2: status: unknown carrier status 'Warp'"
    assert lines[-1] == "  … and 10 more rejected rows"


def test_fail_on_reject_stores_the_good_rows_and_exits_with_an_error(tmp_path, shipment):
    path = write(
        tmp_path,
        "events.csv",
        HEADER + ("e1,TN1,,InTransit,,2025-03-02T09:00:00Z,,\ne2,TN1,,InTransit,,soon,,\n"),
    )

    with pytest.raises(CommandError, match="1 rows rejected"):
        run(path, "--carrier", "cj", "--fail-on-reject")

    assert TrackingEvent.objects.count() == 1


def test_a_row_with_an_unknown_carrier_is_rejected(tmp_path, shipment):
    path = write(
        tmp_path,
        "events.csv",
        "carrier,"
        + HEADER
        + (
            "cj,e1,TN1,,InTransit,,2025-03-02T09:00:00Z,,\n"
            "ups,e2,TN1,,InTransit,,2025-03-02T09:00:00Z,,\n"
            ",e3,TN1,,InTransit,,2025-03-02T09:00:00Z,,\n"
        ),
    )

    output = run(path)

    assert output.splitlines() == [
        "imported 1, duplicates 0, unmatched 0, rejected 2",
        "  line 3: carrier: unknown carrier 'ups'",
        "  line 4: carrier: is required (a carrier column or --carrier)",
    ]


def test_a_missing_file_is_a_command_error(tmp_path, carrier):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nothere.csv", "--carrier", "cj")


def test_an_unknown_carrier_option_is_a_command_error(tmp_path, carrier):
    path = write(tmp_path, "events.csv", HEADER)

    with pytest.raises(CommandError, match="unknown carrier 'dhl' \\(known: cj\\)"):
        run(path, "--carrier", "dhl")


def test_a_header_missing_a_column_is_a_command_error(tmp_path, carrier):
    path = write(tmp_path, "events.csv", "event_id,tracking_number,status,ocurred_at\n")

    with pytest.raises(CommandError, match="the CSV header lacks occurred_at"):
        run(path, "--carrier", "cj")


def test_a_header_without_carrier_needs_the_carrier_option(tmp_path, carrier):
    path = write(tmp_path, "events.csv", HEADER)

    with pytest.raises(CommandError, match="the CSV header lacks carrier"):
        run(path)


def test_an_unknown_extension_needs_the_format_option(tmp_path, carrier):
    path = write(tmp_path, "events.txt", HEADER + "e1,TN1,,InTransit,,2025-03-02T09:00:00Z,,\n")

    with pytest.raises(CommandError, match="--format csv\\|jsonl"):
        run(path, "--carrier", "cj")
    assert run(path, "--carrier", "cj", "--format", "csv").startswith("imported 1")


def test_a_file_that_is_not_utf8_is_a_command_error(tmp_path, carrier):
    path = tmp_path / "events.csv"
    path.write_bytes("event_id,tracking_number,status,occurred_at\n".encode("utf-16"))

    with pytest.raises(CommandError, match="line 1: cannot be decoded as UTF-8"):
        run(path, "--carrier", "cj")


def test_an_undecodable_line_stops_the_import_after_storing_the_rows_before_it(tmp_path, shipment):
    good = "".join(f"e{n},TN1,,InTransit,,2025-03-02T09:00:00Z,,\n" for n in range(5))
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER.encode() + good.encode() + b"e9,TN1,,\xff\xfe,,x,,\n")

    with pytest.raises(CommandError, match="line 7: cannot be decoded as UTF-8.*re-run"):
        run(path, "--carrier", "cj", "--batch-size", "2")

    assert TrackingEvent.objects.count() == 5


def test_line_numbers_stay_right_across_read_blocks_and_quoted_line_breaks(
    tmp_path, shipment, monkeypatch
):
    from apps.shipments.imports import files

    monkeypatch.setattr(files, "_BLOCK", 40)  # many blocks, some cutting a row or a line
    path = tmp_path / "events.csv"
    path.write_bytes(
        HEADER.encode()
        + b'e1,TN1,,InTransit,,2025-03-02T09:00:00Z,Seoul,"two\nlines"\n'  # lines 2-3
        + b"e2,TN1,,InTransit,,nope,,\n"  # line 4
        + "e3,TN1,,InTransit,,2025-03-02T10:00:00Z,서울,\n".encode()  # line 5
        + b"e4,TN1,,InTransit,,later,,\n"  # line 6
        + b"e5,TN1,,\xff,,x,,\n"  # line 7
    )

    with pytest.raises(CommandError, match="line 7: cannot be decoded as UTF-8"):
        run(path, "--carrier", "cj")

    assert TrackingEvent.objects.get(carrier_event_id="e1").message == "two\nlines"
    assert TrackingEvent.objects.get(carrier_event_id="e3").location == "서울"
    output = StringIO()
    with pytest.raises(CommandError):
        call_command("import_tracking", str(path), "--carrier", "cj", "--no-progress",
                     stdout=output, stderr=StringIO())
    assert output.getvalue().splitlines()[1:] == [
        "  line 4: occurred_at: must be an ISO 8601 date and time",
        "  line 6: occurred_at: must be an ISO 8601 date and time",
    ]


def test_a_byte_order_mark_and_windows_line_ends_are_read(tmp_path, shipment):
    path = tmp_path / "events.csv"
    text = HEADER + "e1,TN1,,InTransit,,2025-03-02T09:00:00Z,,\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())

    assert run(path, "--carrier", "cj").startswith("imported 1, duplicates 0")


@pytest.mark.postgres
def test_the_copy_path_is_what_postgresql_uses_by_default(tmp_path, shipment):
    from django.db import connection

    path = write(tmp_path, "events.csv", HEADER + "e1,TN1,,InTransit,,2025-03-02T09:00:00Z,,\n")

    assert run(path, "--carrier", "cj").startswith("imported 1")
    # Inside the test's transaction the batches run on this connection: COPY made its staging.
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_temp.tracking_events_staging')")
        assert cursor.fetchone()[0] is not None


@pytest.mark.postgres
def test_the_copy_path_keeps_text_that_needs_escaping(tmp_path, shipment):
    message = 'tab\there, back\\slash, "quote", 한글, newline\nafter'
    path = write(
        tmp_path,
        "events.jsonl",
        jsonl(
            {
                "event_id": "e1",
                "tracking_number": "TN1",
                "status": "InTransit",
                "occurred_at": "2025-03-02T09:00:00Z",
                "message": message,
                "extra": {"nested": [1, "\\N"]},
            },
        ),
    )

    run(path, "--carrier", "cj", "--method", "copy")

    event = TrackingEvent.objects.get()
    assert event.message == message
    assert event.payload == {"extra": {"nested": [1, "\\N"]}}


def test_shipments_not_touched_by_the_file_are_left_alone(tmp_path, shipment):
    untouched = ShipmentFactory(carrier=shipment.carrier, status=ShipmentStatus.IN_TRANSIT)
    before = Shipment.objects.values().get(pk=untouched.pk)
    path = write(tmp_path, "events.csv", HEADER + "e1,TN1,,Delivered,,2025-03-02T09:00:00Z,,\n")

    run(path, "--carrier", "cj")

    assert Shipment.objects.values().get(pk=untouched.pk) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_committed_batches_are_stored_by_writer_threads_and_a_rerun_skips_them(tmp_path):
    # Outside a test transaction the COPY path stores each batch in its own committed
    # transaction, on writer threads with their own connections.
    carrier = CarrierFactory(code="cj")
    shipment = ShipmentFactory(carrier=carrier, tracking_number="TN1", order_reference="ORD-1")
    rows = "".join(
        f"e{n},TN{n % 3},,InTransit,,2025-03-02T{n % 24:02d}:00:00Z,,\n" for n in range(50)
    )
    rows += "e99,TN1,,Delivered,,2025-03-04T09:00:00Z,,\n"
    path = write(tmp_path, "events.csv", HEADER + rows)

    first = run(path, "--carrier", "cj", "--batch-size", "7")
    second = run(path, "--carrier", "cj", "--batch-size", "7")

    assert first.startswith("imported 51, duplicates 0, unmatched 33, rejected 0")
    assert second.startswith("imported 0, duplicates 51, unmatched 0, rejected 0")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.events.count() == 18


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_stops_the_import_with_the_earlier_batches_kept(tmp_path, monkeypatch):
    from apps.shipments.services import events as ingest

    carrier = CarrierFactory(code="cj")
    ShipmentFactory(carrier=carrier, tracking_number="TN1", order_reference="ORD-1")
    calls = []
    real = ingest.history_apply

    def history_apply_failing_on_the_third_batch(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(ingest, "history_apply", history_apply_failing_on_the_third_batch)
    rows = "".join(f"e{n},TN1,,InTransit,,2025-03-02T09:{n:02d}:00Z,,\n" for n in range(20))
    path = write(tmp_path, "events.csv", HEADER + rows)

    with pytest.raises(RuntimeError, match="database went away"):
        run(path, "--carrier", "cj", "--batch-size", "2", "--writers", "1")

    # Whole batches only: the first two (4 events) committed, nothing of the third.
    assert TrackingEvent.objects.count() == 4


@pytest.mark.postgres
def test_the_copy_path_runs_the_same_queries_for_one_shipment_or_many(tmp_path, carrier):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count: int, prefix: str) -> int:
        shipments = [
            ShipmentFactory(carrier=carrier, tracking_number=f"{prefix}{n}") for n in range(count)
        ]
        rows = "".join(
            f"{prefix}e{n},{shipment.tracking_number},,InTransit,,2025-03-02T09:00:00Z,,\n"
            for n, shipment in enumerate(shipments)
        )
        path = write(tmp_path, f"{prefix}.csv", HEADER + rows)
        with CaptureQueriesContext(connection) as captured:
            run(path, "--carrier", "cj", "--method", "copy")
        return len(captured)

    # A relation the fold read per shipment (or a field it did not load) would cost a query each.
    assert queries_for(1, "A") == queries_for(12, "B")
