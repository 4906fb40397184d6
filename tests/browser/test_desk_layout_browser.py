"""Every desk screen fits the window: at 1,280 and 1,024 px, in English and Korean, no page
scrolls sideways (the queue was 1,357 px wide at 1,280 px, and its status column wrapped one
Korean letter per line)."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.feedback.models import FollowUp, FollowUpReason
from apps.tickets.models import MessageAuthor, TicketCategory, TicketStatus
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    CompensationRuleFactory,
    MessageFactory,
    OfferFactory,
    ShipmentFactory,
    SurveyFactory,
    SurveyResponseFactory,
    TicketFactory,
    TrackingEventFactory,
)

WIDTHS = (1280, 1024)
LOCALES = ("en-US", "ko-KR")
# (url name, args from the data, who opens it)
SCREENS = (
    ("desk:home", None, "agent"),
    ("desk:queue", None, "agent"),
    ("desk:ticket", "ticket", "agent"),
    ("desk:approvals", None, "manager"),
    ("desk:rules", None, "manager"),
    ("desk:budgets", None, "manager"),
    ("desk:followups", None, "manager"),
    ("desk:cost", None, "manager"),
    ("dashboard:index", None, "manager"),
)
LONG_KO = "배송이 예정보다 많이 늦어지고 있어 정확한 도착 시간을 다시 안내받고 싶습니다"


def _data(agent, manager, other_manager):
    carrier = CarrierFactory(code="cj", name="CJ대한통운 (CJ Logistics Korea)")
    tickets = []
    for n, status in enumerate(
        [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING_CUSTOMER] * 4
    ):
        shipment = ShipmentFactory(carrier=carrier, tracking_number=f"CJ{n:010d}")
        TrackingEventFactory(shipment=shipment, carrier=carrier)
        ticket = TicketFactory(
            shipment=shipment,
            customer=shipment.customer,
            status=status,
            assignee=agent if n % 2 else None,
            subject=f"{LONG_KO} #{n}",
            category=TicketCategory.LATE,
            language="ko",
            sla_paused_at=timezone.now() if status == TicketStatus.PENDING_CUSTOMER else None,
        )
        MessageFactory(ticket=ticket, author_kind=MessageAuthor.CUSTOMER, body=LONG_KO * 3)
        tickets.append(ticket)
    rule = CompensationRuleFactory()
    budget = BudgetFactory()
    for ticket in tickets[:3]:
        OfferFactory(
            shipment=ticket.shipment,
            ticket=ticket,
            rule=rule,
            budget=budget,
            amount=Decimal("12000"),
            proposed_by=other_manager,
            manual_reason="고객이 일주일을 기다렸습니다",
        )
    survey = SurveyFactory(ticket=tickets[1], answered_at=timezone.now())
    SurveyResponseFactory(survey=survey, csat=1, nps=0, comment=LONG_KO)
    FollowUp.objects.create(survey=survey, ticket=tickets[1], reason=FollowUpReason.LOW_CSAT)
    return {"ticket": tickets[1]}


@pytest.mark.parametrize("locale", LOCALES)
def test_no_desk_screen_scrolls_sideways(
    new_page, desk_sign_in, agent, manager, other_manager, locale
):
    data = _data(agent, manager, other_manager)
    pages = {}
    for who, user in (("agent", agent), ("manager", manager)):
        pages[who] = new_page(locale=locale)
        desk_sign_in(user, on_page=pages[who])
    shots = Path("test-artifacts/screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for name, arg, who in SCREENS:
        url = reverse(name, args=[data[arg].pk] if arg else [])
        page = pages[who]
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(url)
            assert response.status == 200, (url, response.status)
            page.wait_for_load_state("networkidle")
            widths = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if widths[0] > widths[1]:
                too_wide.append((url, width, widths))
            slug = name.replace(":", "-")
            page.screenshot(
                path=shots / f"desk-layout-{locale}-{slug}-{width}.png",
                full_page=True,
            )
    assert too_wide == []
