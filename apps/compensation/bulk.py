"""Proposing for many delays at once (an incident, a backlog): the fast path.

Same contract and the same rows as services.offers_propose_bulk — shipments locked in id order,
facts with grants and open offers, the engine, budgets reserved under their row locks, automatic
approval at or under the threshold, an audit event per step, issue tasks queued on commit — with
the per-offer costs taken out of the write:

- explanations are worded once per distinct set of numbers (`Explainer`): a batch repeats the
  same fares, days and amounts, and wording one through Django's translation machinery costs
  ~150 µs;
- no model instances: rows are plain tuples, and on PostgreSQL they go in with COPY, the offers'
  ids taken from their sequence first so the events can point at them (elsewhere: bulk_create).
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from apps.compensation import services
from apps.compensation.engine import CompiledRule, Proposal, evaluate
from apps.compensation.models import ActionKind, Offer, OfferEvent, OfferStatus

ZERO = Decimal(0)

OFFER_COLUMNS = (
    "id",
    "shipment_id",
    "ticket_id",
    "rule_id",
    "rule_version",
    "budget_id",
    "stacking_group",
    "choice_group",
    "kind",
    "currency",
    "amount",
    "reserved",
    "explanation",
    "status",
    "proposed_by_id",
    "manual_reason",
    "decided_by_id",
    "decided_at",
    "decision_reason",
    "issued_at",
    "responded_at",
    "expires_at",
    "created_at",
)
EVENT_COLUMNS = ("offer_id", "actor_id", "from_status", "to_status", "note", "created_at")


class Explainer:
    """Proposal.explanation, remembered by everything the wording reads (engine._explain): the
    rule, the language, the currency, the fare, the days late, the order value (percent coupons
    only), and the gross, netted, capped and final amounts."""

    def __init__(self):
        self.known: dict[tuple, str] = {}

    def __call__(self, proposal: Proposal, language: str) -> str:
        facts = proposal.facts
        key = (
            proposal.rule,
            language,
            proposal.kind,
            facts.currency,
            facts.shipping_fee,
            facts.days_late,
            facts.order_value if proposal.kind == ActionKind.PERCENT_COUPON else None,
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
    *, shipment_ids: Iterable[int], now=None, batch: int = services.BATCH
) -> int:
    """Propose for many delayed shipments: one transaction per batch (shipments locked in id
    order); returns how many offers were stored. Approved offers are queued for issue on commit."""
    now = now or timezone.now()
    rules = services.rules_in_force(now)
    ids = sorted(set(shipment_ids))
    explainer = Explainer()
    created = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            created += _propose_batch(
                ids[start : start + batch], rules=rules, now=now, explainer=explainer
            )
    return created


def _propose_batch(
    ids: list[int], *, rules: list[CompiledRule], now: datetime, explainer: Explainer
) -> int:
    rows = services._facts_load(services._lock_shipments(ids))
    evaluated = []
    for row in rows:
        proposals = evaluate(row.facts, rules, now)
        if proposals:
            evaluated.append((row, proposals))
    if not evaluated:
        return 0
    tickets = services._open_tickets([row.facts.shipment_id for row, _ in evaluated])
    budgets = services._Budgets(services._local_day(now))
    budgets.load({(row.facts.currency, row.facts.carrier_id) for row, _ in evaluated})
    offers, approved = [], []
    for row, proposals in evaluated:
        facts = row.facts
        budget = budgets.budget_for(facts.currency, facts.carrier_id)
        for proposal in proposals:
            rule = proposal.rule
            amount = proposal.amount
            reserved = budgets.try_reserve(budget, amount)
            is_approved = reserved and amount <= rule.approval_threshold
            approved.append(is_approved)
            offers.append(
                [
                    None,
                    facts.shipment_id,
                    tickets.get(facts.shipment_id),
                    rule.id,
                    rule.version,
                    budget.pk if budget is not None else None,
                    rule.stacking_group,
                    rule.choice_group,
                    proposal.kind,
                    facts.currency,
                    amount,
                    amount if reserved else ZERO,
                    explainer(proposal, row.language),
                    OfferStatus.APPROVED.value if is_approved else OfferStatus.PROPOSED.value,
                    None,
                    "",
                    None,
                    now if is_approved else None,
                    services.AUTO_APPROVAL_NOTE if is_approved else "",
                    None,
                    None,
                    None,
                    now,
                ]
            )
    budgets.write()
    for offer, offer_id in zip(offers, _offer_ids(len(offers)), strict=True):
        offer[0] = offer_id
    _write(Offer, OFFER_COLUMNS, offers)
    events = []
    for offer, is_approved in zip(offers, approved, strict=True):
        events.append((offer[0], None, "", OfferStatus.PROPOSED.value, offer[12][:500], now))
        if is_approved:
            events.append(
                (
                    offer[0],
                    None,
                    OfferStatus.PROPOSED.value,
                    OfferStatus.APPROVED.value,
                    services.AUTO_APPROVAL_NOTE,
                    now,
                )
            )
    _write(OfferEvent, EVENT_COLUMNS, events)
    to_issue = [offer[0] for offer, ok in zip(offers, approved, strict=True) if ok]
    if to_issue:
        transaction.on_commit(lambda: services._enqueue_issue(to_issue))
    return len(offers)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _offer_ids(count: int) -> list[int]:
    """Ids for `count` new offers, taken from the table's own sequence (PostgreSQL); elsewhere
    None: bulk_create fills them in."""
    if not _is_postgres() or not count:
        return [None] * count
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Offer._meta.db_table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _write(model, columns: tuple[str, ...], rows: list) -> None:
    if not rows:
        return
    if _is_postgres():
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        table = connection.ops.quote_name(model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    # Without COPY: model instances, and the ids bulk_create returns go back into the rows.
    attnames = [
        column if column == "id" else model._meta.get_field(column.removesuffix("_id")).attname
        for column in columns
    ]
    objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    model.objects.bulk_create(objects, batch_size=services.BATCH)
    if columns[0] == "id":
        for row, obj in zip(rows, objects, strict=True):
            row[0] = obj.pk
