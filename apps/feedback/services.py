"""Every write of the feedback app: surveys scheduled and sent, answers, follow-ups.

Surveys are one per ticket (a one-to-one field); an answer is claimed by a conditional UPDATE
of `answered_at`, so two submits of one link store one response; a low score opens one
follow-up per survey (a one-to-one field again) and the managers are emailed when it opens.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.accounts.roles import MANAGERS
from apps.feedback.errors import (
    FollowUpNotAllowed,
    ScoreInvalid,
    SurveyAlreadyAnswered,
    SurveyClosed,
    SurveyNotAnswered,
)
from apps.feedback.models import (
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    Survey,
    SurveyResponse,
)
from apps.feedback.signing import survey_valid_for
from apps.feedback.telling import followup_tell, survey_tell
from apps.notifications.channels import customer_channels
from apps.notifications.quiet_hours import quiet_release
from apps.tickets.models import Ticket, TicketStatus

DEFAULT_DELAY_MINUTES = 60
COMMENT_MAX_LENGTH = 2000
# A survey goes only about a ticket that is (still) settled: one reopened before its
# invitation went waits for the next resolution, which schedules it again.
SENDABLE_TICKET_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def survey_delay() -> timedelta:
    return timedelta(minutes=settings.DELAYDESK.get("SURVEY_DELAY_MINUTES", DEFAULT_DELAY_MINUTES))


def survey_schedule(*, ticket_id: int, now: datetime | None = None) -> Survey | None:
    """Schedule the ticket's survey (a TICKET_RESOLVED_HOOKS entry, called after the commit).

    One survey per ticket: a ticket resolved again gets no second survey. If the first one has
    not gone out yet, it is moved to follow the latest resolution. A customer we cannot reach
    gets none. Safe under concurrent calls (get-or-create on the one-to-one's unique index).
    """
    now = now or timezone.now()
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != TicketStatus.RESOLVED:
        return None
    if not customer_channels(ticket.customer):
        return None
    scheduled_for = (ticket.resolved_at or now) + survey_delay()
    expires_at = scheduled_for + survey_valid_for()
    language = ticket.language or ticket.customer.language
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(
            ticket=ticket,
            defaults={
                "nonce": secrets.token_urlsafe(24),
                "language": language,
                "scheduled_for": scheduled_for,
                "expires_at": expires_at,
                "created_at": now,
            },
        )
        if not created:
            moved = Survey.objects.filter(pk=survey.pk, sent_at__isnull=True).update(
                scheduled_for=scheduled_for, expires_at=expires_at, language=language
            )
            if moved:
                survey.refresh_from_db()
    return survey


def surveys_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue the invitations that are due, in the customer's language and channels.

    Each survey is claimed under a row lock (SKIP LOCKED) and marked sent in the transaction
    that writes its outbox rows, so a second run, or a second worker, queues nothing again.
    The link's validity starts when the message may leave (after quiet hours). Returns how many
    surveys were sent.
    """
    now = now or timezone.now()
    due = list(
        Survey.objects.filter(
            sent_at__isnull=True,
            scheduled_for__lte=now,
            ticket__status__in=SENDABLE_TICKET_STATUSES,
        )
        .order_by("scheduled_for", "id")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for survey_id in due:
        with transaction.atomic():
            survey = (
                Survey.objects.select_for_update(skip_locked=True)
                .filter(pk=survey_id, sent_at__isnull=True)
                .first()
            )
            if survey is None:
                continue
            customer = Ticket.objects.select_related("customer").get(pk=survey.ticket_id).customer
            leaves_at = quiet_release(moment=now, time_zone=customer.time_zone)
            survey.sent_at = now
            survey.expires_at = max(leaves_at, now) + survey_valid_for()
            survey.save(update_fields=["sent_at", "expires_at"])
            survey_tell(survey=survey, customer=customer, now=now)
            sent += 1
    return sent


def _score(value, *, low: int, high: int, field: str) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        raise ScoreInvalid(field) from None
    if not low <= score <= high:
        raise ScoreInvalid(field)
    return score


def survey_answer(*, survey: Survey, csat, now: datetime | None = None) -> SurveyResponse:
    """Store the satisfaction score, once.

    The survey is claimed by `UPDATE … SET answered_at WHERE answered_at IS NULL AND not
    expired`: of two parallel submits one updates a row and stores the response, the other
    updates none and is told it is already answered (SurveyAlreadyAnswered), writing nothing.
    A CSAT of 1 or 2 opens a follow-up for the managers.
    """
    now = now or timezone.now()
    score = _score(csat, low=1, high=5, field="csat")
    with transaction.atomic():
        claimed = Survey.objects.filter(
            pk=survey.pk, answered_at__isnull=True, expires_at__gt=now
        ).update(answered_at=now)
        if not claimed:
            answered = Survey.objects.filter(pk=survey.pk, answered_at__isnull=False).exists()
            raise SurveyAlreadyAnswered() if answered else SurveyClosed()
        survey.answered_at = now
        response = SurveyResponse.objects.create(survey=survey, csat=score, created_at=now)
        if score <= 2:
            followup_open(survey=survey, reason=FollowUpReason.LOW_CSAT, now=now)
    return response


def survey_add_details(
    *, survey: Survey, nps=None, comment: str = "", now: datetime | None = None
) -> SurveyResponse:
    """Add the optional NPS and comment to the answered survey: each at most once, and only
    while the survey is open. The response row is locked, so parallel posts cannot both set
    one. Posting only what was already given raises SurveyAlreadyAnswered and writes nothing.
    An NPS of 0–6 opens a follow-up, unless the survey already has one.
    """
    now = now or timezone.now()
    score = None if nps in (None, "") else _score(nps, low=0, high=10, field="nps")
    comment = (comment or "").strip()[:COMMENT_MAX_LENGTH]
    with transaction.atomic():
        if survey.expires_at <= now:
            raise SurveyClosed()
        response = SurveyResponse.objects.select_for_update().filter(survey_id=survey.pk).first()
        if response is None:
            raise SurveyNotAnswered()
        fields, refused = [], False
        if score is not None:
            if response.nps is None:
                response.nps = score
                fields.append("nps")
            else:
                refused = True
        if comment:
            if not response.comment:
                response.comment = comment
                fields.append("comment")
            else:
                refused = True
        if refused and not fields:
            raise SurveyAlreadyAnswered()
        if fields:
            response.save(update_fields=fields)
        if "nps" in fields and score <= 6:
            followup_open(survey=survey, reason=FollowUpReason.LOW_NPS, now=now)
    return response


def _managers() -> list[tuple[int, str, str]]:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=MANAGERS)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", "email", "preferred_language")
        .distinct()
    )


