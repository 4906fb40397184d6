"""What every dashboard figure is made of: a table (for the page, the CSV and the email) and a
Plotly-shaped chart specification (drawn by Chart.js on the page), and how their cells are written.

Ratios are computed from the counts the database returned, never from rows fetched one by one.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from apps.core.money import money_format, money_round


class Money(NamedTuple):
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    label: str
    # int | text | date | percent (a share 0–1) | score (NPS −100…100) | hours (timedelta) | money
    kind: str = "int"


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None

    def display_rows(self) -> list[list[tuple[str, str]]]:
        """(text, kind) cells for the HTML page and email."""
        return [self._display(row) for row in self.rows]

    def display_total(self) -> list[tuple[str, str]] | None:
        return self._display(self.total) if self.total else None

    def _display(self, row) -> list[tuple[str, str]]:
        return [
            (cell_text(value, column.kind), column.kind)
            for value, column in zip(row, self.columns, strict=True)
        ]

    def csv_rows(self) -> list[list[Any]]:
        rows = [
            [csv_value(v, c.kind) for v, c in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]
        if self.total:
            rows.append(
                [csv_value(v, c.kind) for v, c in zip(self.total, self.columns, strict=True)]
            )
        return rows


@dataclass
class Figure:
    slug: str
    title: str
    note: str
    table: Table
    chart: dict = field(default_factory=dict)


def share(part, whole) -> float | None:
    return float(part) / float(whole) if whole else None


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    return (promoters - detractors) * 100 / answers if answers else None


def cell_text(value, kind: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):  # a label, e.g. "Total" in the day column
        return value
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "score":
        return f"{value:+.1f}"
    if kind == "hours":
        return _("%(hours)s h") % {"hours": f"{hours(value):.1f}"}
    if kind == "money":
        return money_format(value.amount, value.currency)
    if kind == "date":
        return value.isoformat()
    if kind == "int":
        return f"{value:,}"
    return str(value)


def csv_value(value, kind: str):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == "percent":
        return round(value * 100, 1)
    if kind == "score":
        return round(value, 1)
    if kind == "hours":
        return round(hours(value), 2)
    if kind == "money":
        return money_round(value.amount, value.currency)
    if kind == "date":
        return value.isoformat()
    return value


def hours(value) -> float:
    return value.total_seconds() / 3600 if isinstance(value, timedelta) else float(value) / 3600


def by_day(rows: list[dict]) -> dict[date, dict]:
    return {row["day"]: row for row in rows}
