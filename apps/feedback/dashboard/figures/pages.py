"""What each dashboard page shows: the headline numbers and the figures, in order."""

from django.utils.translation import gettext as _

from apps.feedback.dashboard.figures.base import Figure, cell_text, nps, share
from apps.feedback.dashboard.figures.compensation import budgets
from apps.feedback.dashboard.figures.delays import delays_by_carrier, delays_by_reason, told_first
from apps.feedback.dashboard.figures.per_agent import agents
from apps.feedback.dashboard.figures.sla import tickets
from apps.feedback.dashboard.figures.source import Source
from apps.feedback.dashboard.figures.surveys import (
    feedback_by_compensation,
    feedback_over_time,
    survey_total,
)


def headline(source: Source) -> list[tuple[str, str]]:
    """The range's key numbers, for the top of the page and of the email."""
    delayed = sum(row["delayed"] for row in source.told_first)
    told = sum(row["told_first"] for row in source.told_first)
    resolved = sum(row["resolved"] for row in source.resolved)
    kept = sum(row["resolution_kept"] for row in source.resolved)
    survey = survey_total(source.feedback)
    items = [
        (_("Delayed shipments"), cell_text(delayed, "int")),
        (_("Told first"), cell_text(share(told, delayed), "percent")),
        (_("Tickets opened"), cell_text(sum(row["opened"] for row in source.opened), "int")),
        (_("Tickets resolved"), cell_text(resolved, "int")),
        (_("Resolved within SLA"), cell_text(share(kept, resolved), "percent")),
        (_("CSAT"), cell_text(share(survey["satisfied"], survey["responses"]), "percent")),
        (
            _("NPS"),
            cell_text(
                nps(survey["promoters"], survey["detractors"], survey["nps_answers"]), "score"
            ),
        ),
    ]
    return items


# What each page shows, in order; the CSV download takes the same names.
MANAGER_FIGURES = {
    "delays-by-carrier": delays_by_carrier,
    "delays-by-reason": delays_by_reason,
    "told-first": told_first,
    "tickets": tickets,
    "csat-nps": feedback_over_time,
    "csat-by-compensation": feedback_by_compensation,
    "budgets": budgets,
    "agents": agents,
}
# An agent's own page: their row of the agents' table, their tickets and their survey answers.
OWN_FIGURES = {
    "agents": agents,
    "tickets": tickets,
    "csat-nps": feedback_over_time,
}


def figures_build(source: Source, names) -> list[Figure]:
    return [MANAGER_FIGURES[name](source) for name in names]
