"""Rule preview: what a rule change would have granted over the last N days of real delays.

Before a manager saves a rule (an edit, a new rule, or switching one off) they see, for the
delays detected in the window, the offers the rules in force grant now beside the offers they
would grant with the change: how many, how much (per currency) and per carrier, and the
difference. Nothing is written; the engine is the same one that proposes real offers.
"""

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.compensation import sql
from apps.compensation.engine import CompiledRule, Facts, deciding, settle
from apps.compensation.facts import rules_in_force
from apps.compensation.models import ActionKind, CompensationRule
from apps.shipments.models import REASON_FAULT, Carrier, Fault

ZERO = Decimal(0)
# Rows fetched per round trip while streaming the window's delays.
CHUNK = 5000
# Actions whose amount is computed from the shipping fee.
FEE_ACTIONS = {ActionKind.FARE_FORMULA, ActionKind.SHIPPING_REFUND, ActionKind.FREE_SHIPPING}


@dataclass(frozen=True, slots=True)
class Tally:
    """Offers and their amounts; `totals` maps a currency to its sum (amounts never mix)."""

    offers: int
    totals: dict[str, Decimal]

    def minus(self, other: "Tally") -> "Tally":
        currencies = sorted(self.totals.keys() | other.totals.keys())
        return Tally(
            offers=self.offers - other.offers,
            totals={c: self.totals.get(c, ZERO) - other.totals.get(c, ZERO) for c in currencies},
        )


@dataclass(frozen=True, slots=True)
class CarrierPreview:
    carrier_id: int
    name: str
    current: Tally
    changed: Tally
    difference: Tally


@dataclass(frozen=True, slots=True)
class RulePreview:
    """The rules in force (`current`) against the rules with the change (`changed`)."""

    since: datetime
    until: datetime
    days: int
    # Delays detected in the window (with a reason), all of them looked at.
    delays: int
    # Of those, the delays whose offers the change alters (added, dropped or other amounts).
    affected: int
    current: Tally
    changed: Tally
    difference: Tally
    # Carriers with an offer on either side, by name.
    carriers: list[CarrierPreview]


def rule_preview(*, rule: CompensationRule, days: int = 30, now=None) -> RulePreview:
    """What the rules in force would have granted for the delays detected in the last `days`
    days, against what they would grant with `rule` as edited (unsaved: with a pk it replaces
    that rule, without one it is added, with is_active False it is switched off). Reads only.

    Each delay is evaluated as if fresh: nothing granted for it before is netted off and no open
    offer holds its stacking group back, so the figures are what the rules give, not what is
    left to give today. The customer's earlier compensated delays (for "at most N earlier
    grants") are counted as the engine saw them then: other shipments of theirs with an offer
    issued (or accepted) before this delay was detected.

    Rules are judged in force at `now`. The edited rule counts unless it is switched off or its
    validity already ended; a start date still ahead is looked past, so a manager sees what the
    rule will grant once it starts.

    Window: delay_detected_at from `now - days` (included) to `now` (included), delay_reason set.

    Cost: four queries whatever the number of delays (rules, the customers' grants, the delays
    streamed in chunks, carrier names). The rules are compiled once. The engine's two steps are
    each asked once per distinct set of what they read: which rules decide their groups
    (engine.deciding) depends on the delay's kind and on which side of each rule's thresholds
    its numbers fall (see _Plan); what those rules grant (engine.settle) depends on them and on
    the fare, days late and order value their actions read (see _Deciding). A delay is looked at
    with the changed rules only when the old or the new version of the rule matches it —
    otherwise both sides are the same. All exact, per-order caps included: nothing is
    approximated.
    """
    now = now or timezone.now()
    since = now - timedelta(days=days)
    current = rules_in_force(now)
    old = next((r for r in current if rule.pk is not None and r.id == rule.pk), None)
    new = _compiled_edit(rule, now)
    changed = [r for r in current if r is not old] + ([new] if new is not None else [])
    changed.sort(key=lambda r: (r.priority, r.id if r.id is not None else math.inf))

    grants = _grant_times(since, now)

    # (carrier, currency) → [offers, amount] for each side; `shared` holds the delays whose
    # offers are the same on both sides, added to each at the end.
    sides = {"current": defaultdict(_zero_pair), "changed": defaultdict(_zero_pair)}
    shared = defaultdict(_zero_pair)
    plans: dict[tuple, _Plan] = {}
    known: dict[tuple, _Deciding] = {}
    looked = affected = 0
    for (
        pk,
        carrier_id,
        currency,
        service_level,
        promise_type,
        reason,
        hours,
        business_days,
        fee,
        order_value,
        customer_id,
        detected_at,
    ) in sql.preview_delays(since=since, until=now, chunk=CHUNK):
        looked += 1
        fault = REASON_FAULT.get(reason, Fault.UNKNOWN)
        kind = (carrier_id, currency, service_level, promise_type, fault)
        plan = plans.get(kind)
        if plan is None:
            plan = plans[kind] = _Plan(kind, current, changed, old, new)
        if plan.empty:
            continue
        previous = 0
        if plan.previous_cuts and customer_id in grants:
            previous = _previous(grants[customer_id], pk, detected_at)
        numbers = plan.numbers(hours, business_days, order_value, previous)
        decided = plan.decided.get(numbers)
        if decided is None:
            facts = Facts(
                shipment_id=pk,
                carrier_id=carrier_id,
                currency=currency,
                service_level=service_level,
                promise_type=promise_type,
                fault=fault,
                hours_late=hours,
                business_days_late=business_days,
                shipping_fee=fee,
                order_value=order_value,
                previous_grants=previous,
            )
            decided = plan.decided[numbers] = plan.decide(facts, now, known)
        before, after = decided
        count, amount, granted = before.settled(currency, fee, business_days, order_value)
        if after is None:
            if count:
                pair = shared[carrier_id, currency]
                pair[0] += count
                pair[1] += amount
            continue
        if count:
            pair = sides["current"][carrier_id, currency]
            pair[0] += count
            pair[1] += amount
        count, amount, granted_after = after.settled(currency, fee, business_days, order_value)
        if count:
            pair = sides["changed"][carrier_id, currency]
            pair[0] += count
            pair[1] += amount
        affected += granted != granted_after

    for side in sides.values():
        for key, (count, amount) in shared.items():
            side[key][0] += count
            side[key][1] += amount
    return _result(sides, since=since, until=now, days=days, delays=looked, affected=affected)


