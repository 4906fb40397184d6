from apps.core.errors import ApplicationError, ConflictError, InvalidTransition


class TicketTransitionRefused(InvalidTransition):
    def __init__(self, *, from_status: str, to_status: str):
        super().__init__(entity="ticket", from_status=from_status, to_status=to_status)


class EmptyMessage(ApplicationError):
    def __init__(self):
        super().__init__("A message cannot be empty.", field="body")


class TicketClosed(ConflictError):
    def __init__(self):
        super().__init__("This request is closed. Please open a new one.")


class ReopenWindowClosed(ConflictError):
    def __init__(self, days: int):
        super().__init__(
            f"A resolved request can be reopened within {days} days. Please open a new one."
        )


class NotForCustomers(ApplicationError):
    def __init__(self):
        super().__init__("Customers can only reopen a resolved request.", field="status")


class AssigneeInvalid(ApplicationError):
    def __init__(self):
        super().__init__(
            "Tickets can only be assigned to active agents or managers.", field="assignee"
        )


class AttachmentRefused(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, field="attachment")


class DeliveryChangeInvalid(ApplicationError):
    pass


class DraftInvalid(ConflictError):
    def __init__(self):
        super().__init__(
            "This confirmation link is not valid any more. Please fill in the form again."
        )


class TicketChanged(ConflictError):
    """The ticket moved on since the agent's page was drawn: someone replied, or its status,
    priority or assignee changed. Nothing was written; `extra` says what changed
    (`new_message_ids`, or `field` with `expected` and `current`)."""

    def __init__(self, message: str = "", **extra):
        super().__init__(
            message or "The ticket changed while you were working on it. Nothing was saved.",
            extra=extra,
        )


class TicketChangeNotAllowed(ApplicationError):
    status_code = 403

    def __init__(self):
        super().__init__("You may not change tickets.")
