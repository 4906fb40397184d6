from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.compensation.engine import Facts, evaluate, rules_compile
from apps.compensation.models import ActionKind, CompensationRule, OfferStatus
from apps.compensation.preview import rule_preview
from apps.shipments.models import Fault, PromiseType, Shipment
from tests.factories import (
    CarrierFactory,
    CompensationRuleFactory,
    CustomerFactory,
    OfferFactory,
    ShipmentFactory,
)

NOW = timezone.now().replace(microsecond=0)


def _delay(*, detected=timedelta(days=2), reason="capacity", hours=50, days=2, **fields):
    return ShipmentFactory(
        is_delayed=True,
        delay_reason=reason,
        delay_detected_at=NOW - detected,
        delay_hours=hours,
        delay_business_days=days,
        promised_start=NOW - detected - timedelta(days=1),
        promised_end=NOW - detected,
        **fields,
    )


@pytest.fixture
def carriers(db):
    return CarrierFactory(code="alpha", name="Alpha Parcel"), CarrierFactory(
        code="beta", name="Beta Express"
    )


@pytest.fixture
def rules(db):
    """Standard terms (fare × days × 50%, cap 200%) and a ₩2,000 goodwill coupon from a day."""
    late = CompensationRuleFactory(
        name="Standard terms",
        priority=10,
        min_business_days_late=1,
        exempt_faults=[Fault.FORCE_MAJEURE, Fault.CONSIGNEE],
        action=ActionKind.FARE_FORMULA,
        rate=Decimal("0.50"),
        cap_fare_multiple=Decimal("2.00"),
    )
    goodwill = CompensationRuleFactory(
        name="Goodwill",
        priority=50,
        stacking_group="goodwill",
        min_hours_late=24,
        action=ActionKind.FIXED_COUPON,
        amount=Decimal("2000"),
    )
    return late, goodwill


@pytest.fixture
def delays(carriers):
    """Alpha: ₩3,000 fare 2 and 5 days late. Beta: weather (exempt, and under a day), and a
    ₩2,500 fare a day late. Current rules: ₩3,000 + ₩6,000 (capped) + ₩1,250 standard terms,
    and three ₩2,000 coupons = six offers, ₩16,250."""
    alpha, beta = carriers
    return [
        _delay(carrier=alpha, hours=50, days=2),
        _delay(carrier=alpha, hours=120, days=5),
        _delay(carrier=beta, reason="weather", hours=10, days=1, shipping_fee=Decimal("4000")),
        _delay(
            carrier=beta, reason="sorting_error", hours=30, days=1, shipping_fee=Decimal("2500")
        ),
    ]


def _krw(amount) -> dict:
    return {"KRW": Decimal(amount)}


def test_an_edit_is_compared_with_the_rules_in_force(rules, delays):
    late, _ = rules
    late.rate = Decimal("1.00")  # edited, not saved

    preview = rule_preview(rule=late, now=NOW)

    assert preview.delays == 4
    assert (preview.current.offers, preview.current.totals) == (6, _krw(16250))
    # ₩3,000 → ₩6,000, ₩6,000 stays capped, ₩1,250 → ₩2,500.
    assert (preview.changed.offers, preview.changed.totals) == (6, _krw(20500))
    assert (preview.difference.offers, preview.difference.totals) == (0, _krw(4250))
    assert preview.affected == 2
    # Nothing was saved.
    late.refresh_from_db()
    assert late.rate == Decimal("0.50")


def test_a_new_rule_adds_its_offers(rules, delays, carriers):
    _, beta = carriers
    rule = CompensationRule(
        name="Beta guarantee",
        stacking_group="guarantee",
        carrier=beta,
        min_hours_late=1,
        action=ActionKind.SHIPPING_REFUND,
        percent=Decimal("100"),
    )

    preview = rule_preview(rule=rule, now=NOW)

    # Both Beta delays: the fare back (no exemption on this rule), ₩4,000 + ₩2,500.
    assert (preview.changed.offers, preview.changed.totals) == (8, _krw(22750))
    assert (preview.difference.offers, preview.difference.totals) == (2, _krw(6500))
    assert preview.affected == 2
    assert not CompensationRule.objects.filter(name="Beta guarantee").exists()


