"""Every write to compensation: transactional, locking, and leaving an audit entry.

The life of an offer: proposed (by the rules or by an agent) → approved (automatically at or under
its threshold, else by a manager who did not propose it) → issued (a voucher, and a message to
the customer) → accepted | declined | expired. Money follows it in the period's budget: reserved
on proposal when it fits (else on approval), spent on issue, given back on rejection, decline or
expiry. The budget row's conditional UPDATE and its check constraint keep it from ever being
exceeded, whatever runs at the same time.
"""

import base64
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from apps.compensation.engine import (
    CompiledRule,
    Facts,
    Proposal,
    evaluate,
    manual_explanation,
    rules_compile,
)
from apps.compensation.errors import (
    AmountInvalid,
    ApprovalNotAllowed,
    BudgetExhausted,
    NoBudget,
    OfferAlreadyOpen,
    OfferExpired,
    OfferNotForThisTicket,
    OfferTransitionRefused,
    OverCap,
    ProposalNotAllowed,
    ReasonRequired,
    SelfApprovalRefused,
)
from apps.compensation.models import (
    GRANTED_OFFER_STATUSES,
    LIVE_OFFER_STATUSES,
    ActionKind,
    Budget,
    CompensationRule,
    Offer,
    OfferEvent,
    OfferStatus,
    Voucher,
)
from apps.core.money import money_format, money_round
from apps.shipments.models import REASON_FAULT, Fault, Shipment
from apps.tickets.models import Ticket, TicketStatus

ZERO = Decimal(0)
AUTO_APPROVAL_NOTE = "At or under the approval threshold: approved automatically."
# Rows per statement or task when writing in bulk.
BATCH = 1000
# Shipments per transaction when proposing in bulk (an incident, the benchmark): each batch
# pays a scan of its customers' grants and a commit, and holds its shipments' locks ~1–2 s.
PROPOSE_BATCH = 5000


def _conf(key: str):
    return settings.DELAYDESK[key]


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


# --- Facts ------------------------------------------------------------------------------------

SHIPMENT_FACT_FIELDS = (
    "pk",
    "carrier_id",
    "currency",
    "service_level",
    "promise_type",
    "delay_reason",
    "delay_hours",
    "delay_business_days",
    "shipping_fee",
    "order_value",
    "customer_id",
    "customer__language",
)


@dataclass(slots=True)
class _Row:
    facts: Facts
    customer_id: int
    language: str


# Offers whose stacking group is answered for good: nothing new is proposed there.
CLOSED_OFFER_STATUSES = (OfferStatus.REJECTED, OfferStatus.DECLINED, OfferStatus.EXPIRED)
PENDING_OFFER_STATUSES = (OfferStatus.PROPOSED, OfferStatus.APPROVED)


