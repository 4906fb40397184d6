"""Proposing for many delays at once (an incident, a backlog): the one bulk path.

services.offers_propose_bulk delegates here. The contract is offers_propose's, shipment after
shipment — shipments locked in id order, facts with grants and open offers, the engine, budgets
reserved under their row locks, automatic approval at or under the threshold, an audit event per
step (proposed, and approved when automatic), issue tasks queued on commit — with the per-offer
costs taken out:

- the engine looks only at the rules that can match each kind of delay (engine.RuleBook);
- explanations are worded once per distinct set of numbers (`Explainer`): a batch repeats the
  same fares, days and amounts, and wording one through Django's translation machinery costs
  ~150 µs;
- no model instances: on PostgreSQL the offers' ids are taken from their sequence first (so the
  events can point at them) and offers and events go in with COPY as text lines, each rule's
  constant columns and each explanation escaped once; elsewhere bulk_create.
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from apps.compensation import services
from apps.compensation.engine import Proposal, RuleBook
from apps.compensation.models import ActionKind, Offer, OfferEvent, OfferStatus

ZERO = Decimal(0)
PROPOSED = OfferStatus.PROPOSED.value
APPROVED = OfferStatus.APPROVED.value

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
NOTE_LENGTH = OfferEvent._meta.get_field("note").max_length


FEE_WORDED = frozenset({ActionKind.FARE_FORMULA, ActionKind.SHIPPING_REFUND})


def copy_text(value: str) -> str:
    """A text value as COPY's text format reads it (backslash, tab, newline, return escaped)."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class Explainer:
    """Proposal.explanation, remembered by everything the wording reads (engine._explain): the
    rule, the language, the currency, the fare (formula and refund), the days late (formula),
    the order value (percent coupons), and the gross, netted, capped and final amounts."""

    def __init__(self):
        # key → (explanation, explanation for COPY, audit note for COPY)
        self.known: dict[tuple, tuple[str, str, str]] = {}

    def __call__(self, proposal: Proposal, language: str) -> str:
        return self.worded(proposal, language)[0]

    def worded(self, proposal: Proposal, language: str) -> tuple[str, str, str]:
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
        found = self.known.get(key)
        if found is None:
            text = proposal.explanation(language)
            found = self.known[key] = (
                text,
                copy_text(text),
                copy_text(text[:NOTE_LENGTH]),
            )
        return found


def offers_propose_bulk(
    *, shipment_ids: Iterable[int], now=None, batch: int = services.PROPOSE_BATCH
) -> int:
    """Propose for many delayed shipments: one transaction per batch (shipments locked in id
    order); returns how many offers were stored. Approved offers are queued for issue on commit."""
    now = now or timezone.now()
    book = RuleBook(services.rules_in_force(now), now)
    ids = sorted(set(shipment_ids))
    explainer = Explainer()
    created = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            created += _propose_batch(ids[start : start + batch], book=book, explainer=explainer)
    return created


def _propose_batch(ids: list[int], *, book: RuleBook, explainer: Explainer) -> int:
    now = book.now
    rows = services._facts_load(services._lock_shipments(ids))
    evaluated = []
    for row in rows:
        proposals = book.evaluate(row.facts)
        if proposals:
            evaluated.append((row, proposals))
    if not evaluated:
        return 0
    tickets = services._open_tickets([row.facts.shipment_id for row, _ in evaluated])
    budgets = services._Budgets(services._local_day(now))
    budgets.load({(row.facts.currency, row.facts.carrier_id) for row, _ in evaluated})
    # One tuple per offer: (row, proposal, ticket, budget, reserved, approved); budgets are
    # reserved in shipment and priority order, as offers_propose would one shipment at a time.
    offers = []
    for row, proposals in evaluated:
        facts = row.facts
        first = budgets.budget_for(facts.currency, facts.carrier_id)
        ticket_id = tickets.get(facts.shipment_id)
        for proposal in proposals:
            amount = proposal.amount
            # The carrier's own budget, else the general one; without room, the first holds it.
            paying = budgets.reserve(facts.currency, facts.carrier_id, amount)
            reserved = paying is not None
            approved = reserved and amount <= proposal.rule.approval_threshold
            offers.append((row, proposal, ticket_id, paying or first, reserved, approved))
    budgets.write()
    if _is_postgres():
        to_issue = _copy_offers(offers, explainer=explainer, now=now)
    else:
        to_issue = _create_offers(offers, explainer=explainer, now=now)
    if to_issue:
        transaction.on_commit(lambda: services._enqueue_issue(to_issue))
    return len(offers)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _offer_ids(count: int) -> list[int]:
    """Ids for `count` new offers, taken from the table's own sequence."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Offer._meta.db_table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


NULL = "\\N"


def _copy_line(values) -> str:
    """Values already in COPY's text form (or None), tab-separated."""
    return "\t".join(NULL if value is None else str(value) for value in values)


