"""Task functions: thin and idempotent (the ORM broker delivers at least once)."""

from apps.tickets.services.escalation import tickets_escalate
from apps.tickets.services.silence import tickets_return_silent


def escalate_breached() -> int:
    return tickets_escalate()


def return_silent_to_pool() -> int:
    return tickets_return_silent()
