"""The rule engine, pure: every condition, every action, priority, stacking, caps and netting.

Rules are unsaved CompensationRule objects compiled in memory; no database.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.compensation.engine import CompiledRule, Facts, evaluate, rules_compile
from apps.compensation.models import ActionKind, CompensationRule, Preset
from apps.shipments.models import Fault, PromiseType, ServiceLevel

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
_ids = iter(range(1, 10_000))


def rule(**fields) -> CompensationRule:
    fields.setdefault("name", "Test rule")
    fields.setdefault("action", ActionKind.FIXED_COUPON)
    fields.setdefault("amount", Decimal("1000"))
    fields.setdefault("valid_days", 0)
    made = CompensationRule(**fields)
    made.pk = next(_ids)
    return made


def facts(**fields) -> Facts:
    values = {
        "shipment_id": 1,
        "carrier_id": 7,
        "currency": "KRW",
        "service_level": ServiceLevel.STANDARD,
        "promise_type": PromiseType.ESTIMATED,
        "fault": Fault.CARRIER,
        "hours_late": 50,
        "business_days_late": 2,
        "shipping_fee": Decimal("3000"),
        "order_value": Decimal("45000"),
    }
    values.update(fields)
    return Facts(**values)


def run(rules, the_facts=None, now=NOW):
    return evaluate(the_facts or facts(), rules_compile(rules), now)


def amounts(proposals) -> list[Decimal]:
    return [proposal.amount for proposal in proposals]


def matches(the_rule, **fact_fields) -> bool:
    return CompiledRule(the_rule).matches(facts(**fact_fields))


# --- Conditions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "expected"), [(0, False), (23, False), (24, True), (71, True), (72, False)]
)
def test_hour_tier_includes_both_ends(hours, expected):
    assert matches(rule(min_hours_late=24, max_hours_late=71), hours_late=hours) is expected


def test_a_shipment_not_late_gets_nothing_even_from_a_rule_without_conditions():
    assert matches(rule(), hours_late=0) is False
    assert matches(rule(), hours_late=1) is True


@pytest.mark.parametrize(("days", "expected"), [(1, False), (2, True), (3, True)])
def test_business_days_minimum(days, expected):
    assert matches(rule(min_business_days_late=2), business_days_late=days) is expected


@pytest.mark.parametrize(
    ("promise", "expected"),
    [
        (PromiseType.ESTIMATED, False),
        (PromiseType.GUARANTEED, True),
        (PromiseType.NEEDED_BY, True),
    ],
)
def test_promise_types(promise, expected):
    the_rule = rule(promise_types=[PromiseType.GUARANTEED, PromiseType.NEEDED_BY])
    assert matches(the_rule, promise_type=promise) is expected
    assert matches(rule(promise_types=[]), promise_type=promise) is True


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.FORCE_MAJEURE, False),  # weather, force majeure
        (Fault.CONSIGNEE, False),  # customer not home, wrong address
        (Fault.CARRIER, True),
        (Fault.RETAILER, True),
        (Fault.UNKNOWN, True),
    ],
)
def test_exempt_faults(fault, expected):
    the_rule = rule(exempt_faults=[Fault.FORCE_MAJEURE, Fault.CONSIGNEE])
    assert matches(the_rule, fault=fault) is expected


def test_carrier_condition():
    the_rule = rule()
    the_rule.carrier_id = 7
    assert matches(the_rule, carrier_id=7) is True
    assert matches(the_rule, carrier_id=8) is False


def test_service_level_condition():
    the_rule = rule(service_level=ServiceLevel.EXPRESS)
    assert matches(the_rule, service_level=ServiceLevel.EXPRESS) is True
    assert matches(the_rule, service_level=ServiceLevel.STANDARD) is False


@pytest.mark.parametrize(
    ("order_value", "expected"),
    [("29999", False), ("30000", True), ("50000", True), ("50001", False)],
)
def test_order_value_band_includes_both_ends(order_value, expected):
    the_rule = rule(min_order_value=Decimal("30000"), max_order_value=Decimal("50000"))
    assert matches(the_rule, order_value=Decimal(order_value)) is expected


def test_currency_must_be_the_rules():
    assert matches(rule(currency="KRW"), currency="USD") is False
    assert matches(rule(currency="USD"), currency="USD") is True


@pytest.mark.parametrize(("previous", "expected"), [(0, True), (2, True), (3, False)])
def test_previous_compensated_delays(previous, expected):
    assert matches(rule(max_previous_grants=2), previous_grants=previous) is expected


def test_validity_dates_from_inclusive_until_exclusive():
    window = rule(valid_from=NOW, valid_until=NOW + timedelta(days=1))
    assert amounts(run([window], now=NOW - timedelta(seconds=1))) == []
    assert amounts(run([window], now=NOW)) == [Decimal("1000")]
    assert amounts(run([window], now=NOW + timedelta(days=1))) == []


def test_inactive_rules_are_left_out():
    assert amounts(run([rule(is_active=False)])) == []
    active = rule(name="active")
    assert [each.name for each in rules_compile([rule(is_active=False), active])] == ["active"]


# --- Actions -----------------------------------------------------------------------------------


def test_shipping_refund_percent():
    [proposal] = run([rule(name="Refund", action=ActionKind.SHIPPING_REFUND, percent=50)])
    assert proposal.amount == Decimal("1500")
    assert proposal.explanation("en") == (
        "50% of the shipping fee ₩3,000 refunded = ₩1,500, Refund"
    )


def test_free_shipping_is_worth_the_fee():
    [proposal] = run([rule(name="Free", action=ActionKind.FREE_SHIPPING, valid_days=30)])
    assert proposal.amount == Decimal("3000")
    assert proposal.explanation("en") == (
        "Free shipping on your next order (worth ₩3,000), valid for 30 days, Free"
    )


def test_fixed_coupon_with_minimum_order_and_expiry_days():
    [proposal] = run(
        [
            rule(
                preset=Preset.GOODWILL,
                action=ActionKind.FIXED_COUPON,
                amount=Decimal("2000"),
                coupon_min_order=Decimal("20000"),
                valid_days=30,
            )
        ]
    )
    assert proposal.amount == Decimal("2000")
    assert proposal.explanation("en") == (
        "₩2,000 off your next order (on an order of ₩20,000 or more), valid for 30 days,"
        " Goodwill table"
    )


def test_one_day_of_validity_is_singular():
    [proposal] = run([rule(name="Day", amount=Decimal("500"), valid_days=1)])
    assert proposal.explanation("en") == "₩500 off your next order, valid for 1 day, Day"


def test_percent_coupon_of_the_order():
    [proposal] = run(
        [rule(name="Pct", action=ActionKind.PERCENT_COUPON, percent=10)],
        facts(order_value=Decimal("45000")),
    )
    assert proposal.amount == Decimal("4500")
    assert proposal.explanation("en") == "10% of your order ₩45,000 as a coupon = ₩4,500, Pct"


def test_loyalty_points():
    [proposal] = run([rule(name="Pts", action=ActionKind.POINTS, amount=Decimal("1500"))])
    assert proposal.amount == Decimal("1500")
    assert proposal.explanation("en") == "1,500 loyalty points, Pts"


def test_store_credit():
    [proposal] = run([rule(name="Credit", action=ActionKind.STORE_CREDIT, amount=1000)])
    assert proposal.amount == Decimal("1000")
    assert proposal.explanation("en") == "₩1,000 store credit, Credit"


def kr_late() -> CompensationRule:
    return rule(
        name="Korean standard parcel terms — late",
        preset=Preset.KR_STANDARD_LATE,
        action=ActionKind.FARE_FORMULA,
        rate=Decimal("0.50"),
        cap_fare_multiple=Decimal("2.00"),
        exempt_faults=[Fault.FORCE_MAJEURE, Fault.CONSIGNEE],
    )


def kr_needed_by() -> CompensationRule:
    return rule(
        name="Korean standard parcel terms — needed on a date",
        preset=Preset.KR_STANDARD_NEEDED_BY,
        priority=5,
        promise_types=[PromiseType.NEEDED_BY],
        action=ActionKind.FARE_FORMULA,
        rate=Decimal("2.00"),
        cap_fare_multiple=Decimal("2.00"),
    )


def test_domain_worked_example_fare_3000_two_days_late_gives_3000():
    [proposal] = run([kr_late()], facts(hours_late=50, business_days_late=2))
    assert proposal.amount == Decimal("3000")
    assert proposal.gross == Decimal("3000")
    assert proposal.explanation("en") == (
        "2 days late × ₩3,000 × 50% = ₩3,000, Korean standard parcel terms: late"
    )


def test_standard_terms_five_days_late_is_capped_at_twice_the_fare():
    [proposal] = run([kr_late()], facts(hours_late=130, business_days_late=5))
    assert proposal.amount == Decimal("6000")
    assert proposal.explanation("en") == (
        "5 days late × ₩3,000 × 50% = ₩7,500, capped at 2× the fare: ₩6,000,"
        " Korean standard parcel terms: late"
    )


def test_standard_terms_four_days_late_reaches_the_cap_exactly():
    [proposal] = run([kr_late()], facts(hours_late=100, business_days_late=4))
    assert proposal.amount == Decimal("6000")
    assert "capped" not in proposal.explanation("en")


def test_part_of_a_day_counts_as_one_day():
    [proposal] = run([kr_late()], facts(hours_late=5, business_days_late=0))
    assert proposal.amount == Decimal("1500")
    assert proposal.explanation("en").startswith("1 day late × ₩3,000 × 50% = ₩1,500")


def test_needed_on_a_date_pays_twice_the_fare_and_wins_the_delay_group():
    needed = facts(promise_type=PromiseType.NEEDED_BY, hours_late=30, business_days_late=1)
    [proposal] = run([kr_late(), kr_needed_by()], needed)
    assert proposal.rule.preset == Preset.KR_STANDARD_NEEDED_BY
    assert proposal.amount == Decimal("6000")
    assert proposal.explanation("en") == (
        "1 day late × ₩3,000 × 200% = ₩6,000, Korean standard parcel terms: needed on a date"
    )
    later = facts(promise_type=PromiseType.NEEDED_BY, hours_late=80, business_days_late=3)
    assert amounts(run([kr_late(), kr_needed_by()], later)) == [Decimal("6000")]


def test_standard_terms_do_not_pay_for_weather_or_a_customer_not_home():
    assert run([kr_late()], facts(fault=Fault.FORCE_MAJEURE)) == []
    assert run([kr_late()], facts(fault=Fault.CONSIGNEE)) == []


def test_korean_explanation_names_the_preset_in_korean():
    [proposal] = run([kr_late()], facts(hours_late=50, business_days_late=2))
    korean = proposal.explanation("ko")
    assert "택배 표준약관: 배송 지연" in korean
    assert "₩3,000" in korean
    assert korean.startswith("2")
    assert "Korean" not in korean


def test_money_is_rounded_half_up_in_the_currency():
    dollars = facts(currency="USD", shipping_fee=Decimal("4.99"), business_days_late=3)
    formula = rule(name="US", currency="USD", action=ActionKind.FARE_FORMULA, rate=Decimal("0.5"))
    [proposal] = run([formula], dollars)
    # 4.99 × 3 × 0.5 = 7.485 → $7.49
    assert proposal.amount == Decimal("7.49")
    assert proposal.explanation("en") == "3 days late × $4.99 × 50% = $7.49, US"
    refund = rule(name="R", currency="USD", action=ActionKind.SHIPPING_REFUND, percent=33)
    # 4.99 × 33% = 1.6467 → $1.65
    assert amounts(run([refund], dollars)) == [Decimal("1.65")]
    won = rule(name="W", action=ActionKind.SHIPPING_REFUND, percent=Decimal("33.33"))
    # ₩3,000 × 33.33% = 999.9 → ₩1,000: the won has no minor unit.
    assert amounts(run([won])) == [Decimal("1000")]


# --- Priority, stacking, caps, netting ---------------------------------------------------------


def test_first_match_in_a_group_wins_by_priority():
    low = rule(name="low", priority=20, amount=Decimal("9000"))
    high = rule(name="high", priority=10, amount=Decimal("1000"))
    [proposal] = run([low, high])
    assert proposal.rule.name == "high"
    assert proposal.amount == Decimal("1000")


def test_a_later_rule_decides_the_group_when_the_first_does_not_match():
    first = rule(name="first", priority=10, min_hours_late=72, amount=Decimal("5000"))
    second = rule(name="second", priority=20, amount=Decimal("2000"))
    assert [p.rule.name for p in run([first, second])] == ["second"]


def test_different_groups_stack():
    delay = rule(name="delay", stacking_group="delay", amount=Decimal("3000"))
    goodwill = rule(name="goodwill", stacking_group="goodwill", amount=Decimal("2000"))
    assert amounts(run([delay, goodwill])) == [Decimal("3000"), Decimal("2000")]


def test_per_order_cap_limits_everything_the_order_receives_across_groups():
    delay = rule(name="delay", priority=1, amount=Decimal("4000"))
    coupon = rule(
        name="coupon",
        priority=2,
        stacking_group="goodwill",
        amount=Decimal("5000"),
        per_order_cap=Decimal("6000"),
    )
    proposals = run([delay, coupon])
    assert amounts(proposals) == [Decimal("4000"), Decimal("2000")]
    assert proposals[1].capped_at == Decimal("6000")
    assert proposals[1].explanation("en") == (
        "₩5,000 off your next order, limited to ₩6,000 per order: ₩2,000, coupon"
    )


def test_a_cap_already_reached_gives_nothing():
    capped = rule(name="c", stacking_group="goodwill", per_order_cap=Decimal("3000"))
    given = facts(granted_by_group={"delay": Decimal("3000")}, granted_total=Decimal("3000"))
    assert run([capped], given) == []


def test_offers_waiting_for_approval_count_against_the_cap():
    capped = rule(
        name="c", stacking_group="goodwill", amount=Decimal("5000"), per_order_cap=Decimal("6000")
    )
    waiting = facts(open_groups=frozenset({"delay"}), pending_total=Decimal("4000"))
    assert amounts(run([capped], waiting)) == [Decimal("2000")]


def test_a_delay_that_grew_gets_only_the_top_up():
    grown = facts(
        hours_late=130,
        business_days_late=5,
        granted_by_group={"delay": Decimal("3000")},
        granted_total=Decimal("3000"),
    )
    [proposal] = run([kr_late()], grown)
    assert (proposal.gross, proposal.netted, proposal.amount) == (
        Decimal("6000"),
        Decimal("3000"),
        Decimal("3000"),
    )
    assert proposal.explanation("en") == (
        "5 days late × ₩3,000 × 50% = ₩7,500, capped at 2× the fare: ₩6,000,"
        " less ₩3,000 already given: ₩3,000, Korean standard parcel terms: late"
    )


def test_the_same_delay_again_adds_nothing_and_the_group_stays_decided():
    same = facts(granted_by_group={"delay": Decimal("3000")}, granted_total=Decimal("3000"))
    other = rule(name="other", priority=200, amount=Decimal("500"))
    # kr_late decides the delay group with nothing left; the lower rule may not fill it.
    assert run([kr_late(), other], same) == []


def test_groups_with_an_open_or_refused_offer_are_skipped():
    assert run([rule()], facts(open_groups=frozenset({"delay"}))) == []
    assert run([rule()], facts(closed_groups=frozenset({"delay"}))) == []
    assert amounts(run([rule()], facts(closed_groups=frozenset({"other"})))) == [Decimal("1000")]


def test_approval_threshold_is_inclusive():
    [at] = run([rule(amount=Decimal("5000"), approval_threshold=Decimal("5000"))])
    [over] = run([rule(amount=Decimal("5001"), approval_threshold=Decimal("5000"))])
    assert at.needs_approval is False
    assert over.needs_approval is True