def _facts_load(rows: list[tuple], *, with_grants: bool = True) -> list[_Row]:
    """Facts for shipment rows (SHIPMENT_FACT_FIELDS), with their grants and earlier offers."""
    ids = [row[0] for row in rows]
    open_groups: dict[int, set] = defaultdict(set)
    closed_groups: dict[int, set] = defaultdict(set)
    granted: dict[int, dict] = defaultdict(dict)
    pending: dict[int, Decimal] = defaultdict(Decimal)
    previous: dict[int, set] = defaultdict(set)
    if with_grants and ids:
        # One query for every earlier offer of these shipments, summed by group and status.
        for shipment_id, group, status, total in _earlier_offers(ids):
            if status in LIVE_OFFER_STATUSES:
                open_groups[shipment_id].add(group)
            elif status in CLOSED_OFFER_STATUSES:
                closed_groups[shipment_id].add(group)
            if status in GRANTED_OFFER_STATUSES:
                by_group = granted[shipment_id]
                by_group[group] = by_group.get(group, ZERO) + total
            elif status in PENDING_OFFER_STATUSES:
                pending[shipment_id] += total
        for customer_id, shipment_id in _granted_shipments({row[10] for row in rows}):
            previous[customer_id].add(shipment_id)
    result = []
    for row in rows:
        pk, customer_id = row[0], row[10]
        by_group = granted.get(pk, {})
        earlier = previous.get(customer_id, ())
        result.append(
            _Row(
                facts=Facts(
                    shipment_id=pk,
                    carrier_id=row[1],
                    currency=row[2],
                    service_level=row[3],
                    promise_type=row[4],
                    fault=REASON_FAULT.get(row[5], Fault.UNKNOWN) if row[5] else Fault.UNKNOWN,
                    hours_late=row[6] if row[5] else 0,
                    business_days_late=row[7] if row[5] else 0,
                    shipping_fee=row[8],
                    order_value=row[9],
                    previous_grants=len(earlier) - (pk in earlier),
                    granted_by_group=by_group,
                    granted_total=sum(by_group.values(), ZERO),
                    open_groups=frozenset(open_groups.get(pk, ())),
                    pending_total=pending.get(pk, ZERO),
                    closed_groups=frozenset(
                        closed_groups.get(pk, set()) - open_groups.get(pk, set())
                    ),
                ),
                customer_id=customer_id,
                language=row[11],
            )
        )
    return result


# On PostgreSQL the queries of many shipments pass their ids as one array (`= ANY(%s)`): the
# ORM's `IN (%s, %s, …)` makes the driver parse a thousand placeholders per query.


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _earlier_offers(ids: list[int]) -> list[tuple]:
    """(shipment, stacking group, status, amount summed) of every offer of these shipments."""
    if _is_postgres():
        return _fetch(
            "SELECT shipment_id, stacking_group, status, sum(amount) FROM compensation_offer "
            "WHERE shipment_id = ANY(%s) GROUP BY 1, 2, 3",
            [list(ids)],
        )
    return list(
        Offer.objects.filter(shipment_id__in=ids)
        .values_list("shipment_id", "stacking_group", "status")
        .annotate(total=Sum("amount"))
        .order_by()
    )


def _granted_shipments(customers: set[int]) -> list[tuple]:
    """(customer, shipment) for the shipments of these customers with an offer granted."""
    if _is_postgres():
        return _fetch(
            "SELECT DISTINCT s.customer_id, o.shipment_id FROM compensation_offer o "
            "JOIN shipments_shipment s ON s.id = o.shipment_id "
            "WHERE s.customer_id = ANY(%s) AND o.status = ANY(%s)",
            [list(customers), list(GRANTED_OFFER_STATUSES)],
        )
    return list(
        Offer.objects.filter(shipment__customer_id__in=customers, status__in=GRANTED_OFFER_STATUSES)
        .values_list("shipment__customer_id", "shipment_id")
        .distinct()
        .order_by()
    )


def rules_in_force(now: datetime | None = None) -> list[CompiledRule]:
    now = now or timezone.now()
    rules = CompensationRule.objects.filter(is_active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=now),
        Q(valid_until__isnull=True) | Q(valid_until__gt=now),
    )
    return rules_compile(rules)


# --- Budgets ----------------------------------------------------------------------------------


