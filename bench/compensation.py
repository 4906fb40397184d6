"""Compensation: propose offers for 100k delays against 50 rules, and preview one rule change.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delaydesk .venv/bin/python bench/compensation.py

Data (COPY): N delayed shipments (default 100,000) detected in the last 30 days — five carriers,
three service levels and promise types, every delay reason (so every fault), KRW fares and
order values with some USD orders — for 30k customers, plus 20k older delays (31–90 days ago)
already compensated, so "at most N earlier grants" has something to count. 50 rules: the shipped
presets, tiered goodwill tables per service level, carrier-specific variants, order-value
coupons with per-order caps, exemptions, repeat-customer limits, USD rules, and a few switched
off or outside their dates. A budget large enough for everything.

Figures:
1. propose_bulk: services.offers_propose_bulk over all N delays (evaluation, explanations,
   budget reservation, batched writes of offers and events by COPY, issue tasks queued), in
   offers stored per second, with its default batch (services.PROPOSE_BATCH shipments a
   transaction). Baseline: the pure engine — evaluate() over the same facts held in memory,
   no database, no explanations — in offers per second: the ceiling of evaluation alone.
   Target >= 5,000 offers/s.
2. rule_preview: preview.rule_preview of one edit (standard terms 50% → 60% a day, the rule that
   matches the most delays, so nearly every delay is evaluated twice) over 30 days.
   Baseline: one hand-written SQL aggregate of that rule alone over the same delays (per carrier
   and currency): the floor for reading the window. Target <= 5 s.
"""

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from common import bench_database, django_setup, figure

CARRIERS = [
    ("cj", "CJ Logistics"),
    ("hanjin", "Hanjin"),
    ("lotte", "Lotte Global"),
    ("post", "Korea Post"),
    ("logen", "Logen"),
]
LEVELS = ["standard"] * 7 + ["express"] * 2 + ["same_day"]
PROMISES = ["estimated"] * 7 + ["guaranteed"] * 2 + ["needed_by"]
REASONS = (
    ["capacity"] * 6
    + ["sorting_error"] * 3
    + ["vehicle", "lost", "damaged", "no_scan", "no_scan"]
    + ["retailer"] * 2
    + ["not_home", "wrong_address", "customs", "weather", "weather", "force_majeure"]
    + ["window_passed"] * 4
    + ["estimate_late", "unknown"]
)
FEES = [Decimal(f) for f in (2500, 3000, 3000, 3500, 4000, 5000, 6000)]
ORDERS = [Decimal(v) for v in (12000, 25000, 25000, 40000, 60000, 90000, 160000, 320000)]
USD_ORDERS = [Decimal(v) for v in ("19.90", "45.00", "120.00", "380.00")]
USD_FEES = [Decimal(f) for f in ("4.99", "7.50", "9.90", "14.00")]

PREVIEW_SQL = """
SELECT carrier_id, currency, count(*),
       sum(least(round(shipping_fee * greatest(delay_business_days, 1) * 0.60), shipping_fee * 2))
FROM shipments_shipment
WHERE delay_detected_at >= %s AND delay_detected_at <= %s AND delay_reason <> ''
  AND currency = 'KRW' AND delay_hours > 0 AND delay_business_days >= 1
  AND delay_reason NOT IN ('weather', 'force_majeure', 'not_home', 'wrong_address')
GROUP BY carrier_id, currency
"""


