"""What the survey tests share: the settings the lead adds to base.py, links, the managers' rights.

Not autouse: other test modules in this folder (the dashboard's) build their data without the
survey hook.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import MANAGERS
from apps.feedback.signing import survey_token_make

# What config/settings/base.py gets (see the report): the hook, the renderer and the link minter.
SURVEY_HOOK = "apps.feedback.services.survey_schedule"


@pytest.fixture
def survey_settings(settings):
    settings.TICKET_RESOLVED_HOOKS = [*settings.TICKET_RESOLVED_HOOKS, SURVEY_HOOK]
    settings.NOTIFICATION_RENDERERS = {
        **settings.NOTIFICATION_RENDERERS,
        "survey": "apps.feedback.telling.survey_message",
    }
    settings.NOTIFICATION_LINKS = {
        **settings.NOTIFICATION_LINKS,
        "survey": "apps.feedback.telling.survey_link_mint",
    }
    settings.DELAYDESK = {**settings.DELAYDESK, "SURVEY_DELAY_MINUTES": 60, "SURVEY_VALID_DAYS": 14}
    return settings


@pytest.fixture
def managers_handle_follow_ups(db):
    """The Managers role with the follow-up rights roles.py is to grant (see the report)."""
    group, _ = Group.objects.get_or_create(name=MANAGERS)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="feedback", codename__in=["view_followup", "change_followup"]
        )
    )
    return group


def survey_path(survey) -> str:
    return reverse("portal:survey", kwargs={"token": survey_token_make(nonce=survey.nonce)})


def more_path(survey) -> str:
    return reverse("portal:survey-more", kwargs={"token": survey_token_make(nonce=survey.nonce)})


def hours_ago(hours: float):
    return timezone.now() - timedelta(hours=hours)