class _Budgets:
    """The budgets of one transaction, locked in id order, with what is left in each."""

    def __init__(self, day: date):
        self.day = day
        self.by_key: dict[tuple, list[Budget]] = {}
        self.left: dict[int, Decimal] = {}
        self.take: dict[int, Decimal] = defaultdict(Decimal)

    def load(self, keys: Iterable[tuple[str, int]]) -> None:
        """Lock the budgets that could pay for (currency, carrier) pairs."""
        keys = set(keys)
        currencies = {currency for currency, _ in keys}
        budgets = list(
            Budget.objects.select_for_update()
            .filter(currency__in=currencies, period_start__lte=self.day, period_end__gte=self.day)
            .order_by("pk")
        )
        for key in keys:
            self.by_key[key] = _budgets_in_order(budgets, currency=key[0], carrier_id=key[1])
        for budget in budgets:
            self.left[budget.pk] = budget.available

    def budget_for(self, currency: str, carrier_id: int) -> Budget | None:
        """The budget that pays first (the carrier's own, else the general one)."""
        candidates = self.by_key.get((currency, carrier_id))
        return candidates[0] if candidates else None

    def reserve(self, currency: str, carrier_id: int, amount: Decimal) -> Budget | None:
        """Take `amount` from the first budget with room for it; None when none has room."""
        for budget in self.by_key.get((currency, carrier_id), ()):
            if self.left[budget.pk] >= amount:
                self.left[budget.pk] -= amount
                self.take[budget.pk] += amount
                return budget
        return None

    def try_reserve(self, budget: Budget | None, amount: Decimal) -> bool:
        if budget is None or self.left[budget.pk] < amount:
            return False
        self.left[budget.pk] -= amount
        self.take[budget.pk] += amount
        return True

    def write(self) -> None:
        # Id order, as locked: two transactions never wait on each other's budget rows.
        for pk in sorted(self.take):
            Budget.objects.filter(pk=pk).update(
                reserved=F("reserved") + self.take[pk], updated_at=timezone.now()
            )


def _budgets_in_order(budgets: Iterable[Budget], *, currency: str, carrier_id) -> list[Budget]:
    """Who pays, in turn: the carrier's own budget first, then the period's general one."""
    own = [b for b in budgets if b.currency == currency and b.carrier_id == carrier_id]
    general = [b for b in budgets if b.currency == currency and b.carrier_id is None]
    return (own if carrier_id is not None else []) + general


def _budget_reserve(*, budget: Budget, amount: Decimal) -> None:
    """Reserve `amount` in `budget` only if it fits, atomically (the row lock of the UPDATE).

    On PostgreSQL a second writer waits for the row and re-checks the condition against the
    committed row; the check constraint `budget_never_exceeded` backs it up.
    """
    updated = Budget.objects.filter(
        pk=budget.pk, amount__gte=F("reserved") + F("spent") + amount
    ).update(reserved=F("reserved") + amount, updated_at=timezone.now())
    if not updated:
        budget.refresh_from_db(fields=["amount", "reserved", "spent"])
        raise BudgetExhausted(
            budget=budget.name, available=money_format(budget.available, budget.currency)
        )


def _budget_candidates(*, currency: str, carrier_id: int, day: date) -> list[Budget]:
    budgets = Budget.objects.filter(
        currency=currency, period_start__lte=day, period_end__gte=day
    ).filter(Q(carrier_id=carrier_id) | Q(carrier__isnull=True))
    return _budgets_in_order(list(budgets), currency=currency, carrier_id=carrier_id)


def _budget_find(*, currency: str, carrier_id: int, day: date) -> Budget:
    budgets = _budget_candidates(currency=currency, carrier_id=carrier_id, day=day)
    if not budgets:
        raise NoBudget(day=day.isoformat(), currency=currency)
    return budgets[0]


def _budget_reserve_first(*, currency: str, carrier_id: int, day: date, amount: Decimal) -> Budget:
    """Reserve in the carrier's budget, else the general one; NoBudget / BudgetExhausted."""
    budgets = _budget_candidates(currency=currency, carrier_id=carrier_id, day=day)
    if not budgets:
        raise NoBudget(day=day.isoformat(), currency=currency)
    for budget in budgets[:-1]:
        try:
            _budget_reserve(budget=budget, amount=amount)
        except BudgetExhausted:
            continue
        return budget
    _budget_reserve(budget=budgets[-1], amount=amount)
    return budgets[-1]


# --- Proposing --------------------------------------------------------------------------------


def _event(offer: Offer, *, to_status: str, from_status: str = "", actor=None, note="", now):
    return OfferEvent(
        offer=offer,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note[:500],
        created_at=now,
    )


