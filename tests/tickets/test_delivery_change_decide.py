"""Agents decide a customer's delivery-change request once, on the ticket's timeline."""

import pytest

from apps.core.errors import ApplicationError
from apps.tickets.models import DeliveryChangeRequest, DeliveryChangeStatus, TicketEvent
from apps.tickets.services import delivery_change_decide
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def change():
    return DeliveryChangeRequest.objects.create(
        ticket=TicketFactory(), kind="safe_place", place="Behind the blue gate"
    )


def test_arranging_a_request_records_who_and_when(change, agent):
    delivery_change_decide(change=change, status=DeliveryChangeStatus.ARRANGED, actor=agent)

    change.refresh_from_db()
    assert change.status == DeliveryChangeStatus.ARRANGED
    event = TicketEvent.objects.get(ticket=change.ticket)
    assert (event.actor, event.from_value, event.to_value) == (agent, "requested", "arranged")


def test_a_decided_request_cannot_be_decided_again(change, agent):
    delivery_change_decide(change=change, status=DeliveryChangeStatus.DECLINED, actor=agent)

    with pytest.raises(ApplicationError, match="already decided"):
        delivery_change_decide(change=change, status=DeliveryChangeStatus.ARRANGED, actor=agent)

    change.refresh_from_db()
    assert change.status == DeliveryChangeStatus.DECLINED


def test_back_to_requested_is_not_a_decision(change, agent):
    with pytest.raises(ApplicationError) as refused:
        delivery_change_decide(change=change, status=DeliveryChangeStatus.REQUESTED, actor=agent)

    assert refused.value.field == "status"
    assert not TicketEvent.objects.filter(ticket=change.ticket).exists()
