"""Every write to compensation: transactional, locking, and leaving an audit entry.

The life of an offer: proposed (by the rules or by an agent) → approved (automatically at or under
its threshold, else by a manager who did not propose it) → issued (a voucher, and a message to
the customer) → accepted | declined | expired. Money follows it in the period's budget: reserved
on proposal when it fits (else on approval), spent on issue, given back on rejection, decline or
expiry. The budget row's conditional UPDATE and its check constraint keep it from ever being
exceeded, whatever runs at the same time.

One module per concern: proposal (one delay, an agent's own offer), proposal_bulk (many delays),
budgets, decision (approve, reject), issue, answer (the customer's accept or decline), expiry,
rules (creating and editing rules, with their versions). This package re-exports their service
functions, so callers import them from `apps.compensation.services`.
"""

from apps.compensation.facts import rules_in_force
from apps.compensation.services.answer import offer_accept, offer_decline
from apps.compensation.services.budget_settings import (
    BUDGET_FIELDS,
    budget_create,
    budget_update,
)
from apps.compensation.services.budgets import (
    budget_release,
    budget_release_reserved,
    budget_reserve,
    budget_reserve_first,
    budget_spend,
    budgets_give_back,
)
from apps.compensation.services.decision import offer_approve, offer_reject
from apps.compensation.services.expiry import offers_expire
from apps.compensation.services.issue import (
    offer_issue,
    offers_issue_due,
    offers_issue_queue,
    voucher_code,
)
from apps.compensation.services.proposal import offer_propose_manual, offers_propose
from apps.compensation.services.proposal_bulk import offers_propose_bulk
from apps.compensation.services.rules import rule_create, rule_update

__all__ = [
    "BUDGET_FIELDS",
    "budget_create",
    "budget_update",
    "budget_release",
    "budget_release_reserved",
    "budget_reserve",
    "budget_reserve_first",
    "budget_spend",
    "budgets_give_back",
    "offer_accept",
    "offer_approve",
    "offer_decline",
    "offer_issue",
    "offer_propose_manual",
    "offer_reject",
    "offers_expire",
    "offers_issue_due",
    "offers_issue_queue",
    "offers_propose",
    "offers_propose_bulk",
    "rule_create",
    "rule_update",
    "rules_in_force",
    "voucher_code",
]
