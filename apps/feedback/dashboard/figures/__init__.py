"""The dashboard's figures: grouped rows → a table (for the page, the CSV and the email) and a
Plotly-shaped chart specification (drawn by Chart.js on the page).

A figure is built from the rows its selector returned; the days of the range with nothing in
them are filled in here, so every table has one line per day. One module per family: delays,
sla (tickets), surveys, compensation (budgets), per_agent; pages lists what each page shows.
"""

from apps.feedback.dashboard.figures.base import (
    Column,
    Figure,
    Money,
    Table,
    cell_text,
    csv_value,
    hours,
    nps,
    share,
)
from apps.feedback.dashboard.figures.compensation import budgets
from apps.feedback.dashboard.figures.delays import (
    delays_by_carrier,
    delays_by_reason,
    reason_label,
    told_first,
)
from apps.feedback.dashboard.figures.pages import (
    MANAGER_FIGURES,
    OWN_FIGURES,
    figures_build,
    headline,
)
from apps.feedback.dashboard.figures.per_agent import agents
from apps.feedback.dashboard.figures.sla import tickets
from apps.feedback.dashboard.figures.source import Source
from apps.feedback.dashboard.figures.surveys import (
    SURVEY_COUNTS,
    feedback_by_compensation,
    feedback_over_time,
    kind_label,
)

__all__ = [
    "MANAGER_FIGURES",
    "OWN_FIGURES",
    "SURVEY_COUNTS",
    "Column",
    "Figure",
    "Money",
    "Source",
    "Table",
    "agents",
    "budgets",
    "cell_text",
    "csv_value",
    "delays_by_carrier",
    "delays_by_reason",
    "feedback_by_compensation",
    "feedback_over_time",
    "figures_build",
    "headline",
    "hours",
    "kind_label",
    "nps",
    "reason_label",
    "share",
    "tickets",
    "told_first",
]
