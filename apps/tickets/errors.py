from apps.core.errors import ApplicationError, InvalidTransition


class TicketTransitionRefused(InvalidTransition):
    def __init__(self, *, from_status: str, to_status: str):
        super().__init__(entity="ticket", from_status=from_status, to_status=to_status)


class EmptyMessage(ApplicationError):
    def __init__(self):
        super().__init__("A message cannot be empty.", field="body")
