"""The budgets figure: compensation spent and reserved against each budget of the range."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.core.money import money_round
from apps.feedback.dashboard.figures.base import Column, Figure, Money, Table, share
from apps.feedback.dashboard.figures.charts import layout
from apps.feedback.dashboard.figures.source import Source


def budgets(source: Source) -> Figure:
    rows = []
    for row in source.budgets:
        currency = row["currency"]
        used = row["spent"] + row["reserved"]
        rows.append(
            [
                row["name"],
                row["period_start"],
                row["period_end"],
                row["carrier__name"] or _("All carriers"),
                Money(row["amount"], currency),
                Money(row["spent"], currency),
                Money(row["reserved"], currency),
                share(used, row["amount"]),
            ]
        )
    labels = [f"{row[0]} ({row[4].currency})" for row in rows]

    def amounts(column: int) -> list[float]:
        return [float(money_round(row[column].amount, row[column].currency)) for row in rows]

    chart = {
        "data": [
            {
                "type": "bar",
                "name": _("Budget"),
                "x": labels,
                "y": amounts(4),
                "offsetgroup": "budget",
                "marker": {"color": "#c9d6e8"},
            },
            {
                "type": "bar",
                "name": _("Spent"),
                "x": labels,
                "y": amounts(5),
                "offsetgroup": "used",
            },
            {
                "type": "bar",
                "name": _("Reserved"),
                "x": labels,
                "y": amounts(6),
                "base": amounts(5),
                "offsetgroup": "used",
            },
        ],
        "layout": layout(barmode="group", hovermode="closest", yaxis={"rangemode": "tozero"}),
    }
    return Figure(
        slug="budgets",
        title=_("Compensation spent against budget"),
        note=_(
            "Budgets whose period overlaps the range: spent (issued to customers) and reserved "
            "(proposed, waiting) against the amount."
        ),
        table=Table(
            columns=[
                Column("budget", _("Budget"), "text"),
                Column("period_start", pgettext("dashboard period", "From"), "date"),
                Column("period_end", pgettext("dashboard period", "To"), "date"),
                Column("carrier", _("Carrier"), "text"),
                Column("amount", _("Amount"), "money"),
                Column("spent", _("Spent"), "money"),
                Column("reserved", _("Reserved"), "money"),
                Column("used_percent", _("Used (share)"), "percent"),
            ],
            rows=rows,
        ),
        chart=chart,
    )
