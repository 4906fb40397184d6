"""The rule engine: the facts of one delay in, the offers the rules grant out. Pure: no queries.

Rules run in priority order (lower first). Within a stacking group the first rule whose
conditions hold decides the group; different groups stack. What was already granted for the same
shipment in a group is netted off, and a rule's per-order cap limits everything the order
received across groups. Explanations are worded in the customer's language from the numbers, so
the customer sees how the amount was reached ("2 days late × ₩3,000 × 50% = ₩3,000, …").
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext, ngettext

from apps.compensation.models import ActionKind, CompensationRule, Preset
from apps.core.money import money_format, money_round

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Kinds the customer redeems on a later order, within the rule's valid_days.
VOUCHER_KINDS = frozenset(
    {ActionKind.FREE_SHIPPING, ActionKind.FIXED_COUPON, ActionKind.PERCENT_COUPON}
)


@dataclass(slots=True)
class Facts:
    """What the rules look at for one shipment's broken promise."""

    shipment_id: int
    carrier_id: int
    currency: str
    service_level: str
    promise_type: str
    fault: str
    hours_late: int
    business_days_late: int
    shipping_fee: Decimal
    order_value: Decimal
    # The customer's earlier compensated delays (other shipments with a grant).
    previous_grants: int = 0
    # Already given for this shipment (issued or accepted), per stacking group and in all.
    granted_by_group: dict[str, Decimal] = field(default_factory=dict)
    granted_total: Decimal = ZERO
    # Stacking groups that already have an open offer (proposed, approved, issued).
    open_groups: frozenset[str] = frozenset()
    # Offered but not yet given (proposed, approved): counted against per-order caps, so an
    # offer waiting for a manager and a later one in another group cannot pass a cap together.
    pending_total: Decimal = ZERO
    # Stacking groups whose offer was refused (rejected by a manager, declined by the customer,
    # or left to expire): the promise was answered, so asking again proposes nothing new there.
    closed_groups: frozenset[str] = frozenset()

    @property
    def days_late(self) -> int:
        """Days late for the fare formula: business days, and a part of a day counts as one."""
        if self.hours_late <= 0:
            return 0
        return max(self.business_days_late, 1)


@dataclass(slots=True)
class Proposal:
    """One offer the rules grant: the amount after netting and caps, and how it was reached."""

    rule: "CompiledRule"
    kind: str
    gross: Decimal
    amount: Decimal
    netted: Decimal
    capped_at: Decimal | None
    facts: Facts

    @property
    def stacking_group(self) -> str:
        return self.rule.stacking_group

    @property
    def needs_approval(self) -> bool:
        return self.amount > self.rule.approval_threshold

    def explanation(self, language: str) -> str:
        with translation.override(language):
            return _explain(self)


