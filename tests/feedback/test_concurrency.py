"""Parallel submits of one survey link and parallel resolution hooks, on PostgreSQL."""

import pytest
from django.utils import timezone

from apps.feedback.errors import SurveyAlreadyAnswered
from apps.feedback.models import FollowUp, Survey, SurveyResponse
from apps.feedback.services import survey_add_details, survey_answer, survey_schedule
from apps.notifications.models import Notification
from apps.tickets.models import TicketStatus
from tests.concurrency import together
from tests.factories import SurveyFactory, TicketFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("survey_settings"),
]


def test_twelve_parallel_submits_store_one_response(manager):
    survey = SurveyFactory()

    results, errors = together(
        [lambda score=score: survey_answer(survey=survey, csat=score) for score in [1, 2] * 6]
    )

    assert len(results) == 1
    assert len(errors) == 11 and all(isinstance(e, SurveyAlreadyAnswered) for e in errors), errors
    assert SurveyResponse.objects.count() == 1
    # Both scores are low: still one follow-up and one email to the manager.
    assert FollowUp.objects.count() == 1
    assert Notification.objects.filter(subject_type="survey_followup").count() == 1


def test_parallel_nps_posts_store_one(manager):
    survey = SurveyFactory()
    survey_answer(survey=survey, csat=4)

    results, errors = together(
        [lambda nps=nps: survey_add_details(survey=survey, nps=nps) for nps in range(8)]
    )

    assert len(results) == 1
    assert all(isinstance(e, SurveyAlreadyAnswered) for e in errors), errors
    response = SurveyResponse.objects.get()
    assert response.nps == results[0].nps
    assert FollowUp.objects.count() == (1 if response.nps <= 6 else 0)


def test_parallel_resolution_hooks_make_one_survey():
    ticket = TicketFactory(status=TicketStatus.RESOLVED, resolved_at=timezone.now())

    results, errors = together([lambda: survey_schedule(ticket_id=ticket.pk)] * 8)

    assert errors == []
    assert len({survey.pk for survey in results}) == 1
    assert Survey.objects.count() == 1
