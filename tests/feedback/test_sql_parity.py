"""Each PostgreSQL statement of apps/feedback/sql.py against its portable path: over generated
tickets, both variants give the same answers.

The median's portable variant is a Python aggregate that only SQLite can host, so its half runs
the very same Django query on an in-memory SQLite database holding the same tickets.
"""

import statistics
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import Count, F
from django.db.utils import ConnectionHandler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.feedback import sql
from apps.feedback.dashboard import selectors
from apps.feedback.dashboard.period import Period
from apps.tickets.models import Ticket, TicketCategory, TicketPriority, TicketStatus
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Each example's rows live in a savepoint rolled back at its end; the fixtures' users outlive it.
DB_EXAMPLES = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

SEOUL = ZoneInfo("Asia/Seoul")
BASE = datetime(2025, 3, 1, 9, 0, tzinfo=SEOUL)
DAY_US = 24 * 3600 * 10**6
PERIOD = Period(start=BASE.date(), end=BASE.date() + timedelta(days=14))

# Microseconds, so that odd sums make medians that fall between two microseconds.
DURATION = st.integers(min_value=0, max_value=10 * DAY_US)
TICKET = st.fixed_dictionaries(
    {
        "priority": st.sampled_from(TicketPriority.values),
        "assignee": st.sampled_from([None, 0, 1, 2]),
        "opened": st.integers(min_value=0, max_value=3 * DAY_US),
        "resolution": DURATION,
        "first_response": st.none() | DURATION,
    }
)
TICKETS = st.lists(TICKET, max_size=25)


def _times(case: dict) -> tuple[datetime, datetime, datetime | None]:
    opened = BASE + timedelta(microseconds=case["opened"])
    answered = case["first_response"]
    return (
        opened,
        opened + timedelta(microseconds=case["resolution"]),
        None if answered is None else opened + timedelta(microseconds=answered),
    )


def _tickets_create(cases: list[dict], assignees: list) -> list[int]:
    customer = CustomerFactory()
    tickets = []
    for n, case in enumerate(cases):
        opened, resolved, answered = _times(case)
        tickets.append(
            Ticket(
                reference=f"DD-P{n:05d}",
                token_hash=f"{n:064x}",
                customer=customer,
                subject="Late",
                category=TicketCategory.LATE,
                status=TicketStatus.RESOLVED,
                priority=case["priority"],
                assignee=None if case["assignee"] is None else assignees[case["assignee"]],
                created_at=opened,
                first_response_due_at=opened + timedelta(hours=4),
                resolution_due_at=opened + timedelta(hours=48),
                first_responded_at=answered,
                resolved_at=resolved,
            )
        )
    return [ticket.pk for ticket in Ticket.objects.bulk_create(tickets)]


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def _dashboard_reads(variant) -> tuple[str, bool, tuple]:
    """The jit setting, whether a query was JIT-compiled, and the dashboard's ticket reads, with
    `variant` run first, in a savepoint that takes the setting away with it."""
    with transaction.atomic():
        # The settings turn JIT off per connection; here it is on, for any query, so that left
        # on it really compiles.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = on")
            cursor.execute("SET LOCAL jit_above_cost = 0")
        variant()
        plan = Ticket.objects.values("priority").annotate(n=Count("pk")).explain(analyze=True)
        reads = (
            selectors.tickets_opened_per_day(PERIOD),
            selectors.tickets_resolved_per_day(PERIOD),
            selectors.agents_resolution(PERIOD),
        )
        jit = _setting("jit")
        transaction.set_rollback(True)
    return jit, "JIT:" in plan, reads


@DB_EXAMPLES
@given(cases=TICKETS)
def test_dashboard_reads_are_the_same_with_the_jit_turned_off_or_left_on(
    cases, agent, other_agent, manager
):
    before = _setting("jit")

    with transaction.atomic():
        _tickets_create(cases, [agent, other_agent, manager])
        portable = _dashboard_reads(sql._transaction_jit_off_portable)
        postgres = _dashboard_reads(sql._transaction_jit_off_postgres)
        transaction.set_rollback(True)

    assert portable[:2] == ("on", True)
    assert postgres[:2] == ("off", False)
    assert postgres[2] == portable[2]
    # SET LOCAL went with its savepoint: nothing leaks to the connection's next transaction.
    assert _setting("jit") == before


