"""/desk/cost/: what compensation cost per carrier over a period, on the page and as a CSV
(UTF-8 with a byte-order mark, so Excel reads Korean carrier names; carrier names, never ids)."""

import csv
from datetime import date

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.compensation.selectors import compensation_cost_per_carrier
from apps.core.money import money_format, money_round
from apps.desk.access import desk_view
from apps.desk.managers_forms import CostPeriodForm

PERMISSION = "compensation.export_compensation"
BOM = "\ufeff"


def _month_so_far() -> tuple[date, date]:
    today = timezone.localdate()
    return today.replace(day=1), today


@desk_view(PERMISSION)
def cost(request):
    start, end = _month_so_far()
    form = CostPeriodForm(request.GET or {"start": start, "end": end})
    rows, status = [], 200
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = compensation_cost_per_carrier(start=start, end=end)
        if request.GET.get("format") == "csv":
            return _csv(rows, start, end)
    else:
        status = 400
    context = {
        "nav_key": "budgets",
        "form": form,
        "rows": [
            {
                "row": row,
                "amount": money_format(row.amount, row.currency),
                "accepted_amount": money_format(row.accepted_amount, row.currency),
                "carrier_fault_amount": money_format(row.carrier_fault_amount, row.currency),
            }
            for row in rows
        ],
        "csv_query": f"start={start.isoformat()}&end={end.isoformat()}&format=csv",
    }
    return render(request, "desk/managers/cost.html", context, status=status)


def csv_header() -> list[str]:
    return [
        _("Carrier"),
        _("Currency"),
        _("Offers"),
        _("Accepted"),
        _("Amount"),
        _("Accepted amount"),
        _("Carrier's fault"),
    ]


def _csv(rows, start: date, end: date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"compensation-per-carrier-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow(csv_header())
    for row in rows:
        writer.writerow(
            (
                _csv_safe(row.carrier),
                row.currency,
                row.offers,
                row.accepted,
                # In the currency's own precision: ₩ has none, € two decimals.
                money_round(row.amount, row.currency),
                money_round(row.accepted_amount, row.currency),
                money_round(row.carrier_fault_amount, row.currency),
            )
        )
    return response


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    return f"'{text}" if text and text[0] in "=+-@\t\r" else text
