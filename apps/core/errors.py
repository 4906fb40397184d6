"""The one base class for domain errors; faces map it to a 400/409 with its message."""


class ApplicationError(Exception):
    """A rule of the domain refused the operation; `message` is fit to show a person."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The operation clashes with the current state (already decided, already answered)."""

    status_code = 409


class InvalidTransition(ConflictError):
    def __init__(self, *, entity: str, from_status: str, to_status: str):
        super().__init__(
            f"A {entity} cannot move from '{from_status}' to '{to_status}'.",
            extra={"from": from_status, "to": to_status},
        )