def rule_specs(carriers: list[int]) -> list[dict]:
    """50 rules. The first five are the presets shipped with the demo (apps/portal/demo)."""
    no_fault_of_carrier = ["force_majeure", "consignee"]
    not_ours = ["carrier", "consignee", "customs", "force_majeure", "unknown"]
    D = Decimal
    specs = [
        {
            "name": "Korean standard parcel terms — needed on a date",
            "preset": "kr_standard_needed_by",
            "priority": 5,
            "min_hours_late": 1,
            "promise_types": ["needed_by"],
            "exempt_faults": no_fault_of_carrier,
            "action": "fare_formula",
            "rate": D("2.00"),
            "cap_fare_multiple": D("2.00"),
        },
        {
            "name": "Korean standard parcel terms — late",
            "preset": "kr_standard_late",
            "priority": 10,
            "min_business_days_late": 1,
            "exempt_faults": no_fault_of_carrier,
            "action": "fare_formula",
            "rate": D("0.50"),
            "cap_fare_multiple": D("2.00"),
            "approval_threshold": D("5000"),
        },
        {
            "name": "Retail guarantee — shipping fee refund",
            "preset": "retail_guarantee",
            "priority": 20,
            "stacking_group": "guarantee",
            "min_hours_late": 1,
            "promise_types": ["guaranteed"],
            "action": "shipping_refund",
            "percent": D("100"),
        },
        {
            "name": "Goodwill coupon — a day late",
            "preset": "goodwill",
            "priority": 50,
            "stacking_group": "goodwill",
            "min_hours_late": 24,
            "max_hours_late": 71,
            "max_previous_grants": 2,
            "action": "fixed_coupon",
            "amount": D("2000"),
            "coupon_min_order": D("20000"),
            "approval_threshold": D("5000"),
        },
        {
            "name": "Goodwill coupon — three days late or more",
            "preset": "goodwill",
            "priority": 51,
            "stacking_group": "goodwill",
            "min_hours_late": 72,
            "max_previous_grants": 2,
            "action": "fixed_coupon",
            "amount": D("5000"),
            "coupon_min_order": D("30000"),
            "approval_threshold": D("5000"),
        },
    ]
    # Carrier-specific variants of the standard terms for express parcels (ahead of them).
    for n, carrier in enumerate(carriers):
        specs.append(
            {
                "name": f"Express terms, carrier {carrier}",
                "priority": 8,
                "carrier_id": carrier,
                "service_level": "express",
                "min_hours_late": 1,
                "exempt_faults": no_fault_of_carrier,
                "action": "fare_formula",
                "rate": D("0.75") + D("0.05") * n,
                "cap_fare_multiple": D("3.00"),
            }
        )
    # Tiered goodwill tables: loyalty points by hours late, per service level.
    tiers = [(1, 23, 100), (24, 47, 300), (48, 95, 600), (96, None, 1000)]
    for level, factor in (("standard", 1), ("express", 2), ("same_day", 3)):
        for low, high, points in tiers:
            if level == "standard" and low < 48:
                continue
            specs.append(
                {
                    "name": f"Points {level} {low}h+",
                    "preset": "goodwill",
                    "priority": 60 + low,
                    "stacking_group": "points",
                    "service_level": level,
                    "min_hours_late": low,
                    "max_hours_late": high,
                    "exempt_faults": ["consignee"],
                    "action": "points",
                    "amount": D(points * factor),
                }
            )
    # Order-value coupons with per-order caps, for the best customers.
    for low, high, percent, cap in (
        (D("300000"), None, D("5"), D("25000")),
        (D("150000"), D("299999"), D("3"), D("12000")),
        (D("80000"), D("149999"), D("2"), D("8000")),
    ):
        specs.append(
            {
                "name": f"Order coupon {percent}% from {low}",
                "priority": 70,
                "stacking_group": "order-coupon",
                "min_hours_late": 48,
                "min_order_value": low,
                "max_order_value": high,
                "exempt_faults": no_fault_of_carrier + ["customs"],
                "action": "percent_coupon",
                "percent": percent,
                "per_order_cap": cap,
                "approval_threshold": D("15000"),
            }
        )
    specs += [
        {
            "name": "Same-day credit",
            "priority": 30,
            "stacking_group": "same-day",
            "service_level": "same_day",
            "min_hours_late": 2,
            "action": "store_credit",
            "amount": D("1000"),
            "per_order_cap": D("30000"),
        },
        {
            "name": "Our fault: free shipping",
            "priority": 40,
            "stacking_group": "retailer",
            "min_hours_late": 12,
            "exempt_faults": not_ours,
            "action": "free_shipping",
            "choice_group": "retailer-choice",
        },
        {
            "name": "Our fault: coupon instead",
            "priority": 41,
            "stacking_group": "retailer-alt",
            "min_hours_late": 12,
            "exempt_faults": not_ours,
            "action": "fixed_coupon",
            "amount": D("3000"),
            "choice_group": "retailer-choice",
        },
        {
            "name": "A week late: store credit",
            "priority": 15,
            "stacking_group": "lost",
            "min_hours_late": 168,
            "exempt_faults": no_fault_of_carrier,
            "action": "store_credit",
            "amount": D("10000"),
            "approval_threshold": D("5000"),
        },
        {
            "name": "First delay welcome coupon",
            "priority": 80,
            "stacking_group": "first",
            "min_hours_late": 48,
            "max_previous_grants": 0,
            "exempt_faults": ["force_majeure"],
            "action": "fixed_coupon",
            "amount": D("1000"),
        },
        {
            "name": "USD standard terms",
            "currency": "USD",
            "priority": 10,
            "min_business_days_late": 1,
            "exempt_faults": no_fault_of_carrier,
            "action": "fare_formula",
            "rate": D("0.50"),
            "cap_fare_multiple": D("2.00"),
            "approval_threshold": D("10"),
        },
        {
            "name": "USD goodwill",
            "currency": "USD",
            "priority": 50,
            "stacking_group": "goodwill",
            "min_hours_late": 48,
            "action": "fixed_coupon",
            "amount": D("5.00"),
            "approval_threshold": D("10"),
        },
        {
            "name": "USD guarantee",
            "currency": "USD",
            "priority": 20,
            "stacking_group": "guarantee",
            "promise_types": ["guaranteed"],
            "min_hours_late": 1,
            "action": "shipping_refund",
            "percent": D("100"),
            "approval_threshold": D("10"),
        },
    ]
    # Carrier goodwill for parcels held by the carrier's own mistakes, capped per order.
    for carrier in carriers:
        specs.append(
            {
                "name": f"Carrier {carrier} apology",
                "priority": 55,
                "stacking_group": "carrier-apology",
                "carrier_id": carrier,
                "min_hours_late": 36,
                "exempt_faults": ["force_majeure", "consignee", "customs", "retailer", "unknown"],
                "action": "store_credit",
                "amount": D("1500"),
                "per_order_cap": D("20000"),
            }
        )
    now = datetime.now(UTC)
    specs += [
        {
            "name": "Old winter terms",
            "priority": 9,
            "valid_until": now - timedelta(days=60),
            "action": "fixed_coupon",
            "amount": D("9000"),
        },
        {
            "name": "Next season terms",
            "priority": 9,
            "valid_from": now + timedelta(days=30),
            "action": "fixed_coupon",
            "amount": D("9000"),
        },
        {
            "name": "Retired goodwill",
            "priority": 52,
            "stacking_group": "goodwill",
            "is_active": False,
            "action": "fixed_coupon",
            "amount": D("7000"),
        },
    ]
    while len(specs) < 50:
        n = len(specs)
        specs.append(
            {
                "name": f"Regional tier {n}",
                "priority": 90 + n,
                "stacking_group": "regional",
                "carrier_id": carriers[n % len(carriers)],
                "promise_types": ["estimated"],
                "min_hours_late": 24 * (n % 4 + 1),
                "min_order_value": D("200000"),
                "exempt_faults": no_fault_of_carrier,
                "action": "points",
                "amount": D(200 * (n % 5 + 1)),
            }
        )
    assert len(specs) == 50, len(specs)
    return specs


