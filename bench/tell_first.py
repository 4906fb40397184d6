"""Tell first: one simulated delivery day for 10k parcels, 8% of them late for mixed reasons.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delaydesk .venv/bin/python bench/tell_first.py

Events arrive through the signed webhook (in-process client, the full Django stack), the promise
watch runs every 5 simulated minutes, due notifications are sent every simulated minute and right
after each commit, quiet hours (21:00-08:00 Seoul) are on. Simulated time is the only clock the
project reads (django.utils.timezone.now is patched).

Prints the share of delayed customers told before their promise broke (for carrier exceptions:
within 5 minutes of the event), the median delay from detection to message in simulated
minutes, and duplicate messages. Targets: >= 95% told first, median <= 5 min outside quiet hours,
0 duplicates. The baseline is a desk that only forwards carrier exception scans.
"""

import argparse
import json
import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from common import bench_database, django_setup, figure

SEOUL = ZoneInfo("Asia/Seoul")
KINDS = (
    ["on_time"] * 92 + ["weather"] * 2 + ["stuck"] * 2 + ["slow"] * 2 + ["revised"] + ["unpicked"]
)


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


def plan(rng: random.Random, index: int, day0: datetime):
    """(kind, promised_end, [(time, event dict)]) for one parcel."""
    kind = rng.choice(KINDS)
    pickup = day0 + timedelta(hours=9 + rng.random() * 9)
    # Korean standard parcel terms: two days from pickup, by the end of that day.
    promised_end = (pickup + timedelta(days=2)).replace(hour=23, minute=59, second=0)
    number = f"T{index:08d}"
    day2 = promised_end.replace(hour=0, minute=0)
    events = []

    def add(at, status, **extra):
        events.append(
            (
                at,
                {
                    "event_id": f"{number}-{len(events)}",
                    "tracking_number": number,
                    "status": status,
                    "occurred_at": at.isoformat(),
                    **extra,
                },
            )
        )

    if kind == "unpicked":
        add(pickup - timedelta(hours=1), "InfoReceived")
        add(day2 + timedelta(hours=30), "InTransit")
        add(day2 + timedelta(hours=40), "Delivered")
        return kind, promised_end, number, events
    add(pickup, "InfoReceived")
    add(pickup + timedelta(hours=3), "InTransit")
    if kind == "stuck":
        add(pickup + timedelta(hours=70), "InTransit")
        add(pickup + timedelta(hours=80), "Delivered")
        return kind, promised_end, number, events
    add(pickup + timedelta(hours=10), "InTransit", location="Daejeon Hub")
    if kind == "weather":
        add(
            pickup + timedelta(hours=14 + rng.random() * 10),
            "Exception",
            substatus="Exception_017",
            message="Typhoon: hub closed",
        )
        add(day2 + timedelta(hours=33), "OutForDelivery")
        add(day2 + timedelta(hours=37), "Delivered")
    elif kind == "slow":
        add(day2 + timedelta(hours=11), "InTransit", location="Sub terminal")
        add(day2 + timedelta(hours=33), "OutForDelivery")
        add(day2 + timedelta(hours=38), "Delivered")
    elif kind == "revised":
        add(
            pickup + timedelta(hours=16),
            "InTransit",
            location="Sorting error",
            estimate_start=(day2 + timedelta(days=1, hours=9)).isoformat(),
            estimate_end=(day2 + timedelta(days=1, hours=21)).isoformat(),
        )
        add(day2 + timedelta(hours=34), "OutForDelivery")
        add(day2 + timedelta(hours=39), "Delivered")
    else:
        add(day2 + timedelta(hours=8 + rng.random() * 2), "OutForDelivery")
        add(day2 + timedelta(hours=11 + rng.random() * 8), "Delivered")
    return kind, promised_end, number, events


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    database_url = bench_database("delaydesk_bench_tell_first")
    django_setup(database_url)
    from django.conf import settings
    from django.core import mail
    from django.test import Client
    from django_q.conf import Conf

    from apps.notifications.models import Notification
    from apps.notifications.services import notifications_dispatch_due
    from apps.shipments.models import Carrier, Customer, Shipment
    from apps.shipments.signing import secret_generate, signature_headers
    from apps.shipments.watch import delays_sweep

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    Conf.SYNC = True  # the worker picks a dispatch up as soon as the webhook commits

    rng = random.Random(args.seed)
    day0 = datetime(2026, 11, 23, tzinfo=SEOUL)  # a Monday
    secret = secret_generate()
    carrier = Carrier.objects.create(
        code="sim", name="Sim Express", country="KR", webhook_secret=secret
    )
    customers = Customer.objects.bulk_create(
        [Customer(name=f"고객 {n}", email=f"c{n}@sim.example", language="ko") for n in range(500)]
    )
    plans, timeline = {}, defaultdict(list)
    shipments = []
    for index in range(args.shipments):
        kind, promised_end, number, events = plan(rng, index, day0)
        plans[number] = (kind, promised_end, events)
        shipments.append(
            Shipment(
                carrier=carrier,
                tracking_number=number,
                order_reference=f"O{index}",
                customer=customers[index % len(customers)],
                promised_start=promised_end - timedelta(hours=14),
                promised_end=promised_end,
                shipping_fee=3000,
                order_value=30000,
            )
        )
        for at, event in events:
            timeline[int((at - day0).total_seconds() // 60)].append(event)
    Shipment.objects.bulk_create(shipments, batch_size=2000)

    client = Client(HTTP_HOST="localhost")
    clock = Clock(day0)
    minutes = 5 * 24 * 60
    with mock.patch("django.utils.timezone.now", clock):
        for minute in range(minutes):
            clock.now = (day0 + timedelta(minutes=minute)).astimezone(UTC)
            due = timeline.get(minute, [])
            for start in range(0, len(due), 1000):
                body = json.dumps(due[start : start + 1000]).encode()
                headers = signature_headers(
                    secret=secret,
                    body=body,
                    webhook_id=f"sim-{minute}-{start}",
                    at=datetime.now(UTC),
                )
                response = client.post(
                    "/api/v1/webhooks/tracking/sim/",
                    body,
                    content_type="application/json",
                    headers=headers,
                )
                assert response.status_code == 200, response.content
            if minute % 5 == 0:
                delays_sweep(now=clock.now)
            notifications_dispatch_due(now=clock.now)

    told = {}
    for subject_id, sent_at in Notification.objects.filter(
        stage__in=["delayed", "exception"], status="sent"
    ).values_list("subject_id", "sent_at"):
        told[subject_id] = min(told.get(subject_id, sent_at), sent_at)
    late = [s for s in Shipment.objects.all() if plans[s.tracking_number][0] != "on_time"]
    first, delays, baseline_first = 0, [], 0
    for shipment in late:
        kind, promised_end, events = plans[shipment.tracking_number]
        deadline = promised_end
        if kind == "weather":
            exception_at = next(at for at, e in events if e["status"] == "Exception")
            deadline = min(deadline, exception_at + timedelta(minutes=5))
        at = told.get(shipment.pk)
        if at is not None and at <= deadline:
            first += 1
        if at is not None and shipment.delay_detected_at:
            local = shipment.delay_detected_at.astimezone(SEOUL)
            if kind == "weather" and at is not None and at <= deadline:
                baseline_first += 1
            if 8 <= local.hour < 21:
                delays.append((at - shipment.delay_detected_at).total_seconds() / 60)
    keys = Counter(message.extra_headers.get("Idempotency-Key") for message in mail.outbox)
    duplicates = sum(count - 1 for count in keys.values() if count > 1)
    late_kinds = Counter(plans[s.tracking_number][0] for s in late)
    print(
        f"bench: {args.shipments:,} parcels, {len(late)} late {dict(late_kinds)}; "
        f"{len(mail.outbox):,} emails sent; told first {first}/{len(late)}"
    )
    share = 100 * first / len(late) if late else 100.0
    # Baseline: a desk that only forwards carrier exception scans, without a promise watch.
    figure(
        "told_first_share", share, "%", baseline=100 * baseline_first / max(1, len(late)), target=95
    )
    median = statistics.median(delays) if delays else float("nan")
    figure("detection_to_message_median", median, "min", baseline=0.0, target=5, op="<=")
    figure("duplicate_messages", duplicates, "messages", baseline=0.0, target=0, op="<=")


if __name__ == "__main__":
    main()