def _copy_offers(offers: list[tuple], *, explainer: Explainer, now: datetime) -> list[int]:
    """COPY the offers and their events as text lines; returns the ids of the approved ones.

    A line joins pieces escaped once: the rule's columns (with the paying budget), the
    explanation and its audit note, the columns that follow from the status."""
    at = now.isoformat()
    note = copy_text(services.AUTO_APPROVAL_NOTE)
    # status, proposed_by, manual_reason, decided_by, decided_at, decision_reason, issued_at,
    # responded_at, expires_at, created_at.
    tail = {
        True: _copy_line((APPROVED, None, "", None, at, note, None, None, None, at)),
        False: _copy_line((PROPOSED, None, "", None, None, "", None, None, None, at)),
    }
    proposed_event = _copy_line((None, "", PROPOSED))
    approved_event = _copy_line((None, PROPOSED, APPROVED, note[:NOTE_LENGTH], at))
    rule_columns: dict[tuple, str] = {}
    offer_lines, event_lines, to_issue = [], [], []
    for offer_id, (row, proposal, ticket_id, budget, reserved, approved) in zip(
        _offer_ids(len(offers)), offers, strict=True
    ):
        rule = proposal.rule
        budget_id = budget.pk if budget is not None else None
        columns = rule_columns.get((rule, budget_id))
        if columns is None:
            columns = rule_columns[rule, budget_id] = _copy_line(
                (
                    rule.id,
                    rule.version,
                    budget_id,
                    copy_text(rule.stacking_group),
                    copy_text(rule.choice_group),
                    proposal.kind,
                )
            )
        _text, explanation, proposed_note = explainer.worded(proposal, row.language)
        facts = row.facts
        amount = proposal.amount
        offer_lines.append(
            f"{offer_id}\t{facts.shipment_id}\t{NULL if ticket_id is None else ticket_id}\t"
            f"{columns}\t{facts.currency}\t{amount}\t{amount if reserved else 0}\t"
            f"{explanation}\t{tail[approved]}\n"
        )
        event_lines.append(f"{offer_id}\t{proposed_event}\t{proposed_note}\t{at}\n")
        if approved:
            event_lines.append(f"{offer_id}\t{approved_event}\n")
            to_issue.append(offer_id)
    _copy(Offer, OFFER_COLUMNS, offer_lines)
    _copy(OfferEvent, EVENT_COLUMNS, event_lines)
    return to_issue


def _copy(model, columns: tuple[str, ...], lines: list[str]) -> None:
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        # In blocks of about a megabyte: one write per block, not per line.
        for start in range(0, len(lines), 4000):
            copy.write("".join(lines[start : start + 4000]))


def _create_offers(offers: list[tuple], *, explainer: Explainer, now: datetime) -> list[int]:
    """Without COPY (SQLite): bulk_create the same rows; returns the ids of the approved ones."""
    objects = []
    for row, proposal, ticket_id, budget, reserved, approved in offers:
        rule = proposal.rule
        objects.append(
            Offer(
                shipment_id=row.facts.shipment_id,
                ticket_id=ticket_id,
                rule_id=rule.id,
                rule_version=rule.version,
                budget_id=budget.pk if budget is not None else None,
                stacking_group=rule.stacking_group,
                choice_group=rule.choice_group,
                kind=proposal.kind,
                currency=row.facts.currency,
                amount=proposal.amount,
                reserved=proposal.amount if reserved else ZERO,
                explanation=explainer(proposal, row.language),
                status=APPROVED if approved else PROPOSED,
                decided_at=now if approved else None,
                decision_reason=services.AUTO_APPROVAL_NOTE if approved else "",
                created_at=now,
            )
        )
    Offer.objects.bulk_create(objects, batch_size=services.BATCH)
    events, to_issue = [], []
    for offer in objects:
        events.append(
            OfferEvent(
                offer=offer,
                to_status=PROPOSED,
                note=offer.explanation[:NOTE_LENGTH],
                created_at=now,
            )
        )
        if offer.status == APPROVED:
            events.append(
                OfferEvent(
                    offer=offer,
                    from_status=PROPOSED,
                    to_status=APPROVED,
                    note=services.AUTO_APPROVAL_NOTE[:NOTE_LENGTH],
                    created_at=now,
                )
            )
            to_issue.append(offer.pk)
    OfferEvent.objects.bulk_create(events, batch_size=services.BATCH)
    return to_issue
