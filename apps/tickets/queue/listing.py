"""The queue: open tickets by SLA due, filtered, a keyset page at a time.

Urgency order is "the next due time that matters", `next_due`: the earlier of the first
response's and the resolution's due time while the customer has no answer, else the
resolution's; then id. A ticket whose first answer is overdue comes first even when its
resolution is days away.

Pages go by keyset, never by OFFSET (an OFFSET at page 150 ran at a third of page 1's speed):
each page starts after the (next_due, id) of the last row shown, as
`next_due >= d AND (next_due > d OR id > i)`, the form the partial expression index
`ticket_open_next_due_idx` serves for open tickets (its expression is `next_due()`, written out
again in `Ticket.Meta.indexes`). One query per page, whatever its rows.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.accounts.roles import AGENTS, MANAGERS
from apps.core.parsing import moment_from
from apps.shipments.normalize import tracking_number_clean
from apps.tickets.models import (
    OPEN_STATUSES,
    DeliveryChangeRequest,
    DeliveryChangeStatus,
    Message,
    MessageAuthor,
    Ticket,
)
from apps.tickets.queue.urgency import (
    SLA_AT_RISK,
    SLA_BREACHED,
    next_due,
    next_due_of,
    sla_at_risk_q,
    sla_breached_q,
    sla_state,
    sla_state_of,
)

QUEUE_PAGE_SIZE = 50
# Longer search terms are not a reference, number, email or phone anyone typed.
SEARCH_MAX_LENGTH = 100

# Who the queue shows: the default is what an agent should pick up next.
SCOPE_MINE_AND_UNASSIGNED = "mine_and_unassigned"
SCOPE_MINE = "mine"
SCOPE_UNASSIGNED = "unassigned"
SCOPE_ANYONE = "anyone"
STATUS_OPEN = "open_statuses"
STATUS_ANY = "any"


# --- Queue --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the agent asked the queue for; the defaults are "mine and unassigned, open"."""

    scope: str = SCOPE_MINE_AND_UNASSIGNED
    # An agent's id when the scope names one person.
    assignee_id: int | None = None
    status: str = STATUS_OPEN
    priority: int | None = None
    category: str = ""
    carrier_id: int | None = None
    delayed: bool | None = None
    sla: str = ""
    customer_replied: bool = False
    delivery_change_pending: bool = False
    search: str = ""
    # Tickets waiting for the customer (their SLA clock stopped): None shows them among the
    # others, False leaves them out, True shows only them (the desk lists them apart).
    waiting: bool | None = None