def test_a_new_rule_that_runs_first_decides_its_group(rules, delays, carriers):
    alpha, _ = carriers
    rule = CompensationRule(
        name="Alpha flat",
        priority=5,
        carrier=alpha,
        action=ActionKind.STORE_CREDIT,
        amount=Decimal("1000"),
    )

    preview = rule_preview(rule=rule, now=NOW)

    # Alpha's ₩3,000 and ₩6,000 become ₩1,000 each; Beta and the coupons are untouched.
    assert (preview.changed.offers, preview.changed.totals) == (6, _krw(9250))
    assert preview.difference.totals == _krw(-7000)


def test_switching_a_rule_off_removes_its_offers(rules, delays):
    _, goodwill = rules
    goodwill.is_active = False

    preview = rule_preview(rule=goodwill, now=NOW)

    assert (preview.current.offers, preview.current.totals) == (6, _krw(16250))
    assert (preview.changed.offers, preview.changed.totals) == (3, _krw(10250))
    assert (preview.difference.offers, preview.difference.totals) == (-3, _krw(-6000))
    assert preview.affected == 3


def test_carriers_are_broken_down_by_name(rules, delays):
    late, _ = rules
    late.rate = Decimal("1.00")

    preview = rule_preview(rule=late, now=NOW)

    lines = {
        line.name: (
            line.current.offers,
            line.current.totals,
            line.changed.offers,
            line.changed.totals,
            line.difference.totals,
        )
        for line in preview.carriers
    }
    assert [line.name for line in preview.carriers] == ["Alpha Parcel", "Beta Express"]
    assert lines["Alpha Parcel"] == (4, _krw(13000), 4, _krw(16000), _krw(3000))
    assert lines["Beta Express"] == (2, _krw(3250), 2, _krw(4500), _krw(1250))


def test_the_window_holds_its_first_moment_and_nothing_before(rules, carriers):
    alpha, _ = carriers
    late, _ = rules
    _delay(carrier=alpha, detected=timedelta(days=30))  # on the boundary: in
    _delay(carrier=alpha, detected=timedelta(days=30, seconds=1))  # just before: out
    _delay(carrier=alpha, detected=timedelta(seconds=-60))  # after `now`: out
    # A shipment with a detection time but no reason is not a delay.
    ShipmentFactory(carrier=alpha, delay_detected_at=NOW - timedelta(days=1), delay_hours=50)

    preview = rule_preview(rule=late, now=NOW)

    assert preview.delays == 1
    assert preview.since == NOW - timedelta(days=30)
    assert (preview.current.offers, preview.current.totals) == (2, _krw(5000))
    assert rule_preview(rule=late, days=7, now=NOW).delays == 0


def test_delays_are_evaluated_fresh_without_netting_or_open_offers(rules, carriers):
    alpha, _ = carriers
    late, _ = rules
    shipment = _delay(carrier=alpha, hours=120, days=5)
    OfferFactory(shipment=shipment, amount=Decimal("3000"), status=OfferStatus.ACCEPTED)
    OfferFactory(shipment=shipment, stacking_group="goodwill", status=OfferStatus.PROPOSED)

    preview = rule_preview(rule=late, now=NOW)

    # The whole ₩6,000 and the coupon, as if the delay had just happened.
    assert preview.current.totals == _krw(8000)


