"""Writes the compensation rules (the presets) and the monthly budgets."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from apps.compensation.models import Budget, OfferStatus
from apps.compensation.presets import presets_ensure
from apps.compensation.services import rule_update

from .plan.clock import Clock

BUDGET_AMOUNT = Decimal("2000000")


def rules_ensure(created: dict) -> dict:
    """The shipped presets (apps/compensation/presets.py), found by name."""
    rules, count = presets_ensure()
    created["compensation rules"] += count
    return rules


def rules_revise(rules: dict, users: dict, created: dict) -> None:
    """The manager's edit of a preset after its first offers, so a rule shows its history: the
    goodwill coupon now counts from ₩15,000. Through the service, as the desk would; once (a
    second run finds nothing to change and writes no version)."""
    changed = rule_update(
        rule=rules["goodwill_1"],
        changes={
            "coupon_min_order": Decimal("15000"),
            "description": "₩2,000 off a next order of ₩15,000 or more.",
        },
        actor=users["manager"],
        reason="Most customers' next orders are under ₩20,000: a coupon they can use.",
    )
    created["rule versions"] += changed.version > rules["goodwill_1"].version


def month_start(day: date) -> date:
    return day.replace(day=1)


def budgets_ensure(clock: Clock, created: dict) -> dict:
    """Last month's and this month's general budget; an offer lands in the one of its date."""
    this_month = month_start(timezone.localtime(clock.anchor).date())
    last_month = month_start(this_month - timedelta(days=1))
    budgets = {}
    for start, end in (
        (last_month, this_month - timedelta(days=1)),
        (this_month, month_start(this_month + timedelta(days=31)) - timedelta(days=1)),
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


def budgets_settle(budgets: dict) -> None:
    """Reserved = what the offers hold (proposed, approved); spent = issued + accepted."""
    for budget in budgets.values():
        totals = budget.offers.aggregate(
            reserved=Sum("reserved"),
            spent=Sum("amount", filter=Q(status__in=[OfferStatus.ISSUED, OfferStatus.ACCEPTED])),
        )
        budget.reserved = totals["reserved"] or Decimal(0)
        budget.spent = totals["spent"] or Decimal(0)
        budget.save(update_fields=["reserved", "spent", "updated_at"])
