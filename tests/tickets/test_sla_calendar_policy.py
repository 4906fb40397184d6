"""SLA policies in the database: due times count the working time of the ticket's policy, a
paused clock moves them by the paused working time, and a paused ticket is never overdue."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.tickets.models import SlaPolicy, TicketCategory, TicketPriority, TicketStatus
from apps.tickets.services import ticket_open, tickets_escalate
from apps.tickets.services.escalation import breached_filter
from apps.tickets.sla import (
    DEFAULT_CALENDAR,
    sla_calendar_for,
    sla_due_times,
    sla_due_times_resumed,
    sla_policy_for,
)
from tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
H = timedelta(hours=1)


def kst(*args):
    return datetime(*args, tzinfo=SEOUL)


def test_fresh_installs_have_a_default_policy_for_every_category():
    policy = sla_policy_for(TicketCategory.LATE)

    assert policy is not None and policy.category == ""
    assert (policy.time_zone, policy.working_days, policy.holidays_country) == (
        "Asia/Seoul",
        "12345",
        "KR",
    )
    assert (policy.working_hours_start, policy.working_hours_end) == (time(9), time(18))
    assert policy.silence_hours == 4
    assert policy.calendar() == DEFAULT_CALENDAR


def test_without_any_policy_the_built_in_default_applies():
    SlaPolicy.objects.all().delete()

    assert sla_calendar_for(TicketCategory.LATE) == DEFAULT_CALENDAR


def test_a_category_policy_wins_over_the_default():
    SlaPolicy.objects.create(
        name="Lost parcels around the clock",
        category=TicketCategory.LOST,
        working_days="1234567",
        working_hours_start=time(0),
        working_hours_end=time(0),
        holidays_country="",
    )
    friday_evening = kst(2026, 11, 20, 21)

    lost = sla_due_times(
        priority=TicketPriority.HIGH, category=TicketCategory.LOST, start=friday_evening
    )
    late = sla_due_times(
        priority=TicketPriority.HIGH, category=TicketCategory.LATE, start=friday_evening
    )

    # 24×7: 2 h and 24 h × 2 of wall time; the default office hours: Monday 11:00.
    assert lost == (friday_evening + 2 * H, friday_evening + 48 * H)
    assert late[0] == kst(2026, 11, 23, 11)


def test_opening_a_ticket_on_friday_at_five_is_due_on_monday_at_noon(customer):
    ticket, _ = ticket_open(
        customer=customer,
        category=TicketCategory.LATE,
        subject="Late",
        body="Where is it?",
        now=kst(2026, 11, 20, 17),
    )

    # Normal priority: 4 working hours to answer, 48 to resolve (9 a day, Mon–Fri).
    assert ticket.first_response_due_at == kst(2026, 11, 23, 12)
    assert ticket.resolution_due_at == kst(2026, 11, 30, 11)


def test_opening_before_chuseok_skips_the_holidays(customer):
    ticket, _ = ticket_open(
        customer=customer,
        category=TicketCategory.LOST,
        subject="Lost",
        body="Gone",
        now=kst(2026, 9, 23, 17),
    )

    # High priority: 2 working hours; Thursday 24 – Saturday 26 September are Chuseok.
    assert ticket.first_response_due_at == kst(2026, 9, 28, 10)


def test_a_resumed_clock_moves_the_due_times_by_the_paused_working_time():
    # Paused on Friday at 17:00 with 1 h left to the first answer; resumed Monday at 10:00:
    # 2 working hours paused (Fri 17–18, Mon 9–10), so 1 h remains: Monday 11:00.
    ticket = TicketFactory(
        status=TicketStatus.PENDING_CUSTOMER,
        category=TicketCategory.LATE,
        sla_paused_at=kst(2026, 11, 20, 17),
        first_response_due_at=kst(2026, 11, 20, 18),
        resolution_due_at=kst(2026, 11, 24, 12),
    )

    first, resolution = sla_due_times_resumed(ticket=ticket, now=kst(2026, 11, 23, 10))

    assert first == kst(2026, 11, 23, 11)
    assert resolution == kst(2026, 11, 24, 14)


def test_a_pause_over_the_weekend_only_costs_nothing():
    ticket = TicketFactory(
        status=TicketStatus.PENDING_CUSTOMER,
        sla_paused_at=kst(2026, 11, 20, 19),
        first_response_due_at=kst(2026, 11, 23, 12),
        resolution_due_at=kst(2026, 11, 25, 12),
    )

    assert sla_due_times_resumed(ticket=ticket, now=kst(2026, 11, 22, 20)) == (
        ticket.first_response_due_at,
        ticket.resolution_due_at,
    )


def test_a_paused_ticket_is_not_overdue_nor_escalated(manager):
    now = timezone.now()
    paused = TicketFactory(
        status=TicketStatus.PENDING_CUSTOMER,
        sla_paused_at=now - 30 * H,
        first_response_due_at=now - 10 * H,
        resolution_due_at=now - 5 * H,
    )

    assert not type(paused).objects.filter(breached_filter(now), pk=paused.pk).exists()
    assert tickets_escalate(now=now) == 0
    paused.refresh_from_db()
    assert paused.sla_escalated_at is None


def test_one_active_policy_per_category():
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaPolicy.objects.create(name="Second default", category="")


def test_a_policy_form_refuses_unknown_zones_countries_and_backwards_hours():
    policy = SlaPolicy(
        name="Wrong",
        category=TicketCategory.OTHER,
        time_zone="Mars/Olympus",
        holidays_country="XX",
        working_hours_start=time(18),
        working_hours_end=time(9),
    )

    with pytest.raises(ValidationError) as error:
        policy.full_clean()

    assert {"time_zone", "holidays_country", "working_hours_end"} <= set(error.value.error_dict)


def test_the_admin_edits_policies_and_refuses_a_second_active_default(client):
    client.force_login(UserFactory(username="root", is_superuser=True))
    default = SlaPolicy.objects.get(category="")

    assert client.get(reverse("admin:tickets_slapolicy_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:tickets_slapolicy_change", args=[default.pk])).status_code == 200
    )
    response = client.post(
        reverse("admin:tickets_slapolicy_add"),
        {
            "name": "Another default",
            "category": "",
            "time_zone": "Asia/Seoul",
            "working_days": "12345",
            "working_hours_start": "09:00",
            "working_hours_end": "18:00",
            "holidays_country": "kr",
            "silence_hours": "4",
            "is_active": "on",
        },
    )

    assert response.status_code == 200  # the form again, with its error; no 500
    assert SlaPolicy.objects.count() == 1
