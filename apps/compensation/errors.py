"""What the compensation services refuse, in words fit to show the person who asked."""

from apps.core.errors import ApplicationError, ConflictError, InvalidTransition


class OfferTransitionRefused(InvalidTransition):
    def __init__(self, *, from_status: str, to_status: str):
        super().__init__(entity="compensation offer", from_status=from_status, to_status=to_status)


class SelfApprovalRefused(ApplicationError):
    status_code = 403

    def __init__(self):
        super().__init__("An offer cannot be approved or rejected by the person who proposed it.")


class ApprovalNotAllowed(ApplicationError):
    status_code = 403

    def __init__(self):
        super().__init__("Only managers can approve or reject compensation.")


class ProposalNotAllowed(ApplicationError):
    status_code = 403

    def __init__(self):
        super().__init__("You are not allowed to propose compensation.")


class ReasonRequired(ApplicationError):
    def __init__(self, field: str = "reason"):
        super().__init__("Please give a reason.", field=field)


class AmountInvalid(ApplicationError):
    def __init__(self, message: str = "The amount must be more than zero."):
        super().__init__(message, field="amount")


class OverCap(ApplicationError):
    def __init__(self, *, allowed: str):
        super().__init__(
            f"This order can receive at most {allowed} more in compensation.",
            field="amount",
            extra={"allowed": allowed},
        )


class BudgetExhausted(ConflictError):
    def __init__(self, *, budget: str, available: str):
        super().__init__(
            f"The budget '{budget}' has only {available} left.",
            extra={"budget": budget, "available": available},
        )


class NoBudget(ConflictError):
    def __init__(self, *, day: str, currency: str):
        super().__init__(
            f"No compensation budget in {currency} covers {day}.",
            extra={"day": day, "currency": currency},
        )


class OfferAlreadyOpen(ConflictError):
    def __init__(self, *, stacking_group: str):
        super().__init__(
            f"This shipment already has an open offer in the group '{stacking_group}'.",
            field="stacking_group",
        )


class OfferNotForThisTicket(ApplicationError):
    status_code = 404

    def __init__(self):
        super().__init__("No such offer on this request.")


class OfferExpired(ConflictError):
    def __init__(self):
        super().__init__("This offer has expired.")


class RuleEditNotAllowed(ApplicationError):
    status_code = 403

    def __init__(self):
        super().__init__("Only managers can create or change compensation rules.")


class RuleFieldUnknown(ApplicationError):
    def __init__(self, *, field: str):
        super().__init__(f"A compensation rule has no field '{field}' to set.", field=field)


class RuleInvalid(ApplicationError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, field=field)
