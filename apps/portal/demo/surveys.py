"""Writes the satisfaction surveys sent after resolution, and the answers."""

import random
import secrets
from datetime import timedelta

from apps.feedback.models import Survey, SurveyResponse

from .plan.clock import _Clock
from .texts.surveys import SURVEY_ANSWERS

SURVEY_DELAY = timedelta(hours=2)
SURVEY_VALID = timedelta(days=7)


def _surveys_create(rng: random.Random, clock: _Clock, surveys_for: list, created: dict) -> None:
    """One survey per resolved ticket, sent two hours after resolution; most answered."""
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
    Survey.objects.bulk_create(surveys)
    SurveyResponse.objects.bulk_create(responses)
    created["surveys"] += len(surveys)