@dataclass(frozen=True)
class Cursor:
    """A position in the queue's order: just after (or, going back, just before) this row.

    `due` is the row's `next_due` (not its resolution due time), `ticket_id` its id.
    """

    due: datetime
    ticket_id: int
    backwards: bool = False

    def encode(self) -> str:
        raw = json.dumps([int(self.backwards), self.due.isoformat(), self.ticket_id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor | None":
        """The cursor a link carried, or None for anything that is not one of ours."""
        if not text or len(text) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            backwards, due, ticket_id = json.loads(raw)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            return None
        due = moment_from(due)
        if (
            due is None
            or type(ticket_id) is not int
            or not 0 < ticket_id < 2**63
            or backwards not in (0, 1)
        ):
            return None
        return cls(due=due, ticket_id=ticket_id, backwards=bool(backwards))


@dataclass(slots=True)
class QueueRow:
    """One ticket as the queue shows it: only the columns its row needs, no model instance."""

    pk: int
    reference: str
    subject: str
    status: str
    priority: int
    resolution_due_at: datetime
    first_response_due_at: datetime
    first_responded_at: datetime | None
    customer_name: str
    customer_email: str
    customer_phone: str
    shipment_id: int | None
    carrier_name: str | None
    tracking_number: str | None
    is_delayed: bool | None
    assignee_id: int | None
    assignee_username: str | None
    assignee_first_name: str | None
    assignee_last_name: str | None
    delivery_change_pending: bool
    last_customer_message_at: datetime | None
    last_agent_reply_at: datetime | None
    sla_paused_at: datetime | None
    # "breached", "at_risk" or "": `sla_state_of` the row's columns, as `queue_tickets` marks it.
    sla_state: str = ""

    @property
    def customer_replied(self) -> bool:
        """As `queue_tickets`' `customer_replied` annotation, from the two times read."""
        return (
            self.last_customer_message_at is not None
            and self.last_agent_reply_at is not None
            and self.last_customer_message_at > self.last_agent_reply_at
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def assignee_name(self) -> str:
        """`User.get_full_name() or username`, "" when nobody has the ticket."""
        if self.assignee_id is None:
            return ""
        full_name = f"{self.assignee_first_name} {self.assignee_last_name}".strip()
        return full_name or self.assignee_username


# The columns of a `QueueRow`, in its fields' order, as `queue_tickets` names them.
_ROW_COLUMNS = (
    "pk",
    "reference",
    "subject",
    "status",
    "priority",
    "resolution_due_at",
    "first_response_due_at",
    "first_responded_at",
    "customer__name",
    "customer__email",
    "customer__phone",
    "shipment_id",
    "shipment__carrier__name",
    "shipment__tracking_number",
    "shipment__is_delayed",
    "assignee_id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "delivery_change_pending",
    "last_customer_message_at",
    "last_agent_reply_at",
    "sla_paused_at",
)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str = ""
    previous_cursor: str = ""
    filters: QueueFilters = field(default_factory=QueueFilters)


def _search_q(term: str) -> Q:
    """Reference, tracking number, email or phone, as agents read them off a call or an email."""
    term = term.strip()[:SEARCH_MAX_LENGTH]
    found = Q(reference__icontains=term) | Q(customer__email__icontains=term)
    cleaned = tracking_number_clean(term)
    if cleaned:
        found |= Q(shipment__tracking_number=cleaned)
    digits = "".join(ch for ch in term if ch.isdigit())
    # Phones are stored E.164 (+821012345678); people say 010-1234-5678 or the last digits.
    if len(digits) >= 4 and "@" not in term:
        found |= Q(customer__phone__contains=digits)
        if digits.startswith("0") and len(digits) > 4:
            found |= Q(customer__phone__contains=digits[1:])
    return found


def _last_agent_reply() -> Subquery:
    return Subquery(
        Message.objects.filter(
            ticket=OuterRef("pk"), author_kind=MessageAuthor.AGENT, is_internal=False
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )


def _delivery_change_pending() -> Exists:
    return Exists(
        DeliveryChangeRequest.objects.filter(
            ticket=OuterRef("pk"), status=DeliveryChangeStatus.REQUESTED
        )
    )


# The same two marks as `_last_agent_reply` and `_delivery_change_pending`, written as SQL for
# the queue's pages: building and compiling the ORM's subqueries cost more than running the
# page's query (~3 ms of ~6 per page). Ticket is the base table of the queries that use them.
_LAST_AGENT_REPLY_SQL = (
    'SELECT m."created_at" FROM "tickets_message" m WHERE m."ticket_id" = "tickets_ticket"."id" '
    'AND m."author_kind" = %s AND NOT m."is_internal" ORDER BY m."created_at" DESC, m."id" DESC '
    "LIMIT 1"
)
_CHANGE_PENDING_SQL = (
    'EXISTS (SELECT 1 FROM "tickets_deliverychangerequest" d '
    'WHERE d."ticket_id" = "tickets_ticket"."id" AND d."status" = %s)'
)


def _row_marks() -> dict:
    return {
        # Constant SQL text, values as parameters.
        "last_agent_reply_at": RawSQL(  # noqa: S611
            f"({_LAST_AGENT_REPLY_SQL})", (MessageAuthor.AGENT.value,), DateTimeField()
        ),
        "delivery_change_pending": RawSQL(  # noqa: S611
            _CHANGE_PENDING_SQL, (DeliveryChangeStatus.REQUESTED.value,), BooleanField()
        ),
    }


def _customer_replied() -> Case:
    return Case(
        When(last_customer_message_at__gt=F("last_agent_reply_at"), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def queue_tickets(*, user, filters: QueueFilters, now: datetime | None = None) -> QuerySet[Ticket]:
    """The queue's tickets, filtered and annotated for its rows, in no particular order.

    Each row comes with its customer, shipment, carrier and assignee (joined), and three marks
    computed in the same query:

    - `sla_state`: "breached", "at_risk" or "" (see `sla_breached_q`, `sla_at_risk_q`). A ticket
      waiting on the customer has its clock stopped and is never marked.
    - `customer_replied`: the customer's latest message is newer than the latest public agent
      reply, i.e. the customer answered and nobody has answered back yet. A ticket no agent has
      answered at all is not marked: it is new, and its first-response clock says how urgent.
    - `delivery_change_pending`: a delivery change the customer asked for is still "requested".
    """
    now = now or timezone.now()
    tickets = (
        Ticket.objects.select_related("customer", "shipment__carrier", "assignee")
        .annotate(
            last_agent_reply_at=_last_agent_reply(),
            sla_state=sla_state(now),
            delivery_change_pending=_delivery_change_pending(),
        )
        .annotate(customer_replied=_customer_replied())
    )
    return _queue_filter(tickets, user=user, filters=filters, now=now)


def _queue_filter(
    tickets: QuerySet[Ticket], *, user, filters: QueueFilters, now: datetime
) -> QuerySet[Ticket]:
    if filters.scope == SCOPE_MINE_AND_UNASSIGNED:
        tickets = tickets.filter(Q(assignee=user) | Q(assignee__isnull=True))
    elif filters.scope == SCOPE_MINE:
        tickets = tickets.filter(assignee=user)
    elif filters.scope == SCOPE_UNASSIGNED:
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.assignee_id is not None:
        tickets = tickets.filter(assignee_id=filters.assignee_id)

    if filters.status == STATUS_OPEN:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif filters.status != STATUS_ANY:
        tickets = tickets.filter(status=filters.status)
    if filters.priority is not None:
        tickets = tickets.filter(priority=filters.priority)
    if filters.category:
        tickets = tickets.filter(category=filters.category)
    if filters.carrier_id is not None:
        tickets = tickets.filter(shipment__carrier_id=filters.carrier_id)
    if filters.delayed is not None:
        tickets = tickets.filter(shipment__is_delayed=filters.delayed)
    if filters.sla == SLA_BREACHED:
        tickets = tickets.filter(sla_breached_q(now))
    elif filters.sla == SLA_AT_RISK:
        tickets = tickets.filter(sla_at_risk_q(now))
    if filters.customer_replied:
        tickets = tickets.filter(customer_replied=True)
    if filters.delivery_change_pending:
        tickets = tickets.filter(delivery_change_pending=True)
    if filters.search.strip():
        tickets = tickets.filter(_search_q(filters.search))
    if filters.waiting is True:
        tickets = tickets.filter(sla_paused_at__isnull=False)
    elif filters.waiting is False:
        tickets = tickets.filter(sla_paused_at__isnull=True)
    return tickets


def queue_page(
    *,
    user,
    filters: QueueFilters,
    cursor: Cursor | None = None,
    size: int = QUEUE_PAGE_SIZE,
    now: datetime | None = None,
) -> QueuePage:
    """One page of the queue, by `next_due` then id, with cursors to the pages either side
    (1 query).

    One row more than a page is read to know whether another page follows. Rows inserted above
    the cursor never shift the page below it (as an OFFSET would): the next page always starts
    right after the last row seen. Rows are `QueueRow`s: only the columns shown are read, and
    no model instance is built for them.
    """
    now = now or timezone.now()
    # What `queue_tickets` marks, read leaner: the SLA state is worked out from the row's own
    # columns (`sla_state_of`, the same conditions), and whether the customer replied from the
    # two times read (`QueueRow.customer_replied`), so the query computes neither.
    tickets = Ticket.objects.annotate(**_row_marks())
    if filters.customer_replied:
        tickets = tickets.alias(customer_replied=_customer_replied())
    tickets = _queue_filter(tickets, user=user, filters=filters, now=now).alias(next_due=next_due())
    # The keyset in the form the index serves: one range scan of (next_due, id), the row-value
    # comparison `(next_due, id) > (d, i)` written out so the first column bounds the scan.
    if cursor is not None and cursor.backwards:
        tickets = tickets.filter(
            Q(next_due__lte=cursor.due),
            Q(next_due__lt=cursor.due) | Q(pk__lt=cursor.ticket_id),
        ).order_by("-next_due", "-pk")
    elif cursor is not None:
        tickets = tickets.filter(
            Q(next_due__gte=cursor.due),
            Q(next_due__gt=cursor.due) | Q(pk__gt=cursor.ticket_id),
        ).order_by("next_due", "pk")
    else:
        tickets = tickets.order_by("next_due", "pk")
    rows = [QueueRow(*values) for values in tickets.values_list(*_ROW_COLUMNS)[: size + 1]]
    for row in rows:
        row.sla_state = sla_state_of(row, now=now)
    more = len(rows) > size
    rows = rows[:size]
    if cursor is not None and cursor.backwards:
        rows.reverse()
        has_previous, has_next = more, True
    else:
        # Having come forward from a cursor, the page before it still exists.
        has_previous, has_next = cursor is not None, more
    page = QueuePage(rows=rows, filters=filters)
    if rows and has_next:
        page.next_cursor = Cursor(due=next_due_of(rows[-1]), ticket_id=rows[-1].pk).encode()
    if rows and has_previous:
        page.previous_cursor = Cursor(
            due=next_due_of(rows[0]), ticket_id=rows[0].pk, backwards=True
        ).encode()
    return page


def queue_changes(
    *,
    user,
    filters: QueueFilters,
    since: datetime,
    size: int = QUEUE_PAGE_SIZE,
    now: datetime | None = None,
) -> list[QueueRow]:
    """Rows of this queue changed after `since` (new tickets, customer replies, any write that
    touched the ticket), in queue order, at most `size` (1 query): what a page left open polls.
    """
    now = now or timezone.now()
    tickets = Ticket.objects.annotate(**_row_marks())
    if filters.customer_replied:
        tickets = tickets.alias(customer_replied=_customer_replied())
    tickets = _queue_filter(tickets, user=user, filters=filters, now=now)
    tickets = (
        tickets.filter(updated_at__gt=since).alias(next_due=next_due()).order_by("next_due", "pk")
    )
    rows = [QueueRow(*values) for values in tickets.values_list(*_ROW_COLUMNS)[:size]]
    for row in rows:
        row.sla_state = sla_state_of(row, now=now)
    return rows


def desk_agents() -> QuerySet:
    """Active agents and managers: who a ticket can be given to (as `ticket_assign` checks)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=(AGENTS, MANAGERS))
        .distinct()
        .order_by("username")
    )