def _store(offers: list[Offer], *, actor=None, now) -> list[Offer]:
    Offer.objects.bulk_create(offers, batch_size=BATCH)
    events = []
    for offer in offers:
        note = offer.manual_reason or offer.explanation
        events.append(
            _event(offer, to_status=OfferStatus.PROPOSED, actor=actor, note=note, now=now)
        )
        if offer.status == OfferStatus.APPROVED:
            events.append(
                _event(
                    offer,
                    from_status=OfferStatus.PROPOSED,
                    to_status=OfferStatus.APPROVED,
                    note=AUTO_APPROVAL_NOTE,
                    now=now,
                )
            )
    OfferEvent.objects.bulk_create(events, batch_size=BATCH)
    approved = [offer.pk for offer in offers if offer.status == OfferStatus.APPROVED]
    if approved:
        transaction.on_commit(lambda: _enqueue_issue(approved))
    return offers


def _open_tickets(shipment_ids: list[int]) -> dict[int, int]:
    """The newest ticket not yet closed of each shipment: offers go on the customer's ticket."""
    tickets = {}
    if _is_postgres():
        rows = _fetch(
            "SELECT shipment_id, id FROM tickets_ticket WHERE shipment_id = ANY(%s) "
            "AND status <> %s ORDER BY shipment_id, created_at, id",
            [list(shipment_ids), TicketStatus.CLOSED.value],
        )
    else:
        rows = (
            Ticket.objects.filter(shipment_id__in=shipment_ids)
            .exclude(status=TicketStatus.CLOSED)
            .order_by("shipment_id", "created_at", "pk")
            .values_list("shipment_id", "pk")
        )
    for shipment_id, ticket_id in rows:
        tickets[shipment_id] = ticket_id
    return tickets


def _offers_from(
    proposals_by_row: list[tuple[_Row, list[Proposal]]], tickets: dict[int, int], now
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


# SHIPMENT_FACT_FIELDS, the shipments locked (not their customers).
_LOCK_SHIPMENTS_SQL = (
    "SELECT s.id, s.carrier_id, s.currency, s.service_level, s.promise_type, s.delay_reason, "
    "s.delay_hours, s.delay_business_days, s.shipping_fee, s.order_value, s.customer_id, "
    "c.language FROM shipments_shipment s JOIN shipments_customer c ON c.id = s.customer_id "
    "WHERE s.id = ANY(%s) ORDER BY s.id FOR UPDATE OF s"
)


def _lock_shipments(ids: list[int]) -> list[tuple]:
    """Lock the shipments (id order: no deadlocks) so proposals for one delay run one at a time."""
    if _is_postgres():
        return _fetch(_LOCK_SHIPMENTS_SQL, [list(ids)])
    return list(
        Shipment.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list(*SHIPMENT_FACT_FIELDS)
    )


def _propose_batch(
    ids: list[int], *, rules: list[CompiledRule], ticket: Ticket | None, now, actor=None
) -> list[Offer]:
    rows = _facts_load(_lock_shipments(ids))
    evaluated = [(row, evaluate(row.facts, rules, now)) for row in rows]
    evaluated = [(row, proposals) for row, proposals in evaluated if proposals]
    if not evaluated:
        return []
    if ticket is not None:
        tickets = {ticket.shipment_id: ticket.pk}
    else:
        tickets = _open_tickets([row.facts.shipment_id for row, _ in evaluated])
    offers, thresholds = _offers_from(evaluated, tickets, now)
    budgets = _Budgets(_local_day(now))
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
    *, ticket: Ticket | None = None, shipment: Shipment | None = None, actor=None, now=None
) -> list[Offer]:
    """Evaluate the rules for one delayed shipment (of a ticket) and store the offers they grant.

    `actor` is who asked (an agent, an integration): the audit names them; the offers stay the
    engine's (no proposer), so any manager may decide them. Safe to call again: groups with an
    open offer are skipped and what was granted is netted off, so a second call for the same
    delay adds nothing unless the delay grew.
    """
    now = now or timezone.now()
    if shipment is None:
        if ticket is None or ticket.shipment_id is None:
            return []
        shipment_id = ticket.shipment_id
    else:
        shipment_id = shipment.pk
    with transaction.atomic():
        return _propose_batch(
            [shipment_id], rules=rules_in_force(now), ticket=ticket, now=now, actor=actor
        )