def _compiled_edit(rule: CompensationRule, now: datetime) -> CompiledRule | None:
    if not rule.is_active or (rule.valid_until is not None and rule.valid_until <= now):
        return None
    compiled = CompiledRule(rule)
    if compiled.valid_from is not None and compiled.valid_from > now:
        compiled.valid_from = None
    return compiled


class _Plan:
    """The rules that can match delays of one kind (carrier, currency, service level, promise
    type, fault), and which of them decide their groups, remembered by the side of every
    threshold of those rules the delay's numbers fall on (hours late, business days, order value
    bands, earlier grants): matching reads nothing else, so delays alike there are decided
    alike."""

    __slots__ = (
        "current",
        "changed",
        "old",
        "new",
        "empty",
        "hours_cuts",
        "days_cuts",
        "order_min",
        "order_max",
        "previous_cuts",
        "decided",
    )

    def __init__(self, kind, current, changed, old, new):
        self.current = [r for r in current if r.may_match(kind)]
        self.changed = [r for r in changed if r.may_match(kind)]
        self.old = old if old is not None and old.may_match(kind) else None
        self.new = new if new is not None and new.may_match(kind) else None
        self.empty = not self.current and not self.changed
        rules = {*self.current, *self.changed}
        self.hours_cuts = sorted(
            {1}
            | {r.min_hours for r in rules}
            | {r.max_hours + 1 for r in rules if r.max_hours is not None}
        )
        self.days_cuts = sorted({r.min_days for r in rules})
        self.order_min = sorted({r.min_order for r in rules if r.min_order is not None})
        self.order_max = sorted({r.max_order for r in rules if r.max_order is not None})
        self.previous_cuts = sorted(
            {r.max_previous + 1 for r in rules if r.max_previous is not None}
        )
        # numbers → (deciding rules now, with the change — None when the change cannot touch
        # these facts: neither version of the rule matches them).
        self.decided: dict[tuple, tuple] = {}

    def numbers(self, hours, days, order_value, previous) -> tuple:
        return (
            bisect_right(self.hours_cuts, hours),
            bisect_right(self.days_cuts, days),
            bisect_right(self.order_min, order_value),
            bisect_left(self.order_max, order_value),
            bisect_right(self.previous_cuts, previous),
        )

    def decide(self, facts: Facts, now: datetime, known: dict) -> tuple:
        before = _Deciding.of(deciding(facts, self.current, now), known)
        if not (
            (self.old is not None and self.old.matches(facts))
            or (self.new is not None and self.new.matches(facts))
        ):
            return before, None
        return before, _Deciding.of(deciding(facts, self.changed, now), known)


