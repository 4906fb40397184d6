"""Tracking events in: the signed webhook under gunicorn, and the bulk import command.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delaydesk .venv/bin/python bench/ingest.py

Prints events/s for (1) 100k events posted in batches of 1,000 through the real HTTP endpoint
served by gunicorn, (2) the same 100k re-posted (0 rows added, every response 2xx), (3) 1M events
imported with `manage.py import_tracking`, each beside a plain psycopg COPY of the same rows into
the same table in the same run; and the import's peak memory for 1M rows against 100k rows.
Options: --events N (webhook, default 100000), --import-rows N (default 1000000), --skip-import.
"""

import argparse
import csv
import http.client
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import ROOT, bench_database, django_setup, figure, gunicorn, server_env

BATCH = 1000
STATUSES = ["InfoReceived", "InTransit", "InTransit", "OutForDelivery", "Delivered"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--skip-import", action="store_true")
    return parser.parse_args()


def make_shipments(carrier, count: int, prefix: str):
    """Shipments with customers, written with COPY (set-up, not measured)."""
    from django.db import connection

    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            customers = max(1, count // 50)
            with cur.copy(
                "COPY shipments_customer (name, email, phone, language, time_zone, channel, "
                "created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(customers):
                    copy.write_row(
                        (
                            f"Bench {prefix}{n}",
                            f"{prefix}{n}@bench.example",
                            "",
                            "ko" if n % 2 else "en",
                            "Asia/Seoul",
                            "email",
                            now,
                            now,
                        )
                    )
            cur.execute(
                "SELECT min(id) FROM shipments_customer WHERE email LIKE %s",
                [f"{prefix}%@bench.example"],
            )
            first_customer = cur.fetchone()[0]
            with cur.copy(
                "COPY shipments_shipment (carrier_id, tracking_number, order_reference, "
                "customer_id, service_level, destination_city, destination_postal_code, "
                "destination_country, destination_time_zone, currency, shipping_fee, order_value, "
                "promise_type, promised_start, promised_end, estimate_source, status, raw_status, "
                "is_delayed, delay_reason, delay_hours, delay_business_days, created_at, "
                "updated_at) FROM STDIN"
            ) as copy:
                for n in range(count):
                    copy.write_row(
                        (
                            carrier.pk,
                            f"{prefix}{n:09d}",
                            f"O{prefix}{n}",
                            first_customer + n % customers,
                            "standard",
                            "Seoul",
                            "04524",
                            "KR",
                            "Asia/Seoul",
                            "KRW",
                            3000,
                            30000,
                            "estimated",
                            now + timedelta(days=1),
                            now + timedelta(days=3),
                            "",
                            "pending",
                            "",
                            False,
                            "",
                            0,
                            0,
                            now,
                            now,
                        )
                    )


def event_rows(prefix: str, count: int, id_prefix: str):
    """Events for shipments prefix000000000.. : five per parcel, in occurred order."""
    start = datetime.now(UTC) - timedelta(days=2)
    for n in range(count):
        parcel, step = divmod(n, len(STATUSES))
        yield {
            "event_id": f"{id_prefix}{n}",
            "tracking_number": f"{prefix}{parcel:09d}",
            "status": STATUSES[step],
            "occurred_at": (start + timedelta(minutes=parcel % 600, hours=step * 6)).isoformat(),
            "location": "Seoul Hub",
        }


def post_all(
    port: int,
    carrier_code: str,
    secret: str,
    batches: list[list[dict]],
    clients: int,
    delivery_prefix: str,
):
    from apps.shipments.signing import signature_headers

    bodies = [json.dumps(batch).encode() for batch in batches]
    statuses, created = [], []
    lock = threading.Lock()
    queue = list(enumerate(bodies))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                index, body = queue.pop()
            headers = signature_headers(
                secret=secret, body=body, webhook_id=f"{delivery_prefix}-{index}"
            )
            headers["Content-Type"] = "application/json"
            conn.request("POST", f"/api/v1/webhooks/tracking/{carrier_code}/", body, headers)
            response = conn.getresponse()
            payload = response.read()
            with lock:
                statuses.append(response.status)
                if response.status == 200:
                    created.append(json.loads(payload)["created"])
                else:
                    print(f"  response {response.status}: {payload[:200]!r}", file=sys.stderr)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, statuses, sum(created)


def copy_rows(carrier, rows, id_prefix: str) -> float:
    """Baseline: a plain psycopg COPY of the same rows into the same table; then removed."""
    from django.db import connection

    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            started = time.perf_counter()
            with cur.copy(
                "COPY shipments_trackingevent (carrier_id, tracking_number, carrier_event_id, "
                "raw_status, raw_substatus, status, delay_reason, message, location, occurred_at, "
                "received_at, payload) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(
                        (
                            carrier.pk,
                            row["tracking_number"],
                            id_prefix + row["event_id"],
                            row["status"],
                            "",
                            "in_transit",
                            "",
                            "",
                            row["location"],
                            row["occurred_at"],
                            now,
                            "{}",
                        )
                    )
            raw.commit()
            elapsed = time.perf_counter() - started
            cur.execute(
                "DELETE FROM shipments_trackingevent WHERE carrier_event_id LIKE %s",
                [id_prefix + "%"],
            )
            raw.commit()
    return elapsed


def write_csv(path: Path, rows) -> int:
    count = 0
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["event_id", "tracking_number", "status", "occurred_at", "location"]
        )
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def run_import(database_url: str, path: Path) -> tuple[float, int, str]:
    """Run the import command in a child; returns (seconds, peak RSS in KiB, its output)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "import_tracking",
            str(path),
            "--carrier",
            "bench",
            "--no-progress",
        ],
        cwd=ROOT,
        env=server_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = io.BytesIO()
    for chunk in iter(lambda: process.stdout.read(4096), b""):
        output.write(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = output.getvalue().decode(errors="replace")
    if process.returncode != 0:
        sys.exit(f"import_tracking failed:\n{text}")
    return elapsed, usage.ru_maxrss, text


def main():
    args = parse_args()
    database_url = bench_database("delaydesk_bench_ingest")
    django_setup(database_url)
    from apps.shipments.models import Carrier, TrackingEvent
    from apps.shipments.signing import secret_generate

    secret = secret_generate()
    carrier = Carrier.objects.create(
        code="bench", name="Bench Express", country="KR", webhook_secret=secret
    )
    parcels = args.events // len(STATUSES)
    make_shipments(carrier, parcels, "W")
    rows = list(event_rows("W", args.events, "w"))
    batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
    print(
        f"bench: {len(rows):,} events for {parcels:,} parcels, {len(batches)} batches, "
        f"{args.clients} clients, gunicorn {args.workers} workers",
        flush=True,
    )

    copy_seconds = copy_rows(carrier, rows, "copy-")
    copy_rate = len(rows) / copy_seconds
    with gunicorn(database_url, workers=args.workers) as port:
        seconds, statuses, created = post_all(port, "bench", secret, batches, args.clients, "a")
        rate = len(rows) / seconds
        stored = TrackingEvent.objects.filter(carrier=carrier).count()
        ok = all(200 <= s < 300 for s in statuses) and stored == len(rows) == created
        print(
            f"bench: webhook stored {stored:,} rows, created {created:,}, "
            f"responses {sorted(set(statuses))}, {'ok' if ok else 'WRONG'}"
        )
        figure("webhook_ingest", rate, "events/s", baseline=copy_rate, target=5000)

        seconds, statuses, created = post_all(port, "bench", secret, batches, args.clients, "b")
        after = TrackingEvent.objects.filter(carrier=carrier).count()
        all_2xx = all(200 <= s < 300 for s in statuses)
        print(
            f"bench: re-post added {after - stored} rows, created {created}, "
            f"all responses 2xx: {all_2xx}"
        )
        figure(
            "webhook_repost_rows_added", after - stored, "rows", baseline=stored, target=0, op="<="
        )

    if args.skip_import:
        return
    import_parcels = args.import_rows // len(STATUSES)
    make_shipments(carrier, import_parcels, "I")
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "events-small.csv"
        large = Path(folder) / "events-large.csv"
        small_count = write_csv(small, event_rows("I", args.import_rows // 10, "s"))
        large_count = write_csv(large, event_rows("I", args.import_rows, "l"))
        small_seconds, small_rss, _ = run_import(database_url, small)
        copy_seconds = copy_rows(carrier, event_rows("I", args.import_rows, "l"), "copy-")
        large_seconds, large_rss, output = run_import(database_url, large)
        print("bench: import said: " + output.strip().splitlines()[-1] if output.strip() else "")
        copy_rate = large_count / copy_seconds
        figure(
            "import_tracking",
            large_count / large_seconds,
            "events/s",
            baseline=copy_rate,
            target=0.40,
            ratio_target=True,
        )
        print(f"bench: import of {small_count:,} rows took {small_seconds:.1f} s")
        figure(
            "import_peak_rss_1m_vs_100k",
            large_rss / 1024,
            "MiB",
            baseline=small_rss / 1024,
            target=1.2,
            op="<=",
            ratio_target=True,
        )


if __name__ == "__main__":
    main()
