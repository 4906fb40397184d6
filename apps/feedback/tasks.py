"""Task functions: thin and idempotent (the ORM broker delivers at least once)."""

from apps.feedback.services import surveys_send_due


def send_due_surveys() -> int:
    return surveys_send_due()
