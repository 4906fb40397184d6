"""A rule's customer-facing description, written from its numbers in English and Korean.

Pure: no queries, no active language. `rule_description` is what the rule services store in
`CompensationRule.description` on every create and edit, so the words always follow the numbers
(change the amount from ₩3,000 to ₩5,000 and the description says ₩5,000, in both languages).
The desk's rule editor shows the same function's output live while the manager types.

`ACTION_FIELDS` says which of the rule's action fields each action reads (the engine's own
arithmetic, engine.CompiledRule.gross): the editor shows only those, and the form clears the
others back to their defaults, so a coupon rule never keeps a stale fare rate.
"""

from decimal import Decimal, InvalidOperation

from apps.compensation.models import ActionKind, CompensationRule, Preset
from apps.core.money import money_format

# Read by every action: the currency, the per-order cap and when a manager must approve.
COMMON_ACTION_FIELDS = ("currency", "per_order_cap", "approval_threshold")

ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    ActionKind.FARE_FORMULA: ("rate", "cap_fare_multiple"),
    ActionKind.SHIPPING_REFUND: ("percent",),
    ActionKind.FREE_SHIPPING: ("valid_days",),
    ActionKind.FIXED_COUPON: ("amount", "coupon_min_order", "valid_days"),
    ActionKind.PERCENT_COUPON: ("percent", "coupon_min_order", "valid_days"),
    ActionKind.POINTS: ("amount",),
    ActionKind.STORE_CREDIT: ("amount",),
}

# Every field some action reads (the union of ACTION_FIELDS), in form order.
ACTION_SPECIFIC_FIELDS = (
    "amount",
    "percent",
    "rate",
    "cap_fare_multiple",
    "coupon_min_order",
    "valid_days",
)

# What the description reads: the action, its numbers, and the preset (for the legal source).
DESCRIPTION_FIELDS = ("preset", "action", *ACTION_SPECIFIC_FIELDS, *COMMON_ACTION_FIELDS)

_STANDARD_TERMS = {Preset.KR_STANDARD_LATE, Preset.KR_STANDARD_NEEDED_BY}


def action_defaults() -> dict[str, object]:
    """Each action field's model default: what a field the chosen action does not read is
    reset to."""
    defaults = {}
    for name in ACTION_SPECIFIC_FIELDS:
        field = CompensationRule._meta.get_field(name)
        defaults[name] = field.get_default() if not field.null else None
    return defaults


def _number(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _pct(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def _days(value) -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


def rule_description(values: dict) -> dict[str, str]:
    """{"en": ..., "ko": ...}: what the rule gives, worded from `values` (field name → value,
    as a form or a rule holds them; missing or unreadable numbers are left out of the words)."""
    action = values.get("action") or ""
    currency = values.get("currency") or "KRW"
    amount = _number(values.get("amount")) or Decimal(0)
    percent = _number(values.get("percent")) or Decimal(0)
    rate = _number(values.get("rate")) or Decimal(0)
    cap = _number(values.get("cap_fare_multiple")) or Decimal(0)
    minimum = _number(values.get("coupon_min_order"))
    days = _days(values.get("valid_days"))
    per_order = _number(values.get("per_order_cap"))

    def money(value: Decimal) -> str:
        return money_format(value, currency)

    if action == ActionKind.FARE_FORMULA:
        en = (
            f"Days late × the shipping fee × {_pct(rate * 100)}%, "
            f"capped at {_pct(cap * 100)}% of the shipping fee."
        )
        ko = f"늦은 일수 × 운임 × {_pct(rate * 100)}%, 운임의 {_pct(cap * 100)}% 한도."
    elif action == ActionKind.SHIPPING_REFUND:
        en = f"{_pct(percent)}% of the shipping fee refunded."
        ko = f"배송비의 {_pct(percent)}%를 환불해 드립니다."
    elif action == ActionKind.FREE_SHIPPING:
        en = "Free shipping on your next order."
        ko = "다음 주문 무료 배송 쿠폰을 드립니다."
    elif action == ActionKind.FIXED_COUPON:
        en = f"{money(amount)} off your next order"
        ko = f"다음 주문 {money(amount)} 할인 쿠폰"
        if minimum:
            en += f" of {money(minimum)} or more"
            ko = f"{money(minimum)} 이상 " + ko
        en += "."
        ko += "을 드립니다."
    elif action == ActionKind.PERCENT_COUPON:
        en = f"A coupon worth {_pct(percent)}% of your order"
        ko = f"주문 금액의 {_pct(percent)}%에 해당하는 쿠폰"
        if minimum:
            en += f", for a next order of {money(minimum)} or more"
            ko += f"({money(minimum)} 이상 주문 시 사용)"
        en += "."
        ko += "을 드립니다."
    elif action == ActionKind.POINTS:
        en = f"{amount:,.0f} loyalty points."
        ko = f"적립 포인트 {amount:,.0f}점을 드립니다."
    elif action == ActionKind.STORE_CREDIT:
        en = f"{money(amount)} in store credit."
        ko = f"적립금 {money(amount)}을 드립니다."
    else:
        return {"en": "", "ko": ""}
    vouchers = (ActionKind.FREE_SHIPPING, ActionKind.FIXED_COUPON, ActionKind.PERCENT_COUPON)
    if action in vouchers and days:
        en += f" Valid for {days} day{'s' if days != 1 else ''}."
        ko += f" 유효기간 {days}일."
    if per_order:
        en += f" At most {money(per_order)} per order."
        ko += f" 주문당 최대 {money(per_order)}."
    if values.get("preset") in _STANDARD_TERMS:
        en = "Korean standard parcel terms, article 22: " + en
        ko = "택배표준약관 제22조: " + ko
    return {"en": en, "ko": ko}


def rule_description_text(values: dict) -> str:
    """The description as stored: the English line, then the Korean one."""
    words = rule_description(values)
    return "\n".join(line for line in (words["en"], words["ko"]) if line)


def rule_values(rule: CompensationRule) -> dict:
    """The fields the description reads, from a rule (saved or not)."""
    return {name: getattr(rule, name) for name in DESCRIPTION_FIELDS}