def offers_propose_bulk(
    *, shipment_ids: Iterable[int], now=None, batch: int = PROPOSE_BATCH
) -> int:
    """Propose for many delayed shipments (an incident): one transaction per batch (shipments
    locked in id order); returns how many offers were stored. The same offers, budget
    reservations and audit events as offers_propose for each shipment in turn, written in bulk
    (apps.compensation.bulk); approved offers are queued for issue on commit."""
    from apps.compensation import bulk

    return bulk.offers_propose_bulk(shipment_ids=shipment_ids, now=now, batch=batch)


def offer_propose_manual(
    *,
    shipment: Shipment,
    agent,
    kind: str,
    amount: Decimal,
    reason: str,
    ticket: Ticket | None = None,
    stacking_group: str = "manual",
    now=None,
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
    try:
        amount = money_round(Decimal(str(amount)), shipment.currency)
    except ArithmeticError as error:
        raise AmountInvalid("The amount must be a number.") from error
    if not amount.is_finite():
        # "NaN" quantizes to NaN, which refuses every comparison.
        raise AmountInvalid("The amount must be a number.")
    if amount <= 0:
        raise AmountInvalid()
    now = now or timezone.now()
    with transaction.atomic():
        rows = _facts_load(_lock_shipments([shipment.pk]))
        if not rows:
            raise AmountInvalid("No such shipment.")
        facts = rows[0].facts
        currency, carrier_id = facts.currency, facts.carrier_id
        if stacking_group in facts.open_groups:
            raise OfferAlreadyOpen(stacking_group=stacking_group)
        room = Decimal(_conf("MANUAL_OFFER_CAP")) - facts.granted_total - facts.pending_total
        if amount > room:
            raise OverCap(allowed=money_format(max(room, ZERO), currency))
        ticket_id = ticket.pk if ticket else _open_tickets([shipment.pk]).get(shipment.pk)
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
        budgets = _Budgets(_local_day(now))
        budgets.load([(currency, carrier_id)])
        paying = budgets.reserve(currency, carrier_id, amount)
        offer.budget = paying or budgets.budget_for(currency, carrier_id)
        if paying is not None:
            offer.reserved = amount
            if amount <= Decimal(_conf("MANUAL_OFFER_APPROVAL_THRESHOLD")):
                offer.status = OfferStatus.APPROVED
                offer.decided_at = now
                offer.decision_reason = AUTO_APPROVAL_NOTE
        budgets.write()
        _store([offer], actor=agent, now=now)
        return offer


# --- Deciding ---------------------------------------------------------------------------------


def _locked(offer: Offer | int) -> Offer:
    pk = offer if isinstance(offer, int) else offer.pk
    return Offer.objects.select_for_update(of=("self",)).select_related("shipment").get(pk=pk)


def _move(offer: Offer, to_status: str, *, actor=None, note: str = "", now) -> None:
    if not offer.can_transition_to(to_status):
        raise OfferTransitionRefused(from_status=offer.status, to_status=to_status)
    from_status = offer.status
    offer.status = to_status
    _event(
        offer, from_status=from_status, to_status=to_status, actor=actor, note=note, now=now
    ).save()


def offer_approve(*, offer: Offer | int, manager, now=None) -> Offer:
    """A manager approves a proposed offer; never the proposer; only if a budget holds it.

    Locks the offer, then reserves what is not yet reserved by a conditional UPDATE of the
    budget row (the carrier's own budget first, then the general one, for the day of approval):
    NoBudget when no budget covers the day, BudgetExhausted when none has room. The issue task is
    queued once the approval commits.
    """
    if not manager.has_perm("compensation.approve_offer"):
        raise ApprovalNotAllowed()
    now = now or timezone.now()
    with transaction.atomic():
        offer = _locked(offer)
        if offer.status != OfferStatus.PROPOSED:
            raise OfferTransitionRefused(from_status=offer.status, to_status=OfferStatus.APPROVED)
        if offer.proposed_by_id == manager.pk:
            raise SelfApprovalRefused()
        need = offer.amount - offer.reserved
        if need > 0 and offer.reserved > 0:
            _budget_reserve(budget=offer.budget, amount=need)
        elif need > 0:
            # Nothing held yet (no budget had room at proposal): today's budgets pay.
            offer.budget = _budget_reserve_first(
                currency=offer.currency,
                carrier_id=offer.shipment.carrier_id,
                day=_local_day(now),
                amount=need,
            )
        offer.reserved = offer.amount
        _move(offer, OfferStatus.APPROVED, actor=manager, note="Approved by a manager.", now=now)
        offer.decided_by = manager
        offer.decided_at = now
        offer.save(update_fields=["status", "decided_by", "decided_at", "budget", "reserved"])
        pk = offer.pk
        transaction.on_commit(lambda: _enqueue_issue([pk]))
        return offer


def offer_reject(*, offer: Offer | int, manager, reason: str, now=None) -> Offer:
    """A manager rejects a proposed offer with a reason; its reservation goes back."""
    if not manager.has_perm("compensation.approve_offer"):
        raise ApprovalNotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    now = now or timezone.now()
    with transaction.atomic():
        offer = _locked(offer)
        if offer.status != OfferStatus.PROPOSED:
            raise OfferTransitionRefused(from_status=offer.status, to_status=OfferStatus.REJECTED)
        if offer.proposed_by_id == manager.pk:
            raise SelfApprovalRefused()
        _release_reserved(offer)
        _move(offer, OfferStatus.REJECTED, actor=manager, note=reason, now=now)
        offer.decided_by = manager
        offer.decided_at = now
        offer.decision_reason = reason[:300]
        offer.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason", "reserved"]
        )
        return offer


