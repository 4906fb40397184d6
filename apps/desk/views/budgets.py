"""/desk/budgets/: the compensation budgets with what is reserved, spent and still available,
created and edited through compensation's budget_create / budget_update (which lock the row
and never write reserved or spent: the offers move those)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from apps.compensation.models import Budget
from apps.compensation.selectors import budgets_for_desk
from apps.compensation.services import budget_create, budget_update
from apps.core.errors import ApplicationError
from apps.core.money import money_format
from apps.desk.access import desk_view
from apps.desk.managers_forms import BudgetForm

VIEW = "compensation.view_budget"
PAGE_SIZE = 100


def _row(budget: Budget) -> dict:
    used = budget.reserved + budget.spent
    share = int(used * 100 / budget.amount) if budget.amount else 100
    return {
        "budget": budget,
        "amount": money_format(budget.amount, budget.currency),
        "reserved": money_format(budget.reserved, budget.currency),
        "spent": money_format(budget.spent, budget.currency),
        "available": money_format(budget.available, budget.currency),
        "used_percent": min(share, 100),
        "tone": "bad" if share >= 90 else "warn" if share >= 70 else "good",
    }


@desk_view(VIEW)
def budgets(request):
    rows = list(budgets_for_desk()[: PAGE_SIZE + 1])
    context = {
        "nav_key": "budgets",
        "rows": [_row(budget) for budget in rows[:PAGE_SIZE]],
        "more": len(rows) > PAGE_SIZE,
        "can_add": request.user.has_perm("compensation.add_budget"),
        "can_change": request.user.has_perm("compensation.change_budget"),
    }
    return render(request, "desk/managers/budgets.html", context)


@desk_view(VIEW)
def budget_new(request):
    return _editor(request, None)


@desk_view(VIEW)
def budget_edit(request, budget_id: int):
    return _editor(
        request, get_object_or_404(Budget.objects.select_related("carrier"), pk=budget_id)
    )


def _editor(request, budget):
    permission = "change_budget" if budget is not None else "add_budget"
    if not request.user.has_perm(f"compensation.{permission}"):
        raise PermissionDenied
    form = BudgetForm(request.POST or None, instance=budget)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if budget is None:
                    saved = budget_create(fields=form.cleaned_data, actor=request.user)
                else:
                    saved = budget_update(
                        budget=budget.pk, changes=form.cleaned_data, actor=request.user
                    )
            except ApplicationError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                messages.success(request, _("Budget “%(name)s” saved.") % {"name": saved.name})
                return redirect("desk:budgets")
        status = 400
    context = {
        "nav_key": "budgets",
        "form": form,
        "budget": budget,
        "row": _row(budget) if budget is not None else None,
    }
    return render(request, "desk/managers/budget_form.html", context, status=status)
