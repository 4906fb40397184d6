"""What the feedback services refuse, in words fit to show the person who asked."""

from apps.core.errors import ApplicationError, ConflictError


class SurveyLinkInvalid(ApplicationError):
    """Tampered, cut short, or naming no survey: one answer for all, naming nothing."""

    def __init__(self):
        super().__init__("This survey link is not valid.")


class SurveyClosed(ApplicationError):
    status_code = 410

    def __init__(self):
        super().__init__("This survey has closed.")


class SurveyAlreadyAnswered(ConflictError):
    def __init__(self):
        super().__init__("This survey has already been answered. Thank you.")


class SurveyNotAnswered(ConflictError):
    def __init__(self):
        super().__init__("Please choose a score first.")


class ScoreInvalid(ApplicationError):
    def __init__(self, field: str):
        super().__init__("Please choose one of the scores shown.", field=field)


class FollowUpAlreadyDone(ConflictError):
    def __init__(self):
        super().__init__("This follow-up is already done.")


class FollowUpNotAllowed(ApplicationError):
    status_code = 403

    def __init__(self):
        super().__init__("Only managers handle survey follow-ups.")