def _release_reserved(offer: Offer) -> None:
    if offer.reserved and offer.budget_id:
        Budget.objects.filter(pk=offer.budget_id).update(
            reserved=F("reserved") - offer.reserved, updated_at=timezone.now()
        )
    offer.reserved = ZERO


def _release_spent(offer: Offer) -> None:
    if offer.budget_id:
        Budget.objects.filter(pk=offer.budget_id).update(
            spent=F("spent") - offer.amount, updated_at=timezone.now()
        )


# --- Issuing ----------------------------------------------------------------------------------


def voucher_code() -> str:
    """120 random bits in base32, grouped for reading out: XXXX-XXXX-XXXX-XXXX-XXXX-XXXX."""
    text = base64.b32encode(secrets.token_bytes(15)).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _enqueue_issue(offer_ids: list[int]) -> None:
    from django_q.tasks import async_task

    for start in range(0, len(offer_ids), BATCH):
        async_task(
            "apps.compensation.tasks.issue_offers",
            offer_ids[start : start + BATCH],
            group="compensation",
        )


def _ticket_for(offer: Offer, now) -> Ticket:
    """The customer's page for the offer: its ticket, or a new proactive one for the delay."""
    if offer.ticket_id:
        return offer.ticket
    existing = _open_tickets([offer.shipment_id]).get(offer.shipment_id)
    if existing:
        return Ticket.objects.get(pk=existing)
    from django.utils import translation
    from django.utils.translation import gettext

    from apps.tickets.services.ticket import ticket_open

    shipment = Shipment.objects.select_related("customer").get(pk=offer.shipment_id)
    with translation.override(shipment.customer.language):
        ticket, _token = ticket_open(
            customer=shipment.customer,
            shipment=shipment,
            category="late",
            subject=gettext("Your parcel %(number)s is late")
            % {"number": shipment.tracking_number},
            body=gettext("We are sorry your parcel is late. Our offer to make up for it is below."),
            is_proactive=True,
            now=now,
        )
    return ticket


