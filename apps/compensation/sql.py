"""The compensation app's PostgreSQL statements, each beside the portable path that does the same.

Every public function here is one set-based statement: on PostgreSQL it runs the hand-written
SQL (`_<name>_postgres`), elsewhere (SQLite in development and tests) the ORM path
(`_<name>_portable`) that returns or writes the same rows. This is the only module of the app
that asks which database runs; tests/compensation/test_sql_parity.py runs both variants of each
over generated cases and compares what they return and write.

Why hand-written SQL at all, where the ORM could say the same (a batch's reads need none: the
ORM passes their thousands of ids as one array with the `__any` lookup of `apps/core/lookups.py`):

- offers and their events go in with COPY as text lines, their ids taken from the sequence first
  (so the events can point at them): no model instances;
- the preview reads moments as microseconds since 1970 computed by the database: an int reads
  several times faster than a timestamp, and it reads 100k delays.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, F, Func, Min, QuerySet
from django.db.models.functions import Coalesce

from apps.compensation.engine import CompiledRule
from apps.compensation.facts import SHIPMENT_FACT_FIELDS
from apps.compensation.models import GRANTED_OFFER_STATUSES, Offer, OfferEvent, OfferStatus
from apps.shipments.models import Shipment

# What preview_delays returns: the facts' columns with the detection time (microseconds since
# 1970) in place of the customer's language, which a preview does not word anything in.
DELAY_FIELDS = (*SHIPMENT_FACT_FIELDS[:-1], "delay_detected_at")

# Rows per INSERT on the portable path.
ROWS_PER_STATEMENT = 1000
PROPOSED = OfferStatus.PROPOSED.value
APPROVED = OfferStatus.APPROVED.value
NOTE_LENGTH = OfferEvent._meta.get_field("note").max_length
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Writing a proposal batch -----------------------------------------------------------------


class NewOffer(NamedTuple):
    """One offer the rules grant, ready to be written with its audit events."""

    shipment_id: int
    ticket_id: int | None
    # Its id, version, stacking and choice groups go on the offer.
    rule: CompiledRule
    budget_id: int | None
    kind: str
    currency: str
    amount: Decimal
    # Held in its budget (the amount), else nothing yet.
    reserved: bool
    # Approved at once (at or under the rule's threshold, and reserved).
    approved: bool
    explanation: str


def offers_insert_bulk(*, offers: list[NewOffer], approval_note: str, now: datetime) -> list[int]:
    """Write the offers, each with its `proposed` event (its explanation as the note) and, when
    approved at once, its `approved` event and `approval_note` as the decision's reason; all
    created `now`. Returns the ids of the approved offers, in the order given. Budgets are the
    caller's: this writes offers and events only, in the caller's transaction."""
    if not offers:
        return []
    if is_postgres():
        return _offers_insert_bulk_postgres(offers, approval_note=approval_note, now=now)
    return _offers_insert_bulk_portable(offers, approval_note=approval_note, now=now)


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
NULL = "\\N"


def _copy_text(value: str) -> str:
    """A text value as COPY's text format reads it (backslash, tab, newline, return escaped)."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _copy_line(values) -> str:
    """Values already in COPY's text form (or None), tab-separated."""
    return "\t".join(NULL if value is None else str(value) for value in values)


def _offers_insert_bulk_postgres(
    offers: list[NewOffer], *, approval_note: str, now: datetime
) -> list[int]:
    """COPY the offers and their events as text lines. A line joins pieces escaped once: the
    rule's columns (with the paying budget and the kind), the explanation and its audit note (a
    batch repeats the same few), the columns that follow from the status."""
    at = now.isoformat()
    reason = _copy_text(approval_note)
    # status, proposed_by, manual_reason, decided_by, decided_at, decision_reason, issued_at,
    # responded_at, expires_at, created_at.
    tail = {
        True: _copy_line((APPROVED, None, "", None, at, reason, None, None, None, at)),
        False: _copy_line((PROPOSED, None, "", None, None, "", None, None, None, at)),
    }
    proposed_event = _copy_line((None, "", PROPOSED))
    approved_event = _copy_line(
        (None, PROPOSED, APPROVED, _copy_text(approval_note[:NOTE_LENGTH]), at)
    )
    rule_columns: dict[tuple, str] = {}
    # explanation → (it escaped, its audit note escaped)
    worded: dict[str, tuple[str, str]] = {}
    offer_lines, event_lines, approved_ids = [], [], []
    for offer_id, (
        shipment_id,
        ticket_id,
        rule,
        budget_id,
        kind,
        currency,
        amount,
        reserved,
        approved,
        explanation,
    ) in zip(_offer_ids(len(offers)), offers, strict=True):
        columns = rule_columns.get((rule, budget_id, kind))
        if columns is None:
            columns = rule_columns[rule, budget_id, kind] = _copy_line(
                (
                    rule.id,
                    rule.version,
                    budget_id,
                    _copy_text(rule.stacking_group),
                    _copy_text(rule.choice_group),
                    kind,
                )
            )
        words = worded.get(explanation)
        if words is None:
            words = worded[explanation] = (
                _copy_text(explanation),
                _copy_text(explanation[:NOTE_LENGTH]),
            )
        offer_lines.append(
            f"{offer_id}\t{shipment_id}\t{NULL if ticket_id is None else ticket_id}\t"
            f"{columns}\t{currency}\t{amount}\t{amount if reserved else 0}\t"
            f"{words[0]}\t{tail[approved]}\n"
        )
        event_lines.append(f"{offer_id}\t{proposed_event}\t{words[1]}\t{at}\n")
        if approved:
            event_lines.append(f"{offer_id}\t{approved_event}\n")
            approved_ids.append(offer_id)
    _copy(Offer, OFFER_COLUMNS, offer_lines)
    _copy(OfferEvent, EVENT_COLUMNS, event_lines)
    return approved_ids