class _Deciding:
    """Rules deciding their groups for fresh facts (nothing granted, nothing open), and what
    they grant — (offers, amount, (rule, amount) of each) — remembered by what their actions
    read: the fare (formula, refund, free shipping), the days late (formula; from the day each
    formula reaches its cap on, any more read the same), the order value (percent coupons)."""

    __slots__ = ("rules", "fee", "days", "days_top", "order", "settled_by")

    def __init__(self, rules: tuple[CompiledRule, ...]):
        actions = {r.action for r in rules}
        self.rules = rules
        self.fee = bool(actions & FEE_ACTIONS)
        self.days = ActionKind.FARE_FORMULA in actions
        self.days_top = max(
            [1] + [_formula_capped_from(r) for r in rules if r.action == ActionKind.FARE_FORMULA]
        )
        self.order = ActionKind.PERCENT_COUPON in actions
        self.settled_by: dict[tuple, tuple] = {}

    @classmethod
    def of(cls, rules: tuple[CompiledRule, ...], known: dict) -> "_Deciding":
        found = known.get(rules)
        if found is None:
            found = known[rules] = cls(rules)
        return found

    def settled(self, currency, fee, business_days, order_value) -> tuple:
        if not self.rules:
            return _NOTHING
        days = None
        if self.days:
            # Days late for the formula; the rules matched, so the delay has hours late.
            days = max(business_days, 1)
            if days > self.days_top and fee >= 0:
                days = self.days_top
        key = (
            currency,
            fee if self.fee else None,
            days,
            order_value if self.order else None,
        )
        found = self.settled_by.get(key)
        if found is None:
            facts = Facts(
                shipment_id=0,
                carrier_id=0,
                currency=currency,
                service_level="",
                promise_type="",
                fault="",
                hours_late=1,
                business_days_late=days if days is not None else business_days,
                shipping_fee=fee,
                order_value=order_value,
            )
            proposals = settle(facts, self.rules)
            found = self.settled_by[key] = (
                len(proposals),
                sum((p.amount for p in proposals), ZERO),
                tuple((p.rule.id, p.amount) for p in proposals),
            )
        return found


_NOTHING = (0, ZERO, ())


def _formula_capped_from(rule: CompiledRule) -> int:
    """Business days late from which the rule's formula gives its cap (any fare >= 0)."""
    if rule.rate <= 0:
        return 1
    return max(1, math.ceil(rule.cap_multiple / rule.rate))


def _grant_times(since: datetime, now: datetime) -> dict[int, tuple[list, dict]]:
    """For each customer in the window with grants: the sorted times (microseconds since 1970,
    as the delays' detection times read) their shipments were first granted something, and
    shipment → that time."""
    by_customer: dict[int, dict] = defaultdict(dict)
    for customer_id, shipment_id, at in sql.preview_grants(since=since, until=now, now=now):
        by_customer[customer_id][shipment_id] = at
    return {
        customer_id: (sorted(shipments.values()), shipments)
        for customer_id, shipments in by_customer.items()
    }


def _previous(grants: tuple[list, dict], shipment_id: int, detected_at) -> int:
    times, shipments = grants
    count = bisect_left(times, detected_at)
    own = shipments.get(shipment_id)
    if own is not None and own < detected_at:
        count -= 1
    return count


def _zero_pair() -> list:
    return [0, ZERO]


def _tally(pairs) -> Tally:
    offers = 0
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, (count, amount) in pairs:
        offers += count
        totals[currency] += amount
    return Tally(offers=offers, totals=dict(sorted(totals.items())))


def _result(sides, **fields) -> RulePreview:
    current, changed = sides["current"], sides["changed"]
    carrier_ids = {carrier_id for carrier_id, _ in (*current, *changed)}
    names = dict(Carrier.objects.filter(pk__in=carrier_ids).values_list("pk", "name"))
    carriers = []
    for carrier_id in carrier_ids:
        before = _tally((cur, pair) for (cid, cur), pair in current.items() if cid == carrier_id)
        after = _tally((cur, pair) for (cid, cur), pair in changed.items() if cid == carrier_id)
        carriers.append(
            CarrierPreview(
                carrier_id=carrier_id,
                name=names.get(carrier_id, ""),
                current=before,
                changed=after,
                difference=after.minus(before),
            )
        )
    carriers.sort(key=lambda line: (line.name, line.carrier_id))
    before = _tally((cur, pair) for (_, cur), pair in current.items())
    after = _tally((cur, pair) for (_, cur), pair in changed.items())
    return RulePreview(
        current=before,
        changed=after,
        difference=after.minus(before),
        carriers=carriers,
        **fields,
    )