def offer_issue(*, offer_id: int, now=None) -> Offer | None:
    """Turn an approved offer into a voucher and tell the customer. Idempotent: an offer that is
    not (or no longer) approved is left alone, so a re-run issues nothing twice."""
    from apps.compensation.telling import offer_tell

    now = now or timezone.now()
    with transaction.atomic():
        # Wait for the row rather than skip it: whoever holds it (a refused second approval, a
        # second worker) lets go soon, and PostgreSQL re-checks the status on the row it then
        # reads, so a second run finds the offer issued and leaves it.
        offer = (
            Offer.objects.select_for_update(of=("self",))
            .select_related("ticket", "shipment")
            .filter(pk=offer_id, status=OfferStatus.APPROVED)
            .first()
        )
        if offer is None:
            return None
        ticket = _ticket_for(offer, now)
        Voucher.objects.create(offer=offer, code=voucher_code(), created_at=now)
        if offer.budget_id:
            Budget.objects.filter(pk=offer.budget_id).update(
                reserved=F("reserved") - offer.reserved,
                spent=F("spent") + offer.amount,
                updated_at=now,
            )
        offer.reserved = ZERO
        offer.ticket = ticket
        offer.issued_at = now
        offer.expires_at = now + timedelta(days=_conf("OFFER_ANSWER_DAYS"))
        _move(offer, OfferStatus.ISSUED, note="Voucher issued; the customer is told.", now=now)
        offer.save(update_fields=["status", "reserved", "ticket", "issued_at", "expires_at"])
        offer_tell(offer=offer, stage="offer_issued", now=now)
        return offer


