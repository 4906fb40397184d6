"""The desk's managers addresses: approvals, rules, budgets, follow-ups, the cost report."""

from django.urls import path

from apps.desk.views import approvals, budgets, cost, followups, rules

urlpatterns = [
    path("approvals/", approvals.approvals, name="approvals"),
    path("rules/", rules.rules, name="rules"),
    path("rules/new/", rules.rule_new, name="rule_new"),
    path("rules/new/preview/", rules.rule_preview_view, name="rule_new_preview"),
    path("rules/describe/", rules.rule_describe, name="rule_describe"),
    path("rules/<int:rule_id>/", rules.rule_edit, name="rule"),
    path("rules/<int:rule_id>/preview/", rules.rule_preview_view, name="rule_preview"),
    path("budgets/", budgets.budgets, name="budgets"),
    path("budgets/new/", budgets.budget_new, name="budget_new"),
    path("budgets/<int:budget_id>/", budgets.budget_edit, name="budget"),
    path("followups/", followups.followups, name="followups"),
    path("followups/<int:followup_id>/", followups.followup, name="followup"),
    path("cost/", cost.cost, name="cost"),
]