def test_earlier_compensated_delays_count_as_they_stood_when_the_delay_was_found(rules, carriers):
    alpha, _ = carriers
    _, goodwill = rules
    goodwill.max_previous_grants = 0
    goodwill.save()
    customer, other = CustomerFactory(), CustomerFactory()
    earlier = _delay(carrier=alpha, customer=customer, detected=timedelta(days=40))
    OfferFactory(shipment=earlier, status=OfferStatus.ACCEPTED, issued_at=NOW - timedelta(days=39))
    _delay(carrier=alpha, customer=customer, detected=timedelta(days=5))  # one earlier grant
    later = _delay(carrier=alpha, customer=other, detected=timedelta(days=5))
    # Granted after the delay was found: the engine could not have seen it.
    OfferFactory(
        shipment=_delay(carrier=alpha, customer=other, detected=timedelta(days=45)),
        status=OfferStatus.ISSUED,
        issued_at=NOW - timedelta(days=1),
    )

    preview = rule_preview(rule=goodwill, now=NOW)

    # Two delays in the window, both with standard terms (₩3,000); only `later` has a coupon.
    assert preview.delays == 2
    assert (preview.current.offers, preview.current.totals) == (3, _krw(8000))
    assert later.customer == other


@pytest.mark.parametrize("count", [3, 30])
def test_queries_do_not_grow_with_the_delays(rules, carriers, count, django_assert_max_num_queries):
    alpha, beta = carriers
    late, _ = rules
    for n in range(count):
        _delay(carrier=alpha if n % 2 else beta, customer=CustomerFactory())
    late.rate = Decimal("0.75")

    # Expect 4 queries: rules in force, grants of the window's customers, the delays, carriers.
    with django_assert_max_num_queries(4):
        preview = rule_preview(rule=late, now=NOW)
    assert preview.delays == count


def test_agrees_with_evaluating_every_delay_both_ways_with_caps(carriers):
    alpha, beta = carriers
    CompensationRuleFactory(
        priority=1, action=ActionKind.FARE_FORMULA, rate=Decimal("1"), per_order_cap=4000
    )
    CompensationRuleFactory(
        priority=2, stacking_group="goodwill", amount=Decimal("3000"), per_order_cap=5000
    )
    edited = CompensationRuleFactory(
        priority=3, stacking_group="extra", carrier=beta, promise_types=[PromiseType.GUARANTEED]
    )
    CompensationRuleFactory(priority=4, stacking_group="points", action=ActionKind.POINTS)
    CompensationRuleFactory(
        priority=5,
        stacking_group="band",
        min_order_value=Decimal("40000"),
        max_order_value=Decimal("80000"),
        max_hours_late=200,
        action=ActionKind.PERCENT_COUPON,
        percent=Decimal("3"),
    )
    for n in range(40):
        _delay(
            carrier=alpha if n % 3 else beta,
            hours=5 + 13 * n,
            days=n % 4,
            shipping_fee=Decimal(1000 + 500 * (n % 5)),
            order_value=Decimal(20000 * (n % 6 + 1)),
            promise_type=PromiseType.GUARANTEED if n % 2 else PromiseType.ESTIMATED,
            reason="weather" if n % 7 == 0 else "capacity",
        )
    edited.priority = 0
    edited.amount = Decimal("2500")

    preview = rule_preview(rule=edited, now=NOW)

    expected = {}
    rules_now = rules_compile(CompensationRule.objects.all())
    rules_then = rules_compile([*CompensationRule.objects.exclude(pk=edited.pk), edited])
    for side, compiled in (("current", rules_now), ("changed", rules_then)):
        offers, total = 0, Decimal(0)
        for shipment in Shipment.objects.exclude(delay_reason=""):
            proposals = evaluate(
                Facts(
                    shipment_id=shipment.pk,
                    carrier_id=shipment.carrier_id,
                    currency=shipment.currency,
                    service_level=shipment.service_level,
                    promise_type=shipment.promise_type,
                    fault=shipment.delay_fault,
                    hours_late=shipment.delay_hours,
                    business_days_late=shipment.delay_business_days,
                    shipping_fee=shipment.shipping_fee,
                    order_value=shipment.order_value,
                ),
                compiled,
                NOW,
            )
            offers += len(proposals)
            total += sum(p.amount for p in proposals)
        expected[side] = (offers, _krw(total))
    assert (preview.current.offers, preview.current.totals) == expected["current"]
    assert (preview.changed.offers, preview.changed.totals) == expected["changed"]
    assert preview.difference.totals != _krw(0)