def offers_issue_due(*, now=None, limit: int = 500) -> int:
    """Issue approved offers whose task was lost (the schedule's safety net)."""
    ids = list(
        Offer.objects.filter(status=OfferStatus.APPROVED)
        .order_by("decided_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(offer_issue(offer_id=pk, now=now) is not None for pk in ids)


# --- The customer's answer --------------------------------------------------------------------

CHOSEN_ELSEWHERE = "Another offer was chosen."


def _customer_offers(*, ticket: Ticket, offer_id: int) -> tuple[Offer, list[Offer]]:
    """The offer on this ticket and its alternatives (same shipment and choice group), locked
    together in id order, so two answers at once cannot deadlock; 404-type error otherwise."""
    found = (
        Offer.objects.filter(pk=offer_id, ticket=ticket)
        .values_list("shipment_id", "choice_group")
        .first()
    )
    if found is None:
        raise OfferNotForThisTicket()
    shipment_id, choice_group = found
    wanted = Q(pk=offer_id)
    if choice_group:
        wanted |= Q(
            shipment_id=shipment_id, choice_group=choice_group, status__in=LIVE_OFFER_STATUSES
        )
    locked = list(
        Offer.objects.select_for_update(of=("self",))
        .select_related("voucher")
        .filter(wanted)
        .order_by("pk")
    )
    offer = next(each for each in locked if each.pk == offer_id)
    return offer, [each for each in locked if each.pk != offer_id]


def _refuse_if_expired(offer: Offer, now) -> None:
    if offer.status == OfferStatus.EXPIRED or (
        offer.status == OfferStatus.ISSUED and offer.expires_at and offer.expires_at <= now
    ):
        raise OfferExpired()


def _release(offer: Offer) -> None:
    """Give an offer's money back: what it was given (issued) or what it holds (before)."""
    if offer.status == OfferStatus.ISSUED:
        _release_spent(offer)
    else:
        _release_reserved(offer)


def offer_accept(*, ticket: Ticket, offer_id: int, now=None) -> Offer:
    """The customer takes an issued offer on their ticket page; its alternatives (same choice
    group) are declined, or expired when not yet issued, and their money goes back. Queues one
    message per channel. Refuses another ticket's offer (OfferNotForThisTicket) and an expired
    one (OfferExpired)."""
    from apps.compensation.telling import offer_tell

    now = now or timezone.now()
    with transaction.atomic():
        offer, alternatives = _customer_offers(ticket=ticket, offer_id=offer_id)
        _refuse_if_expired(offer, now)
        _move(offer, OfferStatus.ACCEPTED, note="By the customer.", now=now)
        offer.responded_at = now
        offer.save(update_fields=["status", "responded_at"])
        for other in alternatives:
            _release(other)
            to_status = (
                OfferStatus.DECLINED if other.status == OfferStatus.ISSUED else OfferStatus.EXPIRED
            )
            _move(other, to_status, note=CHOSEN_ELSEWHERE, now=now)
            other.responded_at = now
            other.save(update_fields=["status", "responded_at", "reserved"])
        offer_tell(offer=offer, stage="offer_accepted", now=now)
        return offer


def offer_decline(*, ticket: Ticket, offer_id: int, now=None) -> Offer:
    """The customer declines an issued offer; what it was given goes back to the budget.
    Queues one message per channel; same refusals as offer_accept."""
    from apps.compensation.telling import offer_tell

    now = now or timezone.now()
    with transaction.atomic():
        offer, _alternatives = _customer_offers(ticket=ticket, offer_id=offer_id)
        _refuse_if_expired(offer, now)
        if not offer.can_transition_to(OfferStatus.DECLINED):
            raise OfferTransitionRefused(from_status=offer.status, to_status=OfferStatus.DECLINED)
        _release(offer)
        _move(offer, OfferStatus.DECLINED, note="By the customer.", now=now)
        offer.responded_at = now
        offer.save(update_fields=["status", "responded_at"])
        offer_tell(offer=offer, stage="offer_declined", now=now)
        return offer


# --- Expiry -----------------------------------------------------------------------------------


def offers_expire(*, now=None, limit: int = 1000) -> int:
    """Expire issued offers past their answer time and proposals no manager decided within
    OFFER_PROPOSAL_DAYS; their money goes back to the budget, and the customer of an issued
    offer is told (once: the outbox keys the message by offer and stage). Approved offers are
    left to be issued (offers_issue_due). Locks the offers (skipping those another run holds),
    then the budgets in id order: safe to run twice or concurrently."""
    from apps.compensation.telling import offer_tell

    now = now or timezone.now()
    stale = now - timedelta(days=_conf("OFFER_PROPOSAL_DAYS"))
    with transaction.atomic():
        offers = list(
            Offer.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("ticket__customer")
            .filter(
                Q(status=OfferStatus.ISSUED, expires_at__lte=now)
                | Q(status=OfferStatus.PROPOSED, created_at__lte=stale)
            )
            .order_by("pk")[:limit]
        )
        reserved_back: dict[int, Decimal] = defaultdict(Decimal)
        spent_back: dict[int, Decimal] = defaultdict(Decimal)
        for offer in offers:
            was_issued = offer.status == OfferStatus.ISSUED
            if offer.budget_id and was_issued:
                spent_back[offer.budget_id] += offer.amount
            elif offer.budget_id:
                reserved_back[offer.budget_id] += offer.reserved
            offer.reserved = ZERO
            note = (
                "The customer did not answer in time."
                if was_issued
                else "No manager decided in time."
            )
            _move(offer, OfferStatus.EXPIRED, note=note, now=now)
            offer.save(update_fields=["status", "reserved"])
            if was_issued and offer.ticket_id:
                offer_tell(offer=offer, stage="offer_expired", now=now)
        for pk in sorted(set(reserved_back) | set(spent_back)):
            Budget.objects.filter(pk=pk).update(
                reserved=F("reserved") - reserved_back.get(pk, ZERO),
                spent=F("spent") - spent_back.get(pk, ZERO),
                updated_at=now,
            )
    return len(offers)
