# ruff: noqa: F811  (pytest fixtures imported from test_workspace_fixtures)
"""Macros: the ticket service applies reply + priority + assignment + status in one transaction,
checks the permission itself, and the workspace offers only the macros that fit the ticket."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from apps.desk.models import Macro
from apps.notifications.models import Notification
from apps.tickets.errors import TicketChanged, TicketChangeNotAllowed, TicketTransitionRefused
from apps.tickets.models import Message, Ticket, TicketEvent, TicketEventKind, TicketStatus
from apps.tickets.services import ticket_macro_apply
from tests.desk.test_workspace_fixtures import (  # noqa: F401  (fixtures)
    flash,
    late_ticket,
    newest_id,
    resolve_macro,
    work_url,
)
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


def _stages(ticket) -> list[str]:
    return list(
        Notification.objects.filter(subject_type="ticket", subject_id=ticket.pk).values_list(
            "stage", flat=True
        )
    )


def test_service_applies_reply_status_priority_assignment_together(agent, late_ticket):
    ticket = ticket_macro_apply(
        ticket=late_ticket,
        actor=agent,
        body="Your parcel arrives Friday.",
        set_status=TicketStatus.RESOLVED,
        set_priority=3,
        assign="me",
        seen_message_id=newest_id(late_ticket),
    )

    assert (ticket.status, ticket.priority, ticket.assignee) == ("resolved", 3, agent)
    reply = Message.objects.get(body="Your parcel arrives Friday.")
    assert reply.author == agent and not reply.is_internal
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {
        TicketEventKind.AGENT_REPLIED,
        TicketEventKind.PRIORITY_CHANGED,
        TicketEventKind.ASSIGNED,
        TicketEventKind.STATUS_CHANGED,
    } <= kinds
    # One message to the customer: the reply with the news that it is resolved.
    assert _stages(ticket).count("replied_resolved") == 1
    assert "agent_replied" not in _stages(ticket)


def test_a_refused_step_undoes_the_whole_macro(agent, late_ticket):
    Ticket.objects.filter(pk=late_ticket.pk).update(
        status=TicketStatus.RESOLVED, resolved_at=timezone.now()
    )
    with pytest.raises(TicketTransitionRefused):
        ticket_macro_apply(
            ticket=late_ticket,
            actor=agent,
            body="Hello again.",
            set_status=TicketStatus.PENDING_CUSTOMER,  # not a move from resolved
            set_priority=4,
            assign="me",
        )
    ticket = Ticket.objects.get(pk=late_ticket.pk)
    assert (ticket.priority, ticket.assignee) == (2, None)
    assert not Message.objects.filter(body="Hello again.").exists()


def test_service_refuses_a_user_without_permission(late_ticket):
    outsider = UserFactory(username="intruder")
    with pytest.raises(TicketChangeNotAllowed):
        ticket_macro_apply(ticket=late_ticket, actor=outsider, body="Hi", set_priority=4)
    assert Ticket.objects.get(pk=late_ticket.pk).priority == 2
    assert not Message.objects.filter(body="Hi").exists()


def test_service_holds_the_macro_when_someone_wrote_meanwhile(agent, late_ticket):
    seen = newest_id(late_ticket)
    MessageFactory(ticket=late_ticket, body="Customer again")
    with pytest.raises(TicketChanged) as caught:
        ticket_macro_apply(
            ticket=late_ticket, actor=agent, body="Reply", set_priority=4, seen_message_id=seen
        )
    assert caught.value.extra["new_message_ids"]
    assert Ticket.objects.get(pk=late_ticket.pk).priority == 2


def test_workspace_lists_only_fitting_macros(client, agent, late_ticket, resolve_macro):
    Macro.objects.create(name="Any ticket: hold", set_status="pending_customer")
    Macro.objects.create(name="Korean only", language="ko", body="안녕하세요")
    Macro.objects.create(name="Damaged only", category="damaged", body="Sorry")
    Macro.objects.create(name="Switched off", body="x", is_active=False)
    client.force_login(agent)

    names = [macro.name for macro, _steps in client.get(work_url(late_ticket)).context["macros"]]

    assert names == ["Any ticket: hold", "Late parcel: new estimate, resolve"]


def test_choose_then_confirm_applies_the_macro(client, agent, late_ticket, resolve_macro):
    client.force_login(agent)

    confirm = client.get(work_url(late_ticket), {"macro": resolve_macro.pk}, HTTP_HX_REQUEST="true")
    panel = confirm.content.decode().split('id="ws-macro-confirm"')[1].split("</section>")[0]
    assert "Hello Kim Minji, CJ555000111 now arrives" in panel
    assert "{customer_name}" not in panel
    assert "Resolved · High · Assign to me" in panel
    assert Ticket.objects.get(pk=late_ticket.pk).status == "open"  # choosing changes nothing

    done = client.post(
        work_url(late_ticket),
        {"op": "macro", "macro": resolve_macro.pk, "seen_message_id": newest_id(late_ticket)},
        HTTP_HX_REQUEST="true",
    )
    ticket = Ticket.objects.get(pk=late_ticket.pk)
    assert (ticket.status, ticket.priority, ticket.assignee) == ("resolved", 3, agent)
    assert flash(done) == ["Macro applied: Late parcel: new estimate, resolve."]
    assert Message.objects.filter(body__startswith="Hello Kim Minji, CJ555000111").count() == 1


def test_macro_posted_twice_applies_once(client, agent, late_ticket, resolve_macro):
    client.force_login(agent)
    data = {"op": "macro", "macro": resolve_macro.pk, "seen_message_id": newest_id(late_ticket)}
    client.post(work_url(late_ticket), data)
    second = client.post(work_url(late_ticket), data)
    assert second.status_code == 409
    assert Message.objects.filter(body__startswith="Hello Kim Minji").count() == 1


def test_agent_without_ticket_rights_cannot_post_a_macro(late_ticket, resolve_macro, db):
    reader = UserFactory(username="reader", is_staff=True)

    reader.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    client = Client()
    client.force_login(reader)
    response = client.post(
        work_url(late_ticket), {"op": "macro", "macro": resolve_macro.pk, "seen_message_id": 0}
    )
    assert response.status_code == 403
    assert Ticket.objects.get(pk=late_ticket.pk).status == "open"