def _medians_query(queryset, variant):
    return (
        queryset.values("priority")
        .annotate(
            resolution=variant(F("resolved_at") - F("created_at")),
            first_response=variant(F("first_responded_at") - F("created_at")),
        )
        .order_by("priority")
    )


def _by_priority(rows) -> dict[int, tuple]:
    return {row["priority"]: (row["resolution"], row["first_response"]) for row in rows}


def _medians_on_sqlite(cases: list[dict]) -> dict[int, tuple]:
    """The portable variant's query, compiled and run by Django on a SQLite database holding
    the same tickets (only the columns the query reads)."""
    # A handler of its own, apart from the test's connections (it names its one alias default).
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )
    sqlite = handler["default"]
    try:
        with sqlite.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE tickets_ticket (id integer PRIMARY KEY, priority integer, "
                "created_at datetime, resolved_at datetime, first_responded_at datetime)"
            )
            cursor.executemany(
                "INSERT INTO tickets_ticket VALUES (%s, %s, %s, %s, %s)",
                [
                    (
                        n,
                        case["priority"],
                        *(sqlite.ops.adapt_datetimefield_value(time) for time in _times(case)),
                    )
                    for n, case in enumerate(cases, start=1)
                ],
            )
        query = _medians_query(Ticket.objects.all(), sql._median_portable).query
        names = [*query.values_select, *query.annotation_select]
        rows = query.get_compiler(connection=sqlite).results_iter()
        return _by_priority(dict(zip(names, row, strict=True)) for row in rows)
    finally:
        handler.close_all()


def _exact_medians(cases: list[dict]) -> dict[int, tuple]:
    """Microseconds, exactly (a half where the two middle values' sum is odd)."""
    groups: dict[int, tuple[list, list]] = {}
    for case in cases:
        resolution, first_response = groups.setdefault(case["priority"], ([], []))
        resolution.append(case["resolution"])
        if case["first_response"] is not None:
            first_response.append(case["first_response"])
    return {
        priority: tuple(statistics.median(values) if values else None for values in lists)
        for priority, lists in groups.items()
    }


def _agrees(got: dict[int, tuple], exact: dict[int, tuple]) -> bool:
    """Same groups, None where all were NULL, else within half a microsecond of exact."""
    if got.keys() != exact.keys():
        return False
    for priority, values in exact.items():
        for value, expected in zip(got[priority], values, strict=True):
            if (value is None) != (expected is None):
                return False
            if value is not None and abs(value / timedelta(microseconds=1) - expected) > 0.5:
                return False
    return True


@DB_EXAMPLES
@given(cases=TICKETS)
def test_the_median_from_postgresql_percentile_and_the_portable_aggregate_agree(cases):
    with transaction.atomic():
        ids = _tickets_create(cases, [None, None, None])
        rows = _medians_query(Ticket.objects.filter(pk__in=ids), sql._median_postgres)
        on_postgres = _by_priority(rows)
        transaction.set_rollback(True)
    on_sqlite = _medians_on_sqlite(cases)

    exact = _exact_medians(cases)
    assert _agrees(on_postgres, exact), (on_postgres, exact)
    assert _agrees(on_sqlite, exact), (on_sqlite, exact)
    assert all(
        isinstance(value, timedelta)
        for values in [*on_postgres.values(), *on_sqlite.values()]
        for value in values
        if value is not None
    )


def test_the_public_doors_take_the_postgresql_variants_here():
    duration = F("resolved_at") - F("created_at")

    assert type(sql.median(duration)) is type(sql._median_postgres(duration))
    with transaction.atomic():
        sql.transaction_jit_off()
        assert _setting("jit") == "off"