class CompiledRule:
    """A rule's conditions read once into plain attributes, so checking 100k delays is cheap."""

    __slots__ = (
        "id",
        "version",
        "name",
        "preset",
        "priority",
        "stacking_group",
        "choice_group",
        "valid_from",
        "valid_until",
        "min_hours",
        "max_hours",
        "min_days",
        "promise_types",
        "exempt_faults",
        "carrier_id",
        "service_level",
        "min_order",
        "max_order",
        "max_previous",
        "currency",
        "action",
        "amount",
        "percent",
        "rate",
        "cap_multiple",
        "coupon_min_order",
        "valid_days",
        "per_order_cap",
        "approval_threshold",
    )

    def __init__(self, rule: CompensationRule):
        self.id = rule.pk
        self.version = rule.version
        self.name = rule.name
        self.preset = rule.preset
        self.priority = rule.priority
        self.stacking_group = rule.stacking_group
        self.choice_group = rule.choice_group
        self.valid_from = rule.valid_from
        self.valid_until = rule.valid_until
        self.min_hours = rule.min_hours_late or 0
        self.max_hours = rule.max_hours_late
        self.min_days = rule.min_business_days_late or 0
        self.promise_types = frozenset(rule.promise_types or ())
        self.exempt_faults = frozenset(rule.exempt_faults or ())
        self.carrier_id = rule.carrier_id
        self.service_level = rule.service_level
        self.min_order = rule.min_order_value
        self.max_order = rule.max_order_value
        self.max_previous = rule.max_previous_grants
        self.currency = rule.currency
        self.action = rule.action
        self.amount = Decimal(rule.amount or 0)
        self.percent = Decimal(rule.percent or 0)
        self.rate = Decimal(rule.rate or 0)
        self.cap_multiple = Decimal(rule.cap_fare_multiple or 0)
        self.coupon_min_order = rule.coupon_min_order
        self.valid_days = rule.valid_days
        self.per_order_cap = rule.per_order_cap
        self.approval_threshold = Decimal(rule.approval_threshold or 0)

    def in_force(self, now: datetime) -> bool:
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_until is None or now < self.valid_until

    def matches(self, facts: Facts) -> bool:
        """Do the delay's facts meet every condition? (An empty condition means any.)"""
        if facts.hours_late <= 0 or facts.currency != self.currency:
            return False
        if facts.hours_late < self.min_hours or facts.business_days_late < self.min_days:
            return False
        if self.max_hours is not None and facts.hours_late > self.max_hours:
            return False
        if self.promise_types and facts.promise_type not in self.promise_types:
            return False
        if facts.fault in self.exempt_faults:
            return False
        if self.carrier_id is not None and facts.carrier_id != self.carrier_id:
            return False
        if self.service_level and facts.service_level != self.service_level:
            return False
        if self.min_order is not None and facts.order_value < self.min_order:
            return False
        if self.max_order is not None and facts.order_value > self.max_order:
            return False
        return self.max_previous is None or facts.previous_grants <= self.max_previous

    def may_match(self, kind: tuple) -> bool:
        """Can the rule match a delay of this kind — (carrier, currency, service level, promise
        type, fault), the facts fixed for a shipment — whatever its numbers?"""
        carrier_id, currency, service_level, promise_type, fault = kind
        return (
            self.currency == currency
            and (self.carrier_id is None or self.carrier_id == carrier_id)
            and (not self.service_level or self.service_level == service_level)
            and (not self.promise_types or promise_type in self.promise_types)
            and fault not in self.exempt_faults
        )

    def gross(self, facts: Facts) -> Decimal:
        """The amount this rule grants before netting and the per-order cap."""
        action = self.action
        if action == ActionKind.FARE_FORMULA:
            raw = facts.shipping_fee * facts.days_late * self.rate
            cap = facts.shipping_fee * self.cap_multiple
            return money_round(min(raw, cap), facts.currency)
        if action == ActionKind.SHIPPING_REFUND:
            return money_round(facts.shipping_fee * self.percent / HUNDRED, facts.currency)
        if action == ActionKind.FREE_SHIPPING:
            return money_round(facts.shipping_fee, facts.currency)
        if action == ActionKind.PERCENT_COUPON:
            return money_round(facts.order_value * self.percent / HUNDRED, facts.currency)
        # Fixed coupon, loyalty points, store credit: the rule's amount.
        return money_round(self.amount, facts.currency)


def rules_compile(rules) -> list[CompiledRule]:
    compiled = [CompiledRule(rule) for rule in rules if rule.is_active]
    compiled.sort(key=lambda rule: (rule.priority, rule.id or 0))
    return compiled


def delay_kind(facts: Facts) -> tuple:
    """What CompiledRule.may_match reads: the facts of a delay that are not numbers."""
    return (facts.carrier_id, facts.currency, facts.service_level, facts.promise_type, facts.fault)


class RuleBook:
    """Rules in force at `now` (compiled, in priority order), with those that can match each
    kind of delay picked out once: evaluating 100k delays then looks at a few rules each, not
    all 50. `book.evaluate(facts)` gives what evaluate(facts, rules, now) gives."""

    __slots__ = ("rules", "now", "by_kind")

    def __init__(self, rules: list[CompiledRule], now: datetime):
        self.rules = [rule for rule in rules if rule.in_force(now)]
        self.now = now
        self.by_kind: dict[tuple, list[CompiledRule]] = {}

    def candidates(self, kind: tuple) -> list[CompiledRule]:
        found = self.by_kind.get(kind)
        if found is None:
            found = self.by_kind[kind] = [rule for rule in self.rules if rule.may_match(kind)]
        return found

    def evaluate(self, facts: Facts) -> list["Proposal"]:
        return evaluate(facts, self.candidates(delay_kind(facts)), self.now)


def evaluate(facts: Facts, rules: list[CompiledRule], now: datetime) -> list[Proposal]:
    """The offers `rules` (compiled, in priority order) grant for `facts`, netted and capped."""
    return settle(facts, deciding(facts, rules, now))


def deciding(facts: Facts, rules: list[CompiledRule], now: datetime) -> tuple[CompiledRule, ...]:
    """evaluate()'s first step: the rules that decide a stacking group for `facts`, in priority
    order — in each group not yet open or closed for the shipment, the first rule in force whose
    conditions hold (it decides the group even when it leaves nothing to give)."""
    decided: set[str] = set(facts.open_groups) | set(facts.closed_groups)
    found = []
    for rule in rules:
        group = rule.stacking_group
        if group in decided or not rule.in_force(now) or not rule.matches(facts):
            continue
        decided.add(group)
        found.append(rule)
    return tuple(found)


