"""Task functions: thin, idempotent, safe to run twice (the ORM broker delivers at least once)."""

from apps.notifications.services import notifications_dispatch_due


def dispatch_due() -> dict:
    return notifications_dispatch_due()
