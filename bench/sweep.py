"""Promise watch over 1M shipments: one full sweep, then a sweep with nothing new.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delaydesk .venv/bin/python bench/sweep.py

Data: N shipments (default 1,000,000), 10% in flight, of which 10,000 have just passed their
promised window unflagged. Each sweep is printed beside a hand-written SQL query that finds the
same rows (the baseline). Targets: full sweep <= 1 s, sweep with nothing new <= 50 ms.
"""

import argparse
import os
import time
from datetime import UTC, datetime, timedelta

from common import bench_database, django_setup, figure

FIND_SQL = (
    "SELECT id FROM shipments_shipment WHERE status NOT IN ('delivered', 'returned', 'lost') "
    "AND NOT is_delayed AND promised_end < %s"
)


def build(carrier_id: int, total: int, in_flight: int, newly_late: int) -> None:
    from django.db import connection

    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            customers = total // 20
            with cur.copy(
                "COPY shipments_customer (name, email, phone, language, time_zone, channel, "
                "created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(customers):
                    copy.write_row(
                        (
                            f"Sweep {n}",
                            f"s{n}@bench.example",
                            "",
                            "ko",
                            "Asia/Seoul",
                            "email",
                            now,
                            now,
                        )
                    )
            cur.execute("SELECT min(id) FROM shipments_customer")
            first = cur.fetchone()[0]
            with cur.copy(
                "COPY shipments_shipment (carrier_id, tracking_number, order_reference, "
                "customer_id, service_level, destination_city, destination_postal_code, "
                "destination_country, destination_time_zone, currency, shipping_fee, order_value, "
                "promise_type, promised_start, promised_end, estimate_source, status, raw_status, "
                "last_event_at, delivered_at, is_delayed, delay_reason, delay_hours, "
                "delay_business_days, created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(total):
                    moving = n < in_flight
                    late = n < newly_late
                    promised_end = (
                        now - timedelta(hours=2)
                        if late
                        else (
                            now + timedelta(days=1 + n % 3) if moving else now - timedelta(days=5)
                        )
                    )
                    copy.write_row(
                        (
                            carrier_id,
                            f"S{n:010d}",
                            f"O{n}",
                            first + n % customers,
                            "standard",
                            "Seoul",
                            "04524",
                            "KR",
                            "Asia/Seoul",
                            "KRW",
                            3000,
                            30000,
                            "estimated",
                            promised_end - timedelta(days=1),
                            promised_end,
                            "",
                            "in_transit" if moving else "delivered",
                            "",
                            now - timedelta(hours=1) if moving else now - timedelta(days=6),
                            None if moving else now - timedelta(days=6),
                            False,
                            "",
                            0,
                            0,
                            now,
                            now,
                        )
                    )
            cur.execute("ANALYZE shipments_shipment")
        raw.commit()


def timed_sql(now) -> tuple[float, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(FIND_SQL, [now])
        rows = cursor.fetchall()
        return time.perf_counter() - started, len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--newly-late", type=int, default=10_000)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", "delaydesk_bench_sweep"),
        help="database to (re)create for the run (default: $BENCH_DATABASE or %(default)s)",
    )
    args = parser.parse_args()
    database_url = bench_database(args.database)
    django_setup(database_url)
    from django.utils import timezone

    from apps.shipments.models import Carrier, Shipment
    from apps.shipments.watch import delays_sweep

    carrier = Carrier.objects.create(code="bench", name="Bench Express", country="KR")
    started = time.perf_counter()
    build(carrier.pk, args.shipments, args.shipments // 10, args.newly_late)
    print(f"bench: built {args.shipments:,} shipments in {time.perf_counter() - started:.0f} s")

    now = timezone.now()
    sql_seconds, sql_rows = timed_sql(now)
    started = time.perf_counter()
    result = delays_sweep(now=now)
    sweep_seconds = time.perf_counter() - started
    flagged = Shipment.objects.filter(is_delayed=True).count()
    print(
        f"bench: SQL found {sql_rows:,}; sweep flagged {result.total_flagged:,} "
        f"({result.flagged}), delayed now {flagged:,}"
    )
    figure(
        "sweep_full", sweep_seconds * 1000, "ms", baseline=sql_seconds * 1000, target=1000, op="<="
    )

    later = now + timedelta(seconds=30)
    sql_seconds, sql_rows = timed_sql(later)
    started = time.perf_counter()
    result = delays_sweep(now=later)
    idle_seconds = time.perf_counter() - started
    print(f"bench: second sweep flagged {result.total_flagged}, SQL found {sql_rows}")
    figure(
        "sweep_nothing_new",
        idle_seconds * 1000,
        "ms",
        baseline=sql_seconds * 1000,
        target=50,
        op="<=",
    )


if __name__ == "__main__":
    main()
