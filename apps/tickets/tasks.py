"""Task functions: thin and idempotent (the ORM broker delivers at least once)."""

from apps.tickets.services.escalation import tickets_escalate


def escalate_breached() -> int:
    return tickets_escalate()