def settle(facts: Facts, rules: tuple[CompiledRule, ...]) -> list[Proposal]:
    """evaluate()'s second step, for the deciding rules in order: each one's gross amount, less
    what its group was already given, limited by its per-order cap (counting what the order was
    given, is being offered, and got from the rules before it); nothing when nothing is left.

    Reads of the facts only: the fare, days late and order value (through CompiledRule.gross),
    the currency, and the grants."""
    proposals = []
    given_total = facts.granted_total + facts.pending_total
    for rule in rules:
        gross = rule.gross(facts)
        netted = facts.granted_by_group.get(rule.stacking_group, ZERO)
        amount = gross - netted
        capped_at = None
        if rule.per_order_cap is not None:
            room = rule.per_order_cap - given_total
            if amount > room:
                amount = room
                capped_at = rule.per_order_cap
        if amount <= 0:
            continue
        given_total += amount
        proposals.append(
            Proposal(
                rule=rule,
                kind=rule.action,
                gross=gross,
                amount=amount,
                netted=netted,
                capped_at=capped_at,
                facts=facts,
            )
        )
    return proposals


# --- Explanations ------------------------------------------------------------------------------


def _source(rule: CompiledRule) -> str:
    """How the customer reads the rule's origin: the preset's name, else the rule's own name."""
    if rule.preset and rule.preset != Preset.CUSTOM:
        return str(Preset(rule.preset).label)
    return rule.name


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _explain(proposal: Proposal) -> str:
    rule = proposal.rule
    facts = proposal.facts
    cur = facts.currency
    gross = money_format(proposal.gross, cur)
    fare = money_format(facts.shipping_fee, cur)
    if proposal.kind == ActionKind.FARE_FORMULA:
        days = facts.days_late
        raw = money_round(facts.shipping_fee * days * rule.rate, cur)
        text = ngettext(
            "%(days)s day late × %(fare)s × %(rate)s%% = %(amount)s",
            "%(days)s days late × %(fare)s × %(rate)s%% = %(amount)s",
            days,
        ) % {
            "days": days,
            "fare": fare,
            "rate": _pct(rule.rate * HUNDRED),
            "amount": money_format(raw, cur),
        }
        if raw > proposal.gross:
            text += gettext(", capped at %(multiple)s× the fare: %(amount)s") % {
                "multiple": _pct(rule.cap_multiple),
                "amount": gross,
            }
    elif proposal.kind == ActionKind.SHIPPING_REFUND:
        text = gettext("%(percent)s%% of the shipping fee %(fare)s refunded = %(amount)s") % {
            "percent": _pct(rule.percent),
            "fare": fare,
            "amount": gross,
        }
    elif proposal.kind == ActionKind.FREE_SHIPPING:
        text = gettext("Free shipping on your next order (worth %(amount)s)") % {"amount": gross}
    elif proposal.kind == ActionKind.PERCENT_COUPON:
        text = gettext("%(percent)s%% of your order %(order)s as a coupon = %(amount)s") % {
            "percent": _pct(rule.percent),
            "order": money_format(facts.order_value, cur),
            "amount": gross,
        }
    elif proposal.kind == ActionKind.POINTS:
        text = gettext("%(points)s loyalty points") % {"points": f"{proposal.gross:,.0f}"}
    elif proposal.kind == ActionKind.STORE_CREDIT:
        text = gettext("%(amount)s store credit") % {"amount": gross}
    else:
        text = gettext("%(amount)s off your next order") % {"amount": gross}
    if proposal.kind in (ActionKind.FIXED_COUPON, ActionKind.PERCENT_COUPON) and (
        rule.coupon_min_order
    ):
        text += gettext(" (on an order of %(minimum)s or more)") % {
            "minimum": money_format(rule.coupon_min_order, cur)
        }
    if proposal.kind in VOUCHER_KINDS and rule.valid_days:
        text += ngettext(
            ", valid for %(days)s day", ", valid for %(days)s days", rule.valid_days
        ) % {"days": rule.valid_days}
    if proposal.netted:
        text += gettext(", less %(given)s already given") % {
            "given": money_format(proposal.netted, cur)
        }
    if proposal.capped_at is not None:
        text += gettext(", limited to %(cap)s per order") % {
            "cap": money_format(proposal.capped_at, cur)
        }
    if proposal.netted or proposal.capped_at is not None:
        text += gettext(": %(amount)s") % {"amount": money_format(proposal.amount, cur)}
    return gettext("%(how)s, %(source)s") % {"how": text, "source": _source(rule)}


def manual_explanation(*, amount: Decimal, currency: str, kind: str, reason: str, language: str):
    """A manual offer's explanation: what it is, and the agent's reason in their words."""
    with translation.override(language):
        label = str(ActionKind(kind).label)
        return gettext("%(kind)s: %(amount)s — %(reason)s") % {
            "kind": label,
            "amount": money_format(amount, currency),
            "reason": reason,
        }
