"""Messages of the feedback app, through the outbox.

The customer's survey invitation is worded when it is sent, in their language, and its link is
minted into the copy being sent (`survey_link_mint`): the outbox keeps `{ticket_link}`, never a
working link. The managers' follow-up email is worded when queued, in each manager's language.
"""

from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from apps.core.names import given_name
from apps.feedback.models import FollowUp, Survey
from apps.feedback.signing import survey_token_make, survey_valid_for
from apps.notifications.channels import PreferredChannel, channels_choose, customer_channels
from apps.notifications.services import LINK_MARK, Draft, notifications_queue
from apps.shipments.models import Customer

SURVEY_SUBJECT = "survey"
SURVEY_STAGE = "survey_invite"
FOLLOWUP_SUBJECT = "survey_followup"


def _site(path: str) -> str:
    return settings.DELAYDESK["SITE_URL"].rstrip("/") + path


def survey_tell(*, survey: Survey, customer: Customer, now: datetime | None = None) -> int:
    """Queue the invitation once per channel; not urgent, so quiet hours hold it till morning."""
    drafts = [
        Draft(
            channel=channel,
            recipient=recipient,
            language=survey.language,
            stage=SURVEY_STAGE,
            subject_type=SURVEY_SUBJECT,
            subject_id=survey.pk,
            urgent=False,
            time_zone=customer.time_zone,
        )
        for channel, recipient in customer_channels(customer)
    ]
    return notifications_queue(drafts=drafts, now=now)


def survey_message(notification) -> tuple[str, str]:
    """Title and body of an invitation; the link is left as {ticket_link}."""
    survey = Survey.objects.select_related("ticket__customer").get(pk=notification.subject_id)
    context = {
        "ticket": survey.ticket,
        "first_name": given_name(survey.ticket.customer.name),
        "channel": notification.channel,
        "days": survey_valid_for().days,
        "link": LINK_MARK,
    }
    with translation.override(notification.language):
        text = render_to_string(
            f"notifications/{notification.language}/survey_invite.txt", context
        ).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def survey_link_mint(notification) -> str:
    """A freshly signed link for the copy being sent: its validity counts from now."""
    nonce = Survey.objects.values_list("nonce", flat=True).get(pk=notification.subject_id)
    return survey_link(nonce=nonce)


def survey_link(*, nonce: str) -> str:
    token = survey_token_make(nonce=nonce)
    return _site(reverse("portal:survey", kwargs={"token": token}))


def followup_tell(
    *, follow_up: FollowUp, managers: list[tuple[int, str, str]], now: datetime | None = None
) -> int:
    """Email each manager once about this follow-up (worded now, in their language)."""
    survey = follow_up.survey
    ticket = follow_up.ticket
    response = survey.response
    context = {
        "follow_up": follow_up,
        "ticket": ticket,
        "response": response,
        # Whom to call back: the email says so, and gives the number and address.
        "customer": ticket.customer,
        "link": _site(reverse("desk:followup", args=[follow_up.pk])),
    }
    drafts = []
    for manager_id, email, language in managers:
        language = language if language in dict(settings.LANGUAGES) else "en"
        with translation.override(language):
            context["reason"] = follow_up.get_reason_display()
            text = render_to_string(
                f"notifications/{language}/followup_opened.txt", context
            ).strip()
        title, _, body = text.partition("\n")
        # Staff are reached by email: the same rule as customers, with email the chosen channel.
        drafts.extend(
            Draft(
                channel=channel,
                recipient=recipient,
                language=language,
                stage=f"followup_opened_{manager_id}",
                subject_type=FOLLOWUP_SUBJECT,
                subject_id=follow_up.pk,
                # Staff mail about a customer waiting for a call-back: no quiet hours.
                urgent=True,
                time_zone=settings.TIME_ZONE,
                title=title.strip(),
                body=body.strip(),
            )
            for channel, recipient in channels_choose(
                preferred=PreferredChannel.EMAIL, email=email, phone=""
            )
        )
    return notifications_queue(drafts=drafts, now=now)
