"""Managers set budgets: create one, change its own fields (never what offers reserved or spent).

Needs compensation.add_budget / change_budget, checked here whatever the face.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.compensation.models import Budget
from apps.core.errors import ApplicationError
from apps.core.money import money_format

# What a manager sets on a budget; reserved and spent are the offers' to move.
BUDGET_FIELDS = ("name", "period_start", "period_end", "carrier", "currency", "amount")


def _budget_checked(budget: Budget) -> None:
    try:
        budget.full_clean(exclude=["reserved", "spent"])
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages)) from None


def budget_create(*, fields: dict, actor) -> Budget:
    """A new budget from BUDGET_FIELDS; needs compensation.add_budget. Validated whole (the
    period's order, one general budget per period and currency) before the INSERT."""
    if not actor.has_perm("compensation.add_budget"):
        raise PermissionDenied
    budget = Budget(**{name: fields[name] for name in BUDGET_FIELDS if name in fields})
    _budget_checked(budget)
    budget.save()
    return budget


def budget_update(*, budget: Budget | int, changes: dict, actor) -> Budget:
    """Change a budget's own fields; needs compensation.change_budget.

    Offers reserve and spend in the row under a lock at the same time: the row is locked here
    too and only the fields that differ are written, never reserved or spent. An amount below
    what is reserved and spent is refused with what is committed."""
    if not actor.has_perm("compensation.change_budget"):
        raise PermissionDenied
    with transaction.atomic():
        pk = budget if isinstance(budget, int) else budget.pk
        locked = Budget.objects.select_for_update().get(pk=pk)
        changed = []
        for name in BUDGET_FIELDS:
            if name not in changes:
                continue
            attname = Budget._meta.get_field(name).attname
            value = changes[name]
            value = value.pk if name == "carrier" and value is not None else value
            if getattr(locked, attname) != value:
                setattr(locked, attname, value)
                changed.append(attname)
        if not changed:
            return locked
        committed = locked.reserved + locked.spent
        if locked.amount < committed:
            raise ApplicationError(
                _("The amount cannot be less than what is already reserved and spent: %(sum)s.")
                % {"sum": money_format(committed, locked.currency)},
                field="amount",
            )
        _budget_checked(locked)
        locked.save(update_fields=[*changed, "updated_at"])
        return locked
