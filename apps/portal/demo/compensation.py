"""Writes the compensation rules (the presets) and the monthly budgets."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from apps.compensation.models import ActionKind, Budget, CompensationRule, OfferStatus, Preset
from apps.shipments.models import Fault, PromiseType

from .plan.clock import _Clock

BUDGET_AMOUNT = Decimal("2000000")


def _rules_ensure(created: dict) -> dict:
    """The presets, found by name. Korean standard parcel terms: Fair Trade Commission model
    terms for parcel delivery (공정거래위원회 택배표준약관), article 22."""
    no_fault_of_carrier = [Fault.FORCE_MAJEURE, Fault.CONSIGNEE]
    specs = {
        "needed_by": {
            "name": "Korean standard parcel terms — needed on a date",
            "preset": Preset.KR_STANDARD_NEEDED_BY,
            "priority": 5,
            "description": "택배표준약관 제22조: 특정 일시에 쓸 물건(명절 선물 등)이 "
            "늦으면 운임의 200%. Goods needed on a date: 200% of the fare.",
            "min_hours_late": 1,
            "promise_types": [PromiseType.NEEDED_BY],
            "exempt_faults": no_fault_of_carrier,
            "action": ActionKind.FARE_FORMULA,
            "rate": Decimal("2.00"),
            "cap_fare_multiple": Decimal("2.00"),
            "approval_threshold": Decimal("10000"),
        },
        "kr_late": {
            "name": "Korean standard parcel terms — late",
            "preset": Preset.KR_STANDARD_LATE,
            "priority": 10,
            "description": "택배표준약관 제22조: 늦은 날 수 × 운임 × 50%, 운임의 200% 한도. "
            "Days late × fare × 50%, capped at 200% of the fare; e.g. fare "
            "₩3,000, 2 days late → ₩3,000.",
            "min_business_days_late": 1,
            "exempt_faults": no_fault_of_carrier,
            "action": ActionKind.FARE_FORMULA,
            "rate": Decimal("0.50"),
            "cap_fare_multiple": Decimal("2.00"),
            "approval_threshold": Decimal("5000"),
        },
        "guarantee": {
            "name": "Retail guarantee — shipping fee refund",
            "preset": Preset.RETAIL_GUARANTEE,
            "priority": 20,
            "stacking_group": "guarantee",
            "description": "A missed guaranteed date refunds the whole shipping fee.",
            "min_hours_late": 1,
            "promise_types": [PromiseType.GUARANTEED],
            "action": ActionKind.SHIPPING_REFUND,
            "percent": Decimal("100"),
            "approval_threshold": Decimal("10000"),
        },
        "goodwill_1": {
            "name": "Goodwill coupon — a day late",
            "preset": Preset.GOODWILL,
            "priority": 50,
            "stacking_group": "goodwill",
            "description": "₩2,000 off a next order of ₩20,000 or more.",
            "min_hours_late": 24,
            "max_hours_late": 71,
            "max_previous_grants": 2,
            "action": ActionKind.FIXED_COUPON,
            "amount": Decimal("2000"),
            "coupon_min_order": Decimal("20000"),
            "valid_days": 30,
            "approval_threshold": Decimal("5000"),
        },
        "goodwill": {
            "name": "Goodwill coupon — three days late or more",
            "preset": Preset.GOODWILL,
            "priority": 51,
            "stacking_group": "goodwill",
            "description": "₩5,000 off a next order of ₩30,000 or more.",
            "min_hours_late": 72,
            "max_previous_grants": 2,
            "action": ActionKind.FIXED_COUPON,
            "amount": Decimal("5000"),
            "coupon_min_order": Decimal("30000"),
            "valid_days": 30,
            "approval_threshold": Decimal("5000"),
        },
    }
    rules = {}
    for key, spec in specs.items():
        name = spec.pop("name")
        rule, was_created = CompensationRule.objects.get_or_create(name=name, defaults=spec)
        created["compensation rules"] += was_created
        rules[key] = rule
    return rules


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _budgets_ensure(clock: _Clock, created: dict) -> dict:
    """Last month's and this month's general budget; an offer lands in the one of its date."""
    this_month = _month_start(timezone.localtime(clock.anchor).date())
    last_month = _month_start(this_month - timedelta(days=1))
    budgets = {}
    for start, end in (
        (last_month, this_month - timedelta(days=1)),
        (this_month, _month_start(this_month + timedelta(days=31)) - timedelta(days=1)),
    ):
        budget, was_created = Budget.objects.get_or_create(
            period_start=start,
            currency="KRW",
            carrier=None,
            defaults={
                "name": f"Compensation {start:%Y-%m}",
                "period_end": end,
                "amount": BUDGET_AMOUNT,
            },
        )
        created["budgets"] += was_created
        budgets[start] = budget
    return budgets


def _budgets_settle(budgets: dict) -> None:
    """Reserved = what the offers hold (proposed, approved); spent = issued + accepted."""
    for budget in budgets.values():
        totals = budget.offers.aggregate(
            reserved=Sum("reserved"),
            spent=Sum("amount", filter=Q(status__in=[OfferStatus.ISSUED, OfferStatus.ACCEPTED])),
        )
        budget.reserved = totals["reserved"] or Decimal(0)
        budget.spent = totals["spent"] or Decimal(0)
        budget.save(update_fields=["reserved", "spent", "updated_at"])
