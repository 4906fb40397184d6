"""Proposing for many delays at once (an incident, a backlog, the late-delivery schedule).

The contract is offers_propose's, shipment after shipment — shipments locked in id order, facts
with grants and open offers, the engine, budgets reserved under their row locks, automatic
approval at or under the threshold, an audit event per step (proposed, and approved when
automatic), issue tasks queued on commit — with the per-offer costs taken out:

- the engine looks only at the rules that can match each kind of delay (engine.RuleBook);
- explanations are worded once per distinct set of numbers (`Explainer`): a batch repeats the
  same fares, days and amounts, and wording one through Django's translation machinery costs
  ~150 µs;
- no model instances: the offers and their events are written by sql.offers_insert_bulk (COPY
  on PostgreSQL).
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.compensation import sql
from apps.compensation.engine import Proposal, RuleBook
from apps.compensation.facts import facts_load, rules_in_force, shipments_lock, tickets_open
from apps.compensation.models import ActionKind
from apps.compensation.services.budgets import Budgets, local_day
from apps.compensation.services.issue import offers_issue_queue
from apps.compensation.services.proposal import AUTO_APPROVAL_NOTE

# Shipments per transaction: each batch pays a scan of its customers' grants and a commit, and
# holds its shipments' locks ~1–2 s.
PROPOSE_BATCH = 5000
FEE_WORDED = frozenset({ActionKind.FARE_FORMULA, ActionKind.SHIPPING_REFUND})


class Explainer:
    """Proposal.explanation, remembered by everything the wording reads (engine._explain): the
    rule, the language, the currency, the fare (formula and refund), the days late (formula),
    the order value (percent coupons), and the gross, netted, capped and final amounts."""

    def __init__(self):
        self.known: dict[tuple, str] = {}

    def __call__(self, proposal: Proposal, language: str) -> str:
        facts = proposal.facts
        kind = proposal.kind
        key = (
            proposal.rule,
            language,
            facts.currency,
            facts.shipping_fee if kind in FEE_WORDED else None,
            facts.days_late if kind == ActionKind.FARE_FORMULA else None,
            facts.order_value if kind == ActionKind.PERCENT_COUPON else None,
            proposal.gross,
            proposal.netted,
            proposal.capped_at,
            proposal.amount,
        )
        text = self.known.get(key)
        if text is None:
            text = self.known[key] = proposal.explanation(language)
        return text


def offers_propose_bulk(
    *, shipment_ids: Iterable[int], now: datetime | None = None, batch: int = PROPOSE_BATCH
) -> int:
    """Propose for many delayed shipments; returns how many offers were stored.

    The same offers, budget reservations and audit events as offers_propose for each shipment in
    turn. One transaction per `batch` shipments: it locks them in id order, then the day's
    budgets (id order), and writes in bulk; approved offers are queued for issue on its commit.
    """
    now = now or timezone.now()
    book = RuleBook(rules_in_force(now), now)
    ids = sorted(set(shipment_ids))
    explainer = Explainer()
    created = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            created += _propose_batch(ids[start : start + batch], book=book, explainer=explainer)
    return created


def _propose_batch(ids: list[int], *, book: RuleBook, explainer: Explainer) -> int:
    now = book.now
    rows = facts_load(shipments_lock(shipment_ids=ids))
    evaluated = []
    for row in rows:
        proposals = book.evaluate(row.facts)
        if proposals:
            evaluated.append((row, proposals))
    if not evaluated:
        return 0
    tickets = tickets_open(shipment_ids=[row.facts.shipment_id for row, _ in evaluated])
    budgets = Budgets(local_day(now))
    budgets.load({(row.facts.currency, row.facts.carrier_id) for row, _ in evaluated})
    # Budgets are reserved in shipment and priority order, as offers_propose would one shipment
    # at a time: the carrier's own budget, else the general one; without room, the first holds
    # the offer unreserved.
    offers = []
    for row, proposals in evaluated:
        facts = row.facts
        first = budgets.budget_for(facts.currency, facts.carrier_id)
        ticket_id = tickets.get(facts.shipment_id)
        for proposal in proposals:
            amount = proposal.amount
            paying = budgets.reserve(facts.currency, facts.carrier_id, amount)
            budget = paying or first
            # In NewOffer's field order, not by keyword: a batch builds thousands, and keywords
            # cost twice as much.
            offers.append(
                sql.NewOffer(
                    facts.shipment_id,
                    ticket_id,
                    proposal.rule,
                    budget.pk if budget is not None else None,
                    proposal.kind,
                    facts.currency,
                    amount,
                    paying is not None,
                    paying is not None and amount <= proposal.rule.approval_threshold,
                    explainer(proposal, row.language),
                )
            )
    budgets.write()
    approved = sql.offers_insert_bulk(offers=offers, approval_note=AUTO_APPROVAL_NOTE, now=now)
    if approved:
        transaction.on_commit(lambda: offers_issue_queue(offer_ids=approved))
    return len(offers)
