"""Liveness of what a request needs: the database and the task broker."""

import logging

from django.db import connection

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not answering"; the log keeps the detail
        logger.exception("health: database check failed")
        return False


def broker_ok() -> bool:
    """The ORM broker answers when its queue table can be counted."""
    try:
        from django_q.brokers import get_broker

        broker = get_broker()
        broker.queue_size()
        return bool(broker.ping())
    except Exception:
        logger.exception("health: task broker check failed")
        return False
