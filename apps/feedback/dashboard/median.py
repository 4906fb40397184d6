"""A median computed by the database, on PostgreSQL and on SQLite alike.

PostgreSQL has it as an ordered-set aggregate (`percentile_cont(0.5) WITHIN GROUP (ORDER BY …)`,
also over intervals). SQLite has none; Python's sqlite3 lets us add one to the connection, so the
grouping and the median still happen inside the one query, never in a loop over fetched rows.
"""

import statistics

from django.db.models import Aggregate


class _SqliteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


class Median(Aggregate):
    function = "MEDIAN"
    name = "Median"
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        raw = connection.connection
        # Once per raw connection (a reconnect gets a new one); the wrapper remembers which.
        if getattr(connection, "_median_registered_on", None) is not raw:
            raw.create_aggregate("MEDIAN", 1, _SqliteMedian)
            connection._median_registered_on = raw
        return self.as_sql(compiler, connection, **extra_context)
