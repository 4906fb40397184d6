"""The survey link: signed with its own salt, time-limited, one-time; every bad link gets a page
in words and writes nothing."""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.feedback.errors import SurveyClosed, SurveyLinkInvalid
from apps.feedback.models import Survey, SurveyResponse
from apps.feedback.signing import SALT, survey_token_make, survey_token_read
from tests.factories import SurveyFactory, SurveyResponseFactory
from tests.feedback.conftest import more_path, survey_path

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("survey_settings")]


def _nothing_written(survey) -> bool:
    survey.refresh_from_db()
    return survey.answered_at is None and not SurveyResponse.objects.exists()


# --- The token ---------------------------------------------------------------------------------


def test_token_carries_only_the_nonce_and_reads_back():
    token = survey_token_make(nonce="abc123-nonce")

    assert token.startswith("abc123-nonce:")
    assert survey_token_read(token=token) == "abc123-nonce"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "other-nonce" + token[token.index(":") :],
        lambda token: token.rsplit(":", 1)[0],
        lambda token: "",
        lambda token: token + "x" * 300,
    ],
    ids=["signature changed", "nonce swapped", "signature cut", "empty", "overlong"],
)
def test_a_tampered_token_is_invalid(tamper):
    with pytest.raises(SurveyLinkInvalid):
        survey_token_read(token=tamper(survey_token_make(nonce="abc123-nonce")))


def test_a_token_signed_with_another_salt_is_invalid():
    # The same key signs ticket things elsewhere: only the survey's salt opens a survey.
    token = signing.TimestampSigner(salt="delaydesk.other").sign("abc123-nonce")

    with pytest.raises(SurveyLinkInvalid):
        survey_token_read(token=token)
    assert SALT == "delaydesk.survey"


def test_a_token_older_than_the_validity_is_closed(monkeypatch, settings):
    settings.DELAYDESK = {**settings.DELAYDESK, "SURVEY_VALID_DAYS": 14}
    fifteen_days_ago = time.time() - 15 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: fifteen_days_ago)
    token = survey_token_make(nonce="abc123-nonce")
    monkeypatch.undo()

    with pytest.raises(SurveyClosed):
        survey_token_read(token=token)


# --- The pages -----------------------------------------------------------------------------------


def test_opening_the_link_shows_five_score_buttons_and_changes_nothing(client):
    survey = SurveyFactory()

    page = client.get(survey_path(survey))

    assert page.status_code == 200
    html = page.content.decode()
    for score in range(1, 6):
        assert f'name="csat" value="{score}"' in html
    assert 'type="submit" name="csat"' in html
    assert "css/survey.css" in html
    assert "no-cache" in page["Cache-Control"]
    assert _nothing_written(survey)


def test_one_tap_stores_the_score_and_offers_the_optional_questions(client):
    survey = SurveyFactory()

    page = client.post(survey_path(survey), {"csat": "4"})

    assert page.status_code == 200
    survey.refresh_from_db()
    assert survey.answered_at is not None
    assert survey.response.csat == 4
    assert survey.response.nps is None
    html = page.content.decode()
    assert 'name="nps"' in html and 'name="comment"' in html
    assert more_path(survey).rsplit("/", 3)[0] in html


def test_a_second_submit_says_already_answered_and_writes_nothing(client):
    survey = SurveyFactory()
    client.post(survey_path(survey), {"csat": "5"})
    survey.refresh_from_db()
    first_answer = survey.answered_at

    again = client.post(survey_path(survey), {"csat": "1"})

    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at == first_answer
    assert SurveyResponse.objects.get().csat == 5


def test_opening_an_answered_survey_says_so(client):
    response = SurveyResponseFactory(nps=9, comment="Fine")

    page = client.get(survey_path(response.survey))

    assert page.status_code == 200
    html = page.content.decode()
    assert "already answered" in html
    assert 'name="csat"' not in html
    assert 'name="nps"' not in html


@pytest.mark.parametrize(
    "token",
    [
        "not-a-signed-token",
        "survey-nonce-000001-for-tests:1abc:forged-signature",
        "a" * 500,
    ],
)
def test_a_tampered_link_gets_a_page_in_words_and_writes_nothing(client, token):
    survey = SurveyFactory()

    page = client.get(reverse("portal:survey", kwargs={"token": token}))
    post = client.post(reverse("portal:survey", kwargs={"token": token}), {"csat": "1"})
    more = client.post(reverse("portal:survey-more", kwargs={"token": token}), {"nps": "0"})

    for answer in (page, post, more):
        assert answer.status_code == 400
        assert "This survey link is not valid" in answer.content.decode()
    assert _nothing_written(survey)


def test_a_genuine_signature_for_no_survey_is_just_invalid(client):
    page = client.get(reverse("portal:survey", kwargs={"token": survey_token_make(nonce="gone")}))

    assert page.status_code == 400


