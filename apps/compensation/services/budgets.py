"""Money for compensation: which budget pays, reserving in it, and giving back.

Every budget write is a conditional or relative UPDATE of the budget row (`reserved + x`), so
writers at the same time never overwrite each other; the check constraint
`budget_never_exceeded` holds whatever races above it. These functions open no transaction of
their own: they run in the caller's, beside the offer they pay for.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from apps.compensation.errors import BudgetExhausted, NoBudget
from apps.compensation.models import Budget, Offer, OfferStatus
from apps.core.money import money_format

ZERO = Decimal(0)


def local_day(moment: datetime) -> date:
    """The day a budget period is read for: the local date of `moment`."""
    return timezone.localtime(moment).date()


class Budgets:
    """The budgets of one transaction, locked in id order, with what is left in each.

    Reserving takes from what is left in memory; `write` then adds each budget's take to its row
    in one relative UPDATE, in id order, so two transactions never wait on each other's rows.
    """

    def __init__(self, day: date):
        self.day = day
        self.by_key: dict[tuple, list[Budget]] = {}
        self.left: dict[int, Decimal] = {}
        self.take: dict[int, Decimal] = defaultdict(Decimal)

    def load(self, keys: Iterable[tuple[str, int]]) -> None:
        """Lock the budgets that could pay for (currency, carrier) pairs on the day."""
        keys = set(keys)
        currencies = {currency for currency, _ in keys}
        budgets = list(
            Budget.objects.select_for_update()
            .filter(currency__in=currencies, period_start__lte=self.day, period_end__gte=self.day)
            .order_by("pk")
        )
        for key in keys:
            self.by_key[key] = _in_order(budgets, currency=key[0], carrier_id=key[1])
        for budget in budgets:
            self.left[budget.pk] = budget.available

    def budget_for(self, currency: str, carrier_id: int) -> Budget | None:
        """The budget that pays first (the carrier's own, else the general one)."""
        candidates = self.by_key.get((currency, carrier_id))
        return candidates[0] if candidates else None

    def reserve(self, currency: str, carrier_id: int, amount: Decimal) -> Budget | None:
        """Take `amount` from the first budget with room for it; None when none has room."""
        for budget in self.by_key.get((currency, carrier_id), ()):
            if self.left[budget.pk] >= amount:
                self.left[budget.pk] -= amount
                self.take[budget.pk] += amount
                return budget
        return None

    def write(self) -> None:
        for pk in sorted(self.take):
            Budget.objects.filter(pk=pk).update(
                reserved=F("reserved") + self.take[pk], updated_at=timezone.now()
            )


def _in_order(budgets: Iterable[Budget], *, currency: str, carrier_id) -> list[Budget]:
    """Who pays, in turn: the carrier's own budget first, then the period's general one."""
    own = [b for b in budgets if b.currency == currency and b.carrier_id == carrier_id]
    general = [b for b in budgets if b.currency == currency and b.carrier_id is None]
    return (own if carrier_id is not None else []) + general


def budget_reserve(*, budget: Budget, amount: Decimal) -> None:
    """Reserve `amount` in `budget` only if it fits, atomically: BudgetExhausted otherwise.

    One conditional UPDATE; on PostgreSQL a second writer waits for the row lock and re-checks
    the condition against the committed row, so room for ten approves exactly ten.
    """
    updated = Budget.objects.filter(
        pk=budget.pk, amount__gte=F("reserved") + F("spent") + amount
    ).update(reserved=F("reserved") + amount, updated_at=timezone.now())
    if not updated:
        budget.refresh_from_db(fields=["amount", "reserved", "spent"])
        raise BudgetExhausted(
            budget=budget.name, available=money_format(budget.available, budget.currency)
        )


def budget_reserve_first(*, currency: str, carrier_id: int, day: date, amount: Decimal) -> Budget:
    """Reserve `amount` in the carrier's budget for `day`, else the general one (each by
    budget_reserve); returns the budget that holds it. NoBudget when no budget covers the day,
    BudgetExhausted when none has room."""
    covering = Budget.objects.filter(
        currency=currency, period_start__lte=day, period_end__gte=day
    ).filter(Q(carrier_id=carrier_id) | Q(carrier__isnull=True))
    budgets = _in_order(
        list(covering),
        currency=currency,
        carrier_id=carrier_id,
    )
    if not budgets:
        raise NoBudget(day=day.isoformat(), currency=currency)
    for budget in budgets[:-1]:
        try:
            budget_reserve(budget=budget, amount=amount)
        except BudgetExhausted:
            continue
        return budget
    budget_reserve(budget=budgets[-1], amount=amount)
    return budgets[-1]


def budget_release_reserved(*, offer: Offer) -> None:
    """Give back what `offer` holds in its budget; sets offer.reserved to zero (not saved)."""
    if offer.reserved and offer.budget_id:
        Budget.objects.filter(pk=offer.budget_id).update(
            reserved=F("reserved") - offer.reserved, updated_at=timezone.now()
        )
    offer.reserved = ZERO


def budget_release(*, offer: Offer) -> None:
    """Give back an offer's money: what it was given when issued, else what it holds."""
    if offer.status != OfferStatus.ISSUED:
        budget_release_reserved(offer=offer)
    elif offer.budget_id:
        Budget.objects.filter(pk=offer.budget_id).update(
            spent=F("spent") - offer.amount, updated_at=timezone.now()
        )


def budget_spend(*, offer: Offer, now: datetime) -> None:
    """Move an offer being issued from reserved to spent in its budget; sets offer.reserved to
    zero (not saved)."""
    if offer.budget_id:
        Budget.objects.filter(pk=offer.budget_id).update(
            reserved=F("reserved") - offer.reserved,
            spent=F("spent") + offer.amount,
            updated_at=now,
        )
    offer.reserved = ZERO


def budgets_give_back(
    *, reserved: dict[int, Decimal], spent: dict[int, Decimal], now: datetime
) -> None:
    """Give back amounts to budgets (budget id → amount), one relative UPDATE per budget in id
    order, so two runs at once never wait on each other's rows."""
    for pk in sorted(set(reserved) | set(spent)):
        Budget.objects.filter(pk=pk).update(
            reserved=F("reserved") - reserved.get(pk, ZERO),
            spent=F("spent") - spent.get(pk, ZERO),
            updated_at=now,
        )