def followup_open(*, survey: Survey, reason: str, now: datetime | None = None) -> FollowUp | None:
    """Open the survey's follow-up and email the managers, once per survey.

    Returns the new follow-up, or None when the survey already had one (a low CSAT followed by
    a low NPS opens one). Runs in the caller's transaction; the emails commit with it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        follow_up, created = FollowUp.objects.get_or_create(
            survey=survey,
            defaults={"ticket_id": survey.ticket_id, "reason": reason, "created_at": now},
        )
        if not created:
            return None
        follow_up = FollowUp.objects.select_related("survey__response", "ticket__customer").get(
            pk=follow_up.pk
        )
        followup_tell(follow_up=follow_up, managers=_managers(), now=now)
    return follow_up


def followup_update(
    *,
    follow_up: FollowUp,
    actor,
    assignee=None,
    note: str = "",
    mark_done: bool = False,
    now: datetime | None = None,
) -> FollowUp:
    """A manager assigns the follow-up, writes what was done, and may mark it done.

    Locks the row; marking done records who and when, once (a done follow-up stays done).
    """
    if not actor.has_perm("feedback.change_followup"):
        raise FollowUpNotAllowed()
    if assignee is not None and not assignee.has_perm("feedback.change_followup"):
        raise FollowUpNotAllowed()
    now = now or timezone.now()
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        locked.assignee = assignee
        locked.note = note.strip()
        fields = ["assignee", "note"]
        if mark_done and locked.status == FollowUpStatus.OPEN:
            locked.status = FollowUpStatus.DONE
            locked.closed_at = now
            locked.closed_by = actor
            fields += ["status", "closed_at", "closed_by"]
        locked.save(update_fields=fields)
    return locked


def followups_assign(*, follow_up_ids: list[int], actor, assignee) -> int:
    """Give several follow-ups to one manager in one UPDATE; returns how many."""
    if not actor.has_perm("feedback.change_followup"):
        raise FollowUpNotAllowed()
    if not assignee.has_perm("feedback.change_followup"):
        raise FollowUpNotAllowed()
    return FollowUp.objects.filter(pk__in=follow_up_ids).update(assignee=assignee)