def build(total: int, older: int, customers: int, carriers: list[int], seed: int = 5) -> None:
    """Customers, delayed shipments and the older compensated delays, with COPY."""
    from django.db import connection

    rng = random.Random(seed)
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            with cur.copy(
                "COPY shipments_customer (name, email, phone, language, time_zone, channel, "
                "created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(customers):
                    language = "ko" if n % 3 else "en"
                    copy.write_row(
                        (
                            f"Comp {n}",
                            f"c{n}@bench.example",
                            "",
                            language,
                            "Asia/Seoul",
                            "email",
                            now,
                            now,
                        )
                    )
            cur.execute("SELECT min(id) FROM shipments_customer")
            first_customer = cur.fetchone()[0]
            with cur.copy(
                "COPY shipments_shipment (carrier_id, tracking_number, order_reference, "
                "customer_id, service_level, destination_city, destination_postal_code, "
                "destination_country, destination_time_zone, currency, shipping_fee, order_value, "
                "promise_type, promised_start, promised_end, estimate_source, status, raw_status, "
                "last_event_at, delivered_at, is_delayed, delay_reason, delay_detected_at, "
                "delay_hours, delay_business_days, delay_measured_at, created_at, updated_at) "
                "FROM STDIN"
            ) as copy:
                for n in range(total + older):
                    if n < total:
                        detected = now - timedelta(seconds=rng.uniform(60, 30 * 86400 - 60))
                    else:
                        detected = now - timedelta(days=rng.uniform(31, 90))
                    usd = rng.random() < 0.05
                    hours = rng.choice(
                        (rng.randint(1, 23), rng.randint(24, 96), rng.randint(1, 240))
                    )
                    promised_end = detected - timedelta(minutes=rng.randint(1, 90))
                    delivered = rng.random() < 0.5
                    copy.write_row(
                        (
                            carriers[n % len(carriers)],
                            f"C{n:010d}",
                            f"CO{n}",
                            first_customer + rng.randrange(customers),
                            rng.choice(LEVELS),
                            "Seoul",
                            "04524",
                            "US" if usd else "KR",
                            "Asia/Seoul",
                            "USD" if usd else "KRW",
                            rng.choice(USD_FEES) if usd else rng.choice(FEES),
                            rng.choice(USD_ORDERS) if usd else rng.choice(ORDERS),
                            rng.choice(PROMISES),
                            promised_end - timedelta(days=1),
                            promised_end,
                            "",
                            "delivered" if delivered else "in_transit",
                            "",
                            detected,
                            detected + timedelta(hours=hours) if delivered else None,
                            True,
                            rng.choice(REASONS),
                            detected,
                            hours,
                            hours // 24,
                            detected,
                            detected - timedelta(days=2),
                            detected,
                        )
                    )
            cur.execute("ANALYZE")
        raw.commit()


def offers_reset(now) -> None:
    """No offers but the older delays' grants (accepted soon after they were found), budgets
    untouched, no tasks queued: the state before each proposing run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE compensation_offerevent, compensation_voucher, compensation_offer, "
            "django_q_ormq"
        )
        cursor.execute(
            "INSERT INTO compensation_offer (shipment_id, stacking_group, choice_group, kind, "
            "currency, amount, reserved, explanation, status, manual_reason, "
            "decision_reason, decided_at, issued_at, responded_at, created_at) "
            "SELECT id, 'delay', '', 'fare_formula', currency, shipping_fee, 0, "
            "'Bench grant', 'accepted', '', '', delay_detected_at, "
            "delay_detected_at + interval '1 hour', delay_detected_at + interval '1 day', "
            "delay_detected_at FROM shipments_shipment WHERE delay_detected_at < %s",
            [now - timedelta(days=30)],
        )
        cursor.execute("UPDATE compensation_budget SET reserved = 0, spent = 0")
        cursor.execute("ANALYZE compensation_offer")


def rules_build(carriers: list[int]) -> None:
    from apps.compensation.models import Budget, CompensationRule

    for spec in rule_specs(carriers):
        CompensationRule.objects.create(**spec)
    from django.utils import timezone

    today = timezone.localdate()
    for currency in ("KRW", "USD"):
        Budget.objects.create(
            name=f"Bench {currency}",
            period_start=today - timedelta(days=1),
            period_end=today + timedelta(days=31),
            currency=currency,
            amount=Decimal("900000000000"),
        )


def engine_only(ids: list[int], now) -> tuple[float, int]:
    """The baseline of figure 1: evaluate() over facts already in memory."""
    from apps.compensation.engine import evaluate
    from apps.compensation.facts import SHIPMENT_FACT_FIELDS, facts_load, rules_in_force
    from apps.shipments.models import Shipment

    rules = rules_in_force(now)
    facts = []
    for start in range(0, len(ids), 1000):
        rows = Shipment.objects.filter(pk__in=ids[start : start + 1000]).values_list(
            *SHIPMENT_FACT_FIELDS
        )
        facts += [row.facts for row in facts_load(list(rows))]
    started = time.perf_counter()
    proposals = sum(len(evaluate(f, rules, now)) for f in facts)
    return time.perf_counter() - started, proposals


def preview_sql(since, until) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(PREVIEW_SQL, [since, until])
        cursor.fetchall()
        return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays", type=int, default=100_000)
    parser.add_argument("--older", type=int, default=20_000, help="compensated, before the window")
    parser.add_argument("--customers", type=int, default=30_000)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", "delaydesk_bench_compensation"),
        help="database to (re)create for the run (default: $BENCH_DATABASE or %(default)s)",
    )
    args = parser.parse_args()
    database_url = bench_database(args.database)
    django_setup(database_url)
    from django.utils import timezone
    from django_q.models import OrmQ

    from apps.compensation import services
    from apps.compensation.models import CompensationRule, OfferEvent
    from apps.compensation.preview import rule_preview
    from apps.shipments.models import Carrier, Shipment

    carriers = [
        Carrier.objects.create(code=code, name=name, country="KR").pk for code, name in CARRIERS
    ]
    started = time.perf_counter()
    build(args.delays, args.older, args.customers, carriers)
    rules_build(carriers)
    print(
        f"bench: built {args.delays:,} delays (+{args.older:,} older, compensated) and "
        f"{CompensationRule.objects.count()} rules in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    now = timezone.now()
    window = Shipment.objects.filter(delay_detected_at__gte=now - timedelta(days=30))
    ids = list(window.order_by("pk").values_list("pk", flat=True))
    offers_reset(now)
    engine_seconds, engine_offers = engine_only(ids, now)
    engine_rate = engine_offers / engine_seconds
    print(
        f"bench: engine alone: {engine_offers:,} offers for {len(ids):,} delays in "
        f"{engine_seconds:.2f} s",
        flush=True,
    )
    # services.offers_propose_bulk is the bulk path (services/proposal_bulk.py): one code path.
    for name, propose in (("propose_bulk", services.offers_propose_bulk),):
        offers_reset(now)
        started = time.perf_counter()
        stored = propose(shipment_ids=ids, now=now)
        seconds = time.perf_counter() - started
        print(
            f"bench: {propose.__module__}.{propose.__name__}: {len(ids):,} delays in "
            f"{seconds:.1f} s ({len(ids) / seconds:,.0f} delays/s), {stored:,} offers, "
            f"{OfferEvent.objects.count():,} events, {OrmQ.objects.count()} issue tasks queued",
            flush=True,
        )
        figure(name, stored / seconds, "offers/s", baseline=engine_rate, target=5000)

    rule = CompensationRule.objects.get(preset="kr_standard_late")
    rule.rate = Decimal("0.60")
    since = now - timedelta(days=30)
    sql_seconds = preview_sql(since, now)
    started = time.perf_counter()
    preview = rule_preview(rule=rule, days=30, now=now)
    preview_seconds = time.perf_counter() - started
    print(
        f"bench: preview of {preview.delays:,} delays ({preview.affected:,} changed): "
        f"{preview.current.offers:,} → {preview.changed.offers:,} offers, "
        f"{preview.current.totals} → {preview.changed.totals}",
        flush=True,
    )
    figure("rule_preview", preview_seconds, "s", baseline=sql_seconds, target=5, op="<=")


if __name__ == "__main__":
    main()
