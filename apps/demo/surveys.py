"""Writes the satisfaction surveys sent after resolution, and the answers."""

import random
import secrets
from datetime import timedelta

from apps.feedback.models import FollowUp, FollowUpReason, Survey, SurveyResponse

from .plan.clock import Clock
from .texts.surveys import SURVEY_ANSWERS

# As the product does (SURVEY_DELAY_MINUTES, SURVEY_VALID_DAYS defaults).
SURVEY_DELAY = timedelta(hours=1)
SURVEY_VALID = timedelta(days=14)


def surveys_create(rng: random.Random, clock: Clock, surveys_for: list, created: dict) -> None:
    """One survey per resolved ticket, sent an hour after resolution; most answered; a low
    answer opens a follow-up for the managers."""
    limit = clock.anchor - timedelta(minutes=5)
    surveys, responses = [], []
    for n, (ticket, resolved_at) in enumerate(surveys_for):
        scheduled = resolved_at + SURVEY_DELAY
        sent = scheduled if scheduled < limit else None
        answered = None
        if sent and n % 6 != 5:
            answered = sent + timedelta(minutes=rng.randint(8, 1800))
            answered = answered if answered < limit else None
        survey = Survey(
            ticket=ticket,
            nonce=secrets.token_urlsafe(24),
            language=ticket.language,
            scheduled_for=scheduled,
            sent_at=sent,
            expires_at=scheduled + SURVEY_VALID,
            answered_at=answered,
            created_at=resolved_at,
        )
        surveys.append(survey)
        if answered:
            csat, nps, comment_ko, comment_en = SURVEY_ANSWERS[n % len(SURVEY_ANSWERS)]
            responses.append(
                SurveyResponse(
                    survey=survey,
                    csat=csat,
                    nps=nps,
                    created_at=answered,
                    comment=comment_ko if ticket.language == "ko" else comment_en,
                )
            )
    # The resolution hook already scheduled surveys for these new tickets: the demo's replace them.
    Survey.objects.filter(ticket__in=[ticket for ticket, _ in surveys_for]).delete()
    Survey.objects.bulk_create(surveys)
    SurveyResponse.objects.bulk_create(responses)
    FollowUp.objects.bulk_create(
        FollowUp(
            survey=response.survey,
            ticket=response.survey.ticket,
            reason=FollowUpReason.LOW_CSAT if response.csat <= 2 else FollowUpReason.LOW_NPS,
            created_at=response.created_at,
        )
        for response in responses
        if response.is_low
    )
    created["surveys"] += len(surveys)
