"""The rule presets Delay Desk ships: the Korean standard parcel terms (공정거래위원회
택배표준약관, article 22), a retail delivery guarantee and a tiered goodwill coupon table.

Their customer-facing descriptions are not typed here: rule_create writes them from the numbers
(descriptions.rule_description_text, English and Korean).

`manage.py compensation_presets` writes them (found by name, so running it again changes
nothing); managers then adjust them in the desk. The demo data uses the same presets.
"""

from decimal import Decimal

from apps.compensation.models import ActionKind, CompensationRule, Preset
from apps.compensation.services.rules import rule_create
from apps.shipments.models import Fault, PromiseType


def preset_specs() -> dict[str, dict]:
    """The presets by key: each a dict of CompensationRule fields, `name` included."""
    no_fault_of_carrier = [Fault.FORCE_MAJEURE, Fault.CONSIGNEE]
    return {
        "needed_by": {
            "name": "Korean standard parcel terms — needed on a date",
            "preset": Preset.KR_STANDARD_NEEDED_BY,
            "priority": 5,
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
            "min_hours_late": 1,
            "promise_types": [PromiseType.GUARANTEED],
            "action": ActionKind.SHIPPING_REFUND,
            "percent": Decimal("100"),
            "approval_threshold": Decimal("10000"),
        },
        "guarantee_coupon": {
            "name": "Retail guarantee — coupon",
            "preset": Preset.RETAIL_GUARANTEE,
            "priority": 21,
            "stacking_group": "guarantee-coupon",
            "min_hours_late": 1,
            "promise_types": [PromiseType.GUARANTEED],
            "action": ActionKind.FIXED_COUPON,
            "amount": Decimal("3000"),
            "coupon_min_order": Decimal("20000"),
            "valid_days": 30,
            "approval_threshold": Decimal("10000"),
        },
        "goodwill_1": {
            "name": "Goodwill coupon — a day late",
            "preset": Preset.GOODWILL,
            "priority": 50,
            "stacking_group": "goodwill",
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
            "min_hours_late": 72,
            "max_previous_grants": 2,
            "action": ActionKind.FIXED_COUPON,
            "amount": Decimal("5000"),
            "coupon_min_order": Decimal("30000"),
            "valid_days": 30,
            "approval_threshold": Decimal("5000"),
        },
    }


def presets_ensure(*, active: bool = True) -> tuple[dict[str, CompensationRule], int]:
    """Create the preset rules that do not exist yet (by name) through rule_create, with no
    actor: a command writes them, not a person. Returns them and how many were created. Existing
    rules are left as managers edited them."""
    rules, created = {}, 0
    for key, spec in preset_specs().items():
        rule = CompensationRule.objects.filter(name=spec["name"]).order_by("pk").first()
        if rule is None:
            rule = rule_create(fields={**spec, "is_active": active}, actor=None)
            created += 1
        rules[key] = rule
    return rules, created