def test_an_expired_link_gets_a_closed_page_and_writes_nothing(client, monkeypatch):
    survey = SurveyFactory()
    sixteen_days_ago = time.time() - 16 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: sixteen_days_ago)
    path = survey_path(survey)
    monkeypatch.undo()

    page = client.get(path)
    post = client.post(path, {"csat": "2"})

    for answer in (page, post):
        assert answer.status_code == 410
        assert "This survey has closed" in answer.content.decode()
    assert _nothing_written(survey)


def test_a_survey_past_its_closing_time_refuses_even_a_fresh_link(client):
    now = timezone.now()
    survey = SurveyFactory(scheduled_for=now - timedelta(days=20), expires_at=now - timedelta(1))

    post = client.post(survey_path(survey), {"csat": "3"})

    assert post.status_code == 410
    assert _nothing_written(survey)


@pytest.mark.parametrize("score", ["0", "6", "", "five", "3.5"])
def test_a_score_outside_one_to_five_is_refused_in_words(client, score):
    survey = SurveyFactory()

    page = client.post(survey_path(survey), {"csat": score})

    assert page.status_code == 400
    assert "Please choose one of the scores shown" in page.content.decode()
    assert _nothing_written(survey)


def test_posting_without_the_csrf_token_is_refused_and_writes_nothing():
    survey = SurveyFactory()
    browser = Client(enforce_csrf_checks=True)
    form = browser.get(survey_path(survey))
    assert 'name="csrfmiddlewaretoken"' in form.content.decode()

    refused = browser.post(survey_path(survey), {"csat": "5"})

    assert refused.status_code == 403
    assert _nothing_written(survey)


def test_the_form_carries_a_csrf_token_that_works():
    survey = SurveyFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.get(survey_path(survey))

    answered = browser.post(
        survey_path(survey),
        {"csat": "5", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value},
    )

    assert answered.status_code == 200
    assert SurveyResponse.objects.get().csat == 5


# --- The optional second step --------------------------------------------------------------------


def test_nps_and_comment_are_added_to_the_same_response(client):
    survey = SurveyFactory()
    client.post(survey_path(survey), {"csat": "4"})

    done = client.post(more_path(survey), {"nps": "9", "comment": "  Quick and kind.  "})

    assert done.status_code == 200
    response = SurveyResponse.objects.get()
    assert (response.csat, response.nps, response.comment) == (4, 9, "Quick and kind.")


def test_the_second_step_takes_each_answer_once(client):
    survey = SurveyFactory()
    client.post(survey_path(survey), {"csat": "4"})
    client.post(more_path(survey), {"nps": "9"})

    again = client.post(more_path(survey), {"nps": "2"})
    comment = client.post(more_path(survey), {"comment": "Later thought"})
    comment_again = client.post(more_path(survey), {"comment": "Changed my mind"})

    assert again.status_code == 409
    assert comment.status_code == 200
    assert comment_again.status_code == 409
    response = SurveyResponse.objects.get()
    assert (response.nps, response.comment) == (9, "Later thought")


def test_the_second_step_before_a_score_writes_nothing(client):
    survey = SurveyFactory()

    page = client.post(more_path(survey), {"nps": "3", "comment": "hm"})

    assert page.status_code == 409
    assert "Please choose a score first" in page.content.decode()
    assert _nothing_written(survey)


def test_the_second_step_closes_with_the_link(client, monkeypatch):
    response = SurveyResponseFactory()
    old = time.time() - 15 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: old)
    path = more_path(response.survey)
    monkeypatch.undo()

    page = client.post(path, {"nps": "10"})

    assert page.status_code == 410
    response.refresh_from_db()
    assert response.nps is None


def test_an_nps_outside_zero_to_ten_is_refused(client):
    response = SurveyResponseFactory()

    page = client.post(more_path(response.survey), {"nps": "11"})

    assert page.status_code == 400
    response.refresh_from_db()
    assert response.nps is None


def test_a_get_of_the_second_step_is_not_allowed(client):
    response = SurveyResponseFactory()

    assert client.get(more_path(response.survey)).status_code == 405


# --- Language ------------------------------------------------------------------------------------


def test_the_page_speaks_the_survey_language(client):
    survey = SurveyFactory(language="ko")

    page = client.get(survey_path(survey))

    assert '<html lang="ko">' in page.content.decode()


def test_the_reader_can_switch_language_in_place(client):
    survey = SurveyFactory(language="ko")
    path = reverse(
        "portal:survey-language", kwargs={"token": survey_token_make(nonce=survey.nonce)}
    )

    switched = client.post(path, {"language": "en"})
    page = client.get(survey_path(survey))

    assert switched.status_code == 200
    assert '<html lang="en">' in switched.content.decode()
    assert '<html lang="en">' in page.content.decode()
    assert Survey.objects.get().answered_at is None


def test_a_link_without_its_final_slash_is_served_not_redirected(client):
    survey = SurveyFactory()

    page = client.get(survey_path(survey).rstrip("/"))

    assert page.status_code == 200
    assert "Location" not in page
