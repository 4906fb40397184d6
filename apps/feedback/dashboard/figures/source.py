"""The rows a page's figures are built from, fetched from the selectors at most once each."""

from functools import cached_property

from apps.feedback.dashboard import selectors
from apps.feedback.dashboard.period import Period


class Source:
    """The selectors' rows for one period (and maybe one agent), each fetched at most once."""

    def __init__(self, period: Period, *, assignee=None):
        self.period = period
        self.assignee = assignee

    @cached_property
    def delays(self):
        return selectors.delays_per_day(self.period)

    @cached_property
    def told_first(self):
        return selectors.told_first_per_day(self.period)

    @cached_property
    def opened(self):
        return selectors.tickets_opened_per_day(self.period, assignee=self.assignee)

    @cached_property
    def resolved(self):
        return selectors.tickets_resolved_per_day(self.period, assignee=self.assignee)

    @cached_property
    def feedback(self):
        return selectors.feedback_per_day(self.period, assignee=self.assignee)

    @cached_property
    def feedback_by_kind(self):
        return selectors.feedback_by_compensation(self.period)

    @cached_property
    def budgets(self):
        return selectors.budgets_in_period(self.period)

    @cached_property
    def agents(self) -> list[dict]:
        resolution = selectors.agents_resolution(self.period, assignee=self.assignee)
        feedback = selectors.agents_feedback(self.period, assignee=self.assignee)
        by_agent: dict[int, dict] = {}
        for row in resolution:
            by_agent.setdefault(row["assignee_id"], {}).update(row)
        for row in feedback:
            by_agent.setdefault(row["assignee_id"], {}).update(row)
        names = selectors.agents_named(by_agent)
        agents = [
            {"assignee_id": pk, "name": names.get(pk, str(pk)), **row}
            for pk, row in by_agent.items()
        ]
        return sorted(agents, key=lambda row: (row["name"].casefold(), row["assignee_id"]))
