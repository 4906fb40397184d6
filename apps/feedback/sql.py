"""The feedback app's PostgreSQL-only SQL, each statement behind one door.

Every public function here does the PostgreSQL thing on PostgreSQL and the portable thing
otherwise (SQLite: development, the demo, most tests). Its two variants sit side by side as
`_<name>_postgres` and `_<name>_portable`, and the public function is the only place in the
feedback and tickets apps that asks which database it is on. tests/feedback/test_sql_parity.py
runs both variants over generated cases and compares what they return.
"""

import statistics

from django.db import connection
from django.db.models import Aggregate


def transaction_jit_off() -> None:
    """Keep PostgreSQL from JIT-compiling the current transaction's queries.

    Call inside `transaction.atomic()`: the setting ends with the transaction (or the savepoint
    it was made in), so it never leaks to the next request on a pooled connection. The
    dashboard's grouped queries over a million shipments cost enough for the planner to
    JIT-compile them, and compiling took 3 s for a query that runs in 0.2 s (bench/dashboard.py).
    One statement on PostgreSQL, nothing elsewhere.
    """
    if connection.vendor == "postgresql":
        _transaction_jit_off_postgres()
    else:
        _transaction_jit_off_portable()


def _transaction_jit_off_postgres() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")


def _transaction_jit_off_portable() -> None:
    """SQLite compiles no query to machine code: nothing to turn off."""


def median(expression) -> Aggregate:
    """The median of `expression` over each group, computed by the database inside the query
    (never a loop over fetched rows). NULLs are left out; a group of only NULLs gives None.

    Over a duration it returns a timedelta on either database; between the two middle values
    of an even count it is their mean.
    """
    if connection.vendor == "postgresql":
        return _median_postgres(expression)
    return _median_portable(expression)


def _median_postgres(expression) -> Aggregate:
    """PostgreSQL's ordered-set aggregate, which also takes intervals."""
    return _PercentileMedian(expression)


def _median_portable(expression) -> Aggregate:
    """An aggregate written in Python and added to the SQLite connection (sqlite3 allows it):
    the grouping and the median still happen inside the one query."""
    return _PythonMedian(expression)


class _PercentileMedian(Aggregate):
    function = "percentile_cont"
    name = "Median"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


class _MedianOfValues:
    """The portable median's arithmetic, as sqlite3 calls it: `step` per row, then `finalize`."""

    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


class _PythonMedian(Aggregate):
    function = "MEDIAN"
    name = "Median"
    allow_distinct = False

    def as_sql(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        raw = connection.connection
        # Once per raw connection (a reconnect gets a new one); the wrapper remembers which.
        if getattr(connection, "_median_registered_on", None) is not raw:
            raw.create_aggregate(self.function, 1, _MedianOfValues)
            connection._median_registered_on = raw
        return super().as_sql(compiler, connection, **extra_context)
