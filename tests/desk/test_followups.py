"""/desk/followups/: whom to call back (phone, email), the ticket's workspace a click away,
taken and closed with a note through the feedback services."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.compensation.models import ActionKind, OfferStatus
from apps.feedback.models import FollowUp, FollowUpReason, FollowUpStatus
from apps.feedback.services import survey_answer
from apps.notifications.models import Notification
from apps.shipments.models import DelayReason
from tests.factories import (
    CustomerFactory,
    OfferFactory,
    ShipmentFactory,
    SurveyFactory,
    SurveyResponseFactory,
    TicketFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("survey_settings", "managers_handle_follow_ups"),
]

FOLLOWUPS = "/desk/followups/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def survey_settings(settings):
    from tests.feedback.conftest import survey_settings as fixture

    return fixture.__wrapped__(settings)


@pytest.fixture
def managers_handle_follow_ups(db):
    from tests.feedback.conftest import managers_handle_follow_ups as fixture

    return fixture.__wrapped__(db)


def _story(*, agent, rows=1, comment="Too slow"):
    follow_ups = []
    for index in range(rows):
        customer = CustomerFactory(
            name=f"Kim {index}", email=f"kim{index}@example.com", phone=f"+8210555{index:04d}"
        )
        shipment = ShipmentFactory(
            customer=customer,
            is_delayed=True,
            delay_reason=DelayReason.CAPACITY,
            delay_detected_at=timezone.now() - timedelta(days=2),
        )
        ticket = TicketFactory(
            customer=customer,
            shipment=shipment,
            assignee=agent,
            status="resolved",
            resolved_at=timezone.now() - timedelta(hours=3),
        )
        OfferFactory(
            shipment=shipment,
            ticket=ticket,
            kind=ActionKind.FIXED_COUPON,
            amount=3000,
            status=OfferStatus.ACCEPTED,
        )
        response = SurveyResponseFactory(
            survey__ticket=ticket, csat=2, nps=3 if index % 2 else None, comment=comment
        )
        follow_ups.append(
            FollowUp.objects.create(
                survey=response.survey, ticket=ticket, reason=FollowUpReason.LOW_CSAT
            )
        )
    return follow_ups


def test_each_follow_up_shows_whom_to_call_and_links_the_workspace(client, manager, agent):
    (follow_up,) = _story(agent=agent)
    client.force_login(manager)
    response = client.get(FOLLOWUPS, {"status": "open"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="tel:+82105550000"' in html and "+82105550000" in html
    assert 'href="mailto:kim0@example.com"' in html
    assert f'href="/desk/tickets/{follow_up.ticket_id}/"' in html
    assert follow_up.ticket.reference in html
    assert str(DelayReason.CAPACITY.label) in html
    assert "Coupon (fixed amount) ₩3,000 (Accepted)" in html
    assert "CSAT 2/5" in html and "Alice" in html


@pytest.mark.parametrize("rows", [10, 80])
def test_the_list_query_count_does_not_grow(
    client, manager, agent, rows, django_assert_max_num_queries
):
    _story(agent=agent, rows=rows)
    client.force_login(manager)
    # Session, user, permissions (2), the page joined, offers on tickets, offers on parcels.
    with django_assert_max_num_queries(8):
        response = client.get(FOLLOWUPS)
    assert response.status_code == 200
    assert len(response.context["cards"]) == min(rows, 30)


def test_the_status_filter(client, manager, agent):
    open_one, done_one = _story(agent=agent, rows=2)
    FollowUp.objects.filter(pk=done_one.pk).update(
        status="done", closed_at=timezone.now(), closed_by=manager
    )
    client.force_login(manager)
    cards = client.get(FOLLOWUPS, {"status": "open"}).context["cards"]
    assert [card["follow_up"] for card in cards] == [open_one]
    cards = client.get(FOLLOWUPS, {"status": "done"}).context["cards"]
    assert [card["follow_up"] for card in cards] == [done_one]
    assert len(client.get(FOLLOWUPS, {"status": "all"}).context["cards"]) == 2
    assert client.get(FOLLOWUPS, {"status": "nonsense", "after": "x"}).status_code == 200


def test_take_then_mark_done_and_the_title_says_done(client, manager, agent):
    (follow_up,) = _story(agent=agent)
    url = reverse("desk:followup", args=[follow_up.pk])
    client.force_login(manager)
    response = client.post(url, {"op": "take", "next": FOLLOWUPS + "?status=open"})
    assert response.status_code == 302 and response["Location"] == FOLLOWUPS + "?status=open"
    follow_up.refresh_from_db()
    assert follow_up.assignee == manager
    response = client.post(url, {"op": "done", "note": "Called; apologised."}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Follow-up on {follow_up.ticket.reference} (done)" in html
    assert "(open)" not in html
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE and follow_up.closed_by == manager
    assert follow_up.note == "Called; apologised."
    page = client.get(url).content.decode()
    assert "(done)" in page and "Done by Carol" in page


def test_marking_done_needs_a_note(client, manager, agent):
    (follow_up,) = _story(agent=agent)
    url = reverse("desk:followup", args=[follow_up.pk])
    client.force_login(manager)
    response = client.post(url, {"op": "done", "note": "  "}, follow=True)
    assert response.status_code == 200
    assert "Say what was done" in response.content.decode()
    response = client.post(url, {"op": "done", "note": ""}, **HTMX)
    assert "Say what was done" in response.content.decode()
    assert client.post(url, {"op": "boom"}, follow=True).status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_agents_are_refused(client, agent):
    (follow_up,) = _story(agent=agent)
    client.force_login(agent)
    assert client.get(FOLLOWUPS).status_code == 403
    url = reverse("desk:followup", args=[follow_up.pk])
    assert client.post(url, {"op": "done", "note": "x"}).status_code == 403
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_the_managers_email_links_the_desk_and_gives_the_contact(manager):
    customer = CustomerFactory(name="Lee Jiwoo", email="jiwoo@example.com", phone="+821099998888")
    survey = SurveyFactory(ticket=TicketFactory(customer=customer))
    survey_answer(survey=survey, csat=1)
    follow_up = FollowUp.objects.get()
    mail = Notification.objects.get(subject_type="survey_followup")
    assert reverse("desk:followup", args=[follow_up.pk]) in mail.body
    assert "+821099998888" in mail.body and "jiwoo@example.com" in mail.body
