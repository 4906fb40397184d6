"""The queue page's quick paths give what the slower general ones gave: the SLA state worked out
in Python, dates formatted without the date filter, form widgets rendered without templates,
rendered pieces reused only for the same choices and values, and the words in Korean."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.forms.renderers import get_default_renderer
from django.http import QueryDict
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from apps.tickets.admin.forms import QueueBulkForm, QueueFilterForm
from apps.tickets.admin.queue_rows import datetime_formatter
from apps.tickets.models import Ticket, TicketPriority, TicketStatus
from apps.tickets.queue import sla_state, sla_state_of
from tests.factories import CarrierFactory, CustomerFactory, TicketFactory

QUEUE = reverse("admin:tickets_ticket_queue")


@pytest.mark.django_db
def test_sla_state_in_python_is_the_sql_one():
    now = timezone.now()
    minutes = [-90, -30, -1, 0, 1, 30, 59, 60, 61, 120]
    for index, (first, resolution) in enumerate(
        (first, resolution) for first in minutes for resolution in minutes if resolution >= first
    ):
        status = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING_CUSTOMER)[index % 3]
        TicketFactory(
            status=status,
            first_response_due_at=now + timedelta(minutes=first),
            resolution_due_at=now + timedelta(minutes=resolution),
            first_responded_at=now - timedelta(hours=2) if index % 4 == 0 else None,
            sla_paused_at=now if index % 7 == 0 else None,
        )
    _resolved = TicketFactory(
        status=TicketStatus.RESOLVED,
        resolved_at=now,
        first_response_due_at=now - timedelta(hours=3),
        resolution_due_at=now - timedelta(hours=2),
    )

    tickets = list(Ticket.objects.annotate(state=sla_state(now)))

    assert {ticket.state for ticket in tickets} == {"breached", "at_risk", ""}
    for ticket in tickets:
        assert sla_state_of(ticket, now=now) == ticket.state, ticket


@pytest.mark.parametrize(
    "format_string",
    ["m/d/Y H:i", "Y-n-j H:i", "d.m.y G:i:s", "N j, Y, H:i", "Y년 n월 j일 A g:i", r"\Y Y"],
)
def test_quick_date_format_is_django_s(format_string):
    zone = ZoneInfo("Asia/Seoul")
    moments = [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2026, 12, 31, 15, 0, 0, tzinfo=UTC),
        datetime(987, 6, 7, 23, 59, 59, tzinfo=UTC),
    ]
    with translation.override("en"):
        for moment in moments:
            local = moment.astimezone(zone)
            assert datetime_formatter(format_string)(local) == dateformat.format(
                local, format_string
            )


def _tags(html: str) -> list[str]:
    """The markup as a list of tags and texts, whitespace between them left out."""
    return [part.strip() for part in re.split(r"(<[^>]+>)", str(html)) if part.strip()]


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize(
    "query",
    ["", "assignee=7&status=resolved&priority=3&replied=on&q=%3Cb%3E%22x%22", "priority=abc"],
)
def test_quick_form_widgets_render_as_django_s_templates(language, query):
    agents = [(7, "Alice <Kim>"), (8, "Bob")]
    carriers = [(1, "CJ대한통운"), (2, "DHL & Co")]
    templates = [(3, 'Apology "late" (en)')]
    with translation.override(language):
        for make in (
            lambda: QueueFilterForm(QueryDict(query), agents=agents, carriers=carriers),
            lambda: QueueBulkForm(agents=agents, templates=templates),
        ):
            quick, slow = make(), make()
            slow.renderer = get_default_renderer()
            for quick_field, slow_field in zip(quick, slow, strict=True):
                assert _tags(quick_field) == _tags(slow_field)
                assert _tags(quick_field.label_tag()) == _tags(slow_field.label_tag())


@pytest.mark.django_db
def test_queue_page_has_no_duplicate_ids(client, agent):
    TicketFactory()
    client.force_login(agent)

    html = client.get(QUEUE).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert 'for="id_priority"' in html and 'for="id_bulk_priority"' in html


@pytest.mark.django_db
def test_filters_show_the_values_asked_for_and_new_choices(client, agent):
    CarrierFactory(code="cj", name="CJ Logistics")
    client.force_login(agent)

    plain = client.get(QUEUE).content.decode()
    urgent = client.get(QUEUE, {"priority": TicketPriority.URGENT}).content.decode()
    CarrierFactory(code="hanjin", name="Hanjin Express")
    later = client.get(QUEUE).content.decode()

    assert f'<option value="{TicketPriority.URGENT}" selected>' not in plain
    assert f'<option value="{TicketPriority.URGENT}" selected>' in urgent
    assert "Hanjin Express" not in plain
    assert "Hanjin Express" in later


@pytest.mark.django_db
def test_queue_rows_in_korean(client, agent):
    now = timezone.now()
    TicketFactory(
        reference="DD-KO",
        customer=CustomerFactory(name="김민지"),
        first_response_due_at=now - timedelta(minutes=5),
        resolution_due_at=now + timedelta(hours=20),
    )
    client.force_login(agent)

    html = client.get(QUEUE, headers={"accept-language": "ko"}).content.decode()

    for words in ("DD-KO 선택", "첫 답변 기한", "미배정", "김민지"):
        assert words in html
    assert "Unassigned" not in html
    assert "first answer by" not in html


@pytest.mark.django_db
def test_queue_dates_are_in_the_desk_time_zone(client, agent):
    due = datetime(2031, 3, 4, 23, 30, tzinfo=UTC)
    TicketFactory(first_response_due_at=due - timedelta(hours=1), resolution_due_at=due)
    client.force_login(agent)

    html = client.get(QUEUE).content.decode()

    # 23:30 UTC is 08:30 the next morning in Seoul.
    assert '<time datetime="2031-03-05T08:30:00+09:00">03/05/2031 08:30</time>' in html
    assert "first answer by 03/05/2031 07:30" in html
