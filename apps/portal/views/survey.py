"""The satisfaction survey, opened by the signed link in the invitation.

GET shows the question and changes nothing (mail scanners follow links). The score is five
submit buttons: one tap posts it. The thank-you page that answers in place offers the
optional NPS and comment, which add to the same response. Every refusal is a page of its own
in words: a tampered link 400, a closed survey 410, a second answer 409, never a 500.
Pages answer in place, never by redirect, so the link's token is never in a Location header.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.feedback.errors import (
    ScoreInvalid,
    SurveyAlreadyAnswered,
    SurveyClosed,
    SurveyLinkInvalid,
    SurveyNotAnswered,
)
from apps.feedback.selectors import survey_get_for_token
from apps.feedback.services import COMMENT_MAX_LENGTH, survey_add_details, survey_answer

# The feedback services' refusals, listed so makemessages collects them.
_SERVICE_MESSAGES = (
    gettext_noop("This survey link is not valid."),
    gettext_noop("This survey has closed."),
    gettext_noop("This survey has already been answered. Thank you."),
    gettext_noop("Please choose a score first."),
    gettext_noop("Please choose one of the scores shown."),
)

CSAT_CHOICES = (
    (1, gettext_noop("Very dissatisfied")),
    (2, gettext_noop("Dissatisfied")),
    (3, gettext_noop("Neutral")),
    (4, gettext_noop("Satisfied")),
    (5, gettext_noop("Very satisfied")),
)
NPS_CHOICES = tuple(range(11))


def _said(error: ApplicationError) -> str:
    return _(error.message) if error.message in _SERVICE_MESSAGES else error.message


def _speak(request, survey) -> None:
    """The survey's language, unless the reader chose one with the switch at the top."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES):
        return
    translation.activate(survey.language)
    request.LANGUAGE_CODE = survey.language


def _refused(request, error: ApplicationError):
    if isinstance(error, SurveyClosed):
        return render(request, "portal/survey_closed.html", status=410)
    return render(request, "portal/survey_invalid.html", status=400)


def _open(request, token: str):
    """(survey, None) for a working link, else (None, the page saying why not)."""
    try:
        survey = survey_get_for_token(token=token)
    except (SurveyLinkInvalid, SurveyClosed) as error:
        return None, _refused(request, error)
    _speak(request, survey)
    return survey, None


def _context(survey, token: str, **extra) -> dict:
    response = getattr(survey, "response", None)
    return {
        "survey": survey,
        "ticket": survey.ticket,
        "token": token,
        "response": response,
        "csat_choices": [(value, _(label)) for value, label in CSAT_CHOICES],
        "nps_choices": NPS_CHOICES,
        "asks_nps": response is not None and response.nps is None,
        "asks_comment": response is not None and not response.comment,
        "comment_max": COMMENT_MAX_LENGTH,
        **extra,
    }


def _answered(request, survey, token: str, status: int = 200, notice: str = ""):
    context = _context(survey, token, notice=notice)
    return render(request, "portal/survey_answered.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    survey, refusal = _open(request, token)
    if refusal:
        return refusal
    if request.method == "GET":
        if survey.answered_at:
            return _answered(request, survey, token)
        return render(request, "portal/survey_form.html", _context(survey, token))
    try:
        survey_answer(survey=survey, csat=request.POST.get("csat"))
    except ScoreInvalid as error:
        context = _context(survey, token, error=_said(error))
        return render(request, "portal/survey_form.html", context, status=400)
    except SurveyAlreadyAnswered as error:
        survey, refusal = _open(request, token)
        if refusal:
            return refusal
        return _answered(request, survey, token, status=409, notice=_said(error))
    except SurveyClosed as error:
        return _refused(request, error)
    survey, refusal = _open(request, token)
    if refusal:
        return refusal
    return render(request, "portal/survey_thanks.html", _context(survey, token))


@never_cache
@require_POST
def survey_more(request, token: str):
    """The optional second step: NPS and a comment, each stored once."""
    survey, refusal = _open(request, token)
    if refusal:
        return refusal
    try:
        survey_add_details(
            survey=survey,
            nps=request.POST.get("nps") or None,
            comment=request.POST.get("comment", ""),
        )
    except ScoreInvalid as error:
        context = _context(survey, token, error=_said(error))
        return render(request, "portal/survey_thanks.html", context, status=400)
    except SurveyNotAnswered as error:
        context = _context(survey, token, error=_said(error))
        return render(request, "portal/survey_form.html", context, status=409)
    except SurveyAlreadyAnswered as error:
        return _answered(request, survey, token, status=409, notice=_said(error))
    except SurveyClosed as error:
        return _refused(request, error)
    return render(request, "portal/survey_done.html", _context(survey, token))


@never_cache
@require_POST
def language(request, token: str):
    """Switch the page's language in place (set_language would redirect with the token)."""
    try:
        survey = survey_get_for_token(token=token)
    except (SurveyLinkInvalid, SurveyClosed) as error:
        return _refused(request, error)
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        code = survey.language
    translation.activate(code)
    request.LANGUAGE_CODE = code
    template = "portal/survey_answered.html" if survey.answered_at else "portal/survey_form.html"
    response = render(request, template, _context(survey, token))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
