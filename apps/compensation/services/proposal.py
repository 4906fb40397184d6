"""Proposing offers: the rules' offers for a delay, and an agent's own offer.

A proposal locks the delayed shipments (id order) before reading what they were granted or are
being offered, so proposals for one delay run one at a time; the partial unique constraint
`offer_one_live_per_promise` backs it. The money is reserved in the period's budget when it
fits; an offer at or under its approval threshold is then approved at once and queued for issue
when the transaction commits, else it waits for a manager.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.compensation.engine import CompiledRule, Proposal, evaluate, manual_explanation
from apps.compensation.errors import (
    AmountInvalid,
    OfferAlreadyOpen,
    OfferNotForThisTicket,
    OverCap,
    ProposalNotAllowed,
    ReasonRequired,
)
from apps.compensation.facts import (
    FactsRow,
    facts_load,
    rules_in_force,
    shipments_lock,
    tickets_open,
)
from apps.compensation.models import ActionKind, Offer, OfferEvent, OfferStatus
from apps.compensation.services.budgets import Budgets, local_day
from apps.compensation.services.issue import offers_issue_queue
from apps.compensation.services.moves import offer_event_build
from apps.core.money import money_format, money_round
from apps.shipments.models import Shipment
from apps.tickets.models import Ticket

ZERO = Decimal(0)
AUTO_APPROVAL_NOTE = "At or under the approval threshold: approved automatically."
# Rows per INSERT.
ROWS_PER_STATEMENT = 1000


def _store(offers: list[Offer], *, actor: User | None = None, now: datetime) -> list[Offer]:
    """Insert the offers and their events (proposed, and approved when automatic); queue the
    approved ones for issue once the transaction commits."""
    Offer.objects.bulk_create(offers, batch_size=ROWS_PER_STATEMENT)
    events = []
    for offer in offers:
        note = offer.manual_reason or offer.explanation
        events.append(
            offer_event_build(
                offer=offer, to_status=OfferStatus.PROPOSED, actor=actor, note=note, now=now
            )
        )
        if offer.status == OfferStatus.APPROVED:
            events.append(
                offer_event_build(
                    offer=offer,
                    from_status=OfferStatus.PROPOSED,
                    to_status=OfferStatus.APPROVED,
                    note=AUTO_APPROVAL_NOTE,
                    now=now,
                )
            )
    OfferEvent.objects.bulk_create(events, batch_size=ROWS_PER_STATEMENT)
    approved = [offer.pk for offer in offers if offer.status == OfferStatus.APPROVED]
    if approved:
        transaction.on_commit(lambda: offers_issue_queue(offer_ids=approved))
    return offers


def _offers_from(
    proposals_by_row: list[tuple[FactsRow, list[Proposal]]], tickets: dict[int, int], now: datetime
) -> tuple[list[Offer], list[Decimal]]:
    offers, thresholds = [], []
    for row, proposals in proposals_by_row:
        for proposal in proposals:
            rule = proposal.rule
            offer = Offer(
                shipment_id=row.facts.shipment_id,
                ticket_id=tickets.get(row.facts.shipment_id),
                rule_id=rule.id,
                rule_version=rule.version,
                stacking_group=rule.stacking_group,
                choice_group=rule.choice_group,
                kind=proposal.kind,
                currency=row.facts.currency,
                amount=proposal.amount,
                explanation=proposal.explanation(row.language),
                created_at=now,
            )
            # For the budget lookup without a query per offer.
            offer._carrier_id = row.facts.carrier_id
            offers.append(offer)
            thresholds.append(rule.approval_threshold)
    return offers, thresholds


def _propose(
    ids: list[int],
    *,
    rules: list[CompiledRule],
    ticket: Ticket | None,
    now: datetime,
    actor: User | None = None,
) -> list[Offer]:
    rows = facts_load(shipments_lock(shipment_ids=ids))
    evaluated = [(row, evaluate(row.facts, rules, now)) for row in rows]
    evaluated = [(row, proposals) for row, proposals in evaluated if proposals]
    if not evaluated:
        return []
    if ticket is not None:
        tickets = {ticket.shipment_id: ticket.pk}
    else:
        tickets = tickets_open(shipment_ids=[row.facts.shipment_id for row, _ in evaluated])
    offers, thresholds = _offers_from(evaluated, tickets, now)
    budgets = Budgets(local_day(now))
    budgets.load((offer.currency, offer._carrier_id) for offer in offers)
    for offer, threshold in zip(offers, thresholds, strict=True):
        paying = budgets.reserve(offer.currency, offer._carrier_id, offer.amount)
        offer.budget = paying or budgets.budget_for(offer.currency, offer._carrier_id)
        if paying is not None:
            offer.reserved = offer.amount
            if offer.amount <= threshold:
                offer.status = OfferStatus.APPROVED
                offer.decided_at = now
                offer.decision_reason = AUTO_APPROVAL_NOTE
    budgets.write()
    return _store(offers, actor=actor, now=now)


def offers_propose(
    *,
    ticket: Ticket | None = None,
    shipment: Shipment | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> list[Offer]:
    """Evaluate the rules for one delayed shipment (of a ticket) and store the offers they grant.

    `actor` is who asked (an agent, an integration): the audit names them; the offers stay the
    engine's (no proposer), so any manager may decide them. Safe to call again: groups with an
    open offer are skipped and what was granted is netted off, so a second call for the same
    delay adds nothing unless the delay grew.

    In one transaction: locks the shipment, then the day's budgets (id order); reserves, writes
    the offers and their events; approved offers are queued for issue on commit.
    """
    now = now or timezone.now()
    if shipment is None:
        if ticket is None or ticket.shipment_id is None:
            return []
        shipment_id = ticket.shipment_id
    else:
        shipment_id = shipment.pk
    with transaction.atomic():
        return _propose(
            [shipment_id], rules=rules_in_force(now), ticket=ticket, now=now, actor=actor
        )


def _amount_checked(amount: Decimal | int | str, currency: str) -> Decimal:
    try:
        amount = money_round(Decimal(str(amount)), currency)
    except ArithmeticError as error:
        raise AmountInvalid("The amount must be a number.") from error
    if not amount.is_finite():
        # "NaN" quantizes to NaN, which refuses every comparison.
        raise AmountInvalid("The amount must be a number.")
    if amount <= 0:
        raise AmountInvalid()
    return amount


def offer_propose_manual(
    *,
    shipment: Shipment,
    agent: User,
    kind: str,
    amount: Decimal | int | str,
    reason: str,
    ticket: Ticket | None = None,
    stacking_group: str = "manual",
    now: datetime | None = None,
) -> Offer:
    """An agent's own offer, with a reason; the same caps, budget and approval checks apply.

    Refuses without the propose permission, without a reason, over MANUAL_OFFER_CAP (counting
    what the order was given or is being offered), or with an offer already open in the group.
    Locks the shipment (so proposals for one delay run one at a time), then the budgets; the
    amount is reserved when a budget has room, and the offer is approved at once only at or
    under MANUAL_OFFER_APPROVAL_THRESHOLD (else it waits for a manager who is not `agent`).
    """
    if not agent.has_perm("compensation.propose_offer"):
        raise ProposalNotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    if kind not in ActionKind.values:
        raise AmountInvalid(f"Unknown kind of compensation: {kind!r}.")
    if ticket is not None and ticket.shipment_id != shipment.pk:
        raise OfferNotForThisTicket()
    amount = _amount_checked(amount, shipment.currency)
    now = now or timezone.now()
    with transaction.atomic():
        rows = facts_load(shipments_lock(shipment_ids=[shipment.pk]))
        if not rows:
            raise AmountInvalid("No such shipment.")
        facts = rows[0].facts
        currency, carrier_id = facts.currency, facts.carrier_id
        if stacking_group in facts.open_groups:
            raise OfferAlreadyOpen(stacking_group=stacking_group)
        cap = Decimal(settings.DELAYDESK["MANUAL_OFFER_CAP"])
        room = cap - facts.granted_total - facts.pending_total
        if amount > room:
            raise OverCap(allowed=money_format(max(room, ZERO), currency))
        if ticket is not None:
            ticket_id = ticket.pk
        else:
            ticket_id = tickets_open(shipment_ids=[shipment.pk]).get(shipment.pk)
        offer = Offer(
            shipment_id=shipment.pk,
            ticket_id=ticket_id,
            stacking_group=stacking_group,
            kind=kind,
            currency=currency,
            amount=amount,
            explanation=manual_explanation(
                amount=amount,
                currency=currency,
                kind=kind,
                reason=reason,
                language=rows[0].language,
            ),
            proposed_by=agent,
            manual_reason=reason[:300],
            created_at=now,
        )
        budgets = Budgets(local_day(now))
        budgets.load([(currency, carrier_id)])
        paying = budgets.reserve(currency, carrier_id, amount)
        offer.budget = paying or budgets.budget_for(currency, carrier_id)
        if paying is not None:
            offer.reserved = amount
            threshold = Decimal(settings.DELAYDESK["MANUAL_OFFER_APPROVAL_THRESHOLD"])
            if amount <= threshold:
                offer.status = OfferStatus.APPROVED
                offer.decided_at = now
                offer.decision_reason = AUTO_APPROVAL_NOTE
        budgets.write()
        _store([offer], actor=agent, now=now)
        return offer