def _offer_ids(count: int) -> list[int]:
    """Ids for `count` new offers, taken from the table's own sequence."""
    return [
        pk
        for (pk,) in _fetch(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Offer._meta.db_table, count],
        )
    ]


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


def _offers_insert_bulk_portable(
    offers: list[NewOffer], *, approval_note: str, now: datetime
) -> list[int]:
    objects = [
        Offer(
            shipment_id=offer.shipment_id,
            ticket_id=offer.ticket_id,
            rule_id=offer.rule.id,
            rule_version=offer.rule.version,
            budget_id=offer.budget_id,
            stacking_group=offer.rule.stacking_group,
            choice_group=offer.rule.choice_group,
            kind=offer.kind,
            currency=offer.currency,
            amount=offer.amount,
            reserved=offer.amount if offer.reserved else Decimal(0),
            explanation=offer.explanation,
            status=APPROVED if offer.approved else PROPOSED,
            decided_at=now if offer.approved else None,
            decision_reason=approval_note if offer.approved else "",
            created_at=now,
        )
        for offer in offers
    ]
    Offer.objects.bulk_create(objects, batch_size=ROWS_PER_STATEMENT)
    events, approved_ids = [], []
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
                    note=approval_note[:NOTE_LENGTH],
                    created_at=now,
                )
            )
            approved_ids.append(offer.pk)
    OfferEvent.objects.bulk_create(events, batch_size=ROWS_PER_STATEMENT)
    return approved_ids


# --- Reads of a rule preview ------------------------------------------------------------------


def _window(since: datetime, until: datetime) -> QuerySet:
    """Delays detected from `since` to `until` (both included), with a reason."""
    return Shipment.objects.filter(
        delay_detected_at__gte=since, delay_detected_at__lte=until
    ).exclude(delay_reason="")


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


class _Micros(Func):
    """A timestamp as whole microseconds since 1970, exact (EXTRACT gives numeric seconds)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def preview_delays(*, since: datetime, until: datetime, chunk: int = 5000) -> Iterator[tuple]:
    """The delays detected from `since` to `until` (both included) with a reason, as
    DELAY_FIELDS rows: the detection time in microseconds since 1970. Streamed `chunk` rows per
    round trip, in no particular order. Reads only."""
    if is_postgres():
        return _preview_delays_postgres(since, until, chunk)
    return _preview_delays_portable(since, until, chunk)


def _preview_delays_postgres(since: datetime, until: datetime, chunk: int) -> Iterator[tuple]:
    return (
        _window(since, until)
        .annotate(detected_micros=_Micros(F("delay_detected_at")))
        .values_list(*DELAY_FIELDS[:-1], "detected_micros")
        .iterator(chunk_size=chunk)
    )


def _preview_delays_portable(since: datetime, until: datetime, chunk: int) -> Iterator[tuple]:
    for *row, detected_at in (
        _window(since, until).values_list(*DELAY_FIELDS).iterator(chunk_size=chunk)
    ):
        yield (*row, _micros(detected_at))


def preview_grants(*, since: datetime, until: datetime, now: datetime) -> list[tuple]:
    """(customer, shipment, first granted) for the customers with a delay in preview_delays'
    window: each of their shipments with an offer granted (issued or accepted) by `now`, and
    when it first was (issued, else created), in microseconds since 1970. Reads only."""
    if is_postgres():
        return _preview_grants_postgres(since, until, now)
    return _preview_grants_portable(since, until, now)


def _granted_first(since: datetime, until: datetime, now: datetime) -> QuerySet:
    return (
        Offer.objects.filter(
            status__in=GRANTED_OFFER_STATUSES,
            shipment__customer_id__in=_window(since, until).values("customer_id"),
        )
        .values_list("shipment__customer_id", "shipment_id")
        .annotate(first=Min(Coalesce("issued_at", "created_at")))
        .filter(first__lte=now)
        .order_by()
    )


def _preview_grants_postgres(since: datetime, until: datetime, now: datetime) -> list[tuple]:
    rows = _granted_first(since, until, now).annotate(first_micros=_Micros(F("first")))
    return [(customer, shipment, at) for customer, shipment, _first, at in rows]


def _preview_grants_portable(since: datetime, until: datetime, now: datetime) -> list[tuple]:
    return [
        (customer, shipment, _micros(first))
        for customer, shipment, first in _granted_first(since, until, now)
    ]
