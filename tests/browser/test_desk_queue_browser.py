"""The desk queue in Chromium: a ticket a customer files appears in an open queue without a
reload; the keyboard moves, selects and opens; at 1,280 and 1,024 px, in English and Korean, the
page never scrolls sideways."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.desk.models import SavedView
from apps.desk.views import queue as queue_views
from apps.tickets.models import DeliveryChangeRequest, TicketPriority, TicketStatus
from apps.tickets.services import ticket_open
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory, TicketFactory

NO_SIDEWAYS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _busy_queue(agent, other_agent):
    now = timezone.now()
    carrier = CarrierFactory(code="cj", name="CJ대한통운 (CJ Logistics Korea)")
    long_name = CustomerFactory(
        name="Maximilian Alexander Featherstonehaugh-Wolfeschlegelsteinhausen",
        email="maximilian.alexander.featherstonehaugh@very-long-domain-example.co.kr",
    )
    korean = CustomerFactory(name="김민지", email="minji@example.com", phone="+821055550199")
    for index in range(12):
        customer = long_name if index % 2 else korean
        ticket = TicketFactory(
            customer=customer,
            subject=(
                "택배가 대전 허브에서 5일째 움직이지 않습니다. 언제 받을 수 있나요?"
                if index % 2
                else "Parcel stuck in the Daejeon hub for five days, when will it finally arrive?"
            ),
            shipment=ShipmentFactory(
                carrier=carrier, customer=customer, tracking_number=f"CJ55500{index:04d}"
            ),
            assignee=(agent, None, other_agent)[index % 3],
            status=(TicketStatus.NEW, TicketStatus.OPEN)[index % 2],
            priority=(TicketPriority.URGENT, TicketPriority.HIGH, TicketPriority.NORMAL)[index % 3],
            first_responded_at=now - timedelta(hours=2) if index % 2 else None,
            first_response_due_at=now + timedelta(hours=index * 3 - 4, minutes=-20),
            resolution_due_at=now + timedelta(hours=index * 3 - 1),
            last_customer_message_at=now,
        )
        if index % 4 == 0:
            DeliveryChangeRequest.objects.create(ticket=ticket, kind="safe_place", place="Door")
    TicketFactory(
        reference="DD-WAITS",
        customer=korean,
        status=TicketStatus.PENDING_CUSTOMER,
        sla_paused_at=now - timedelta(days=3),
        first_responded_at=now - timedelta(days=4),
        first_response_due_at=now - timedelta(days=5),
        resolution_due_at=now - timedelta(days=2),
    )
    SavedView.objects.create(
        owner=agent, name="My breached ones", query="assignee=mine&sla=breached"
    )
    SavedView.objects.create(
        owner=other_agent, name="Team: late CJ parcels", query="delayed=yes", is_shared=True
    )


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_queue_never_scrolls_sideways_at_1280_and_1024(
    page, screenshot, desk_sign_in, agent, other_agent, locale
):
    _busy_queue(agent, other_agent)
    desk_sign_in(agent)
    page.goto("/desk/queue/")
    if locale == "ko":
        with page.expect_navigation():
            page.locator("#desk-lang").select_option("ko")
        expect(page.locator("html")).to_have_attribute("lang", "ko")

    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/desk/queue/?assignee=anyone", "/desk/queue/?assignee=anyone&waiting=on"):
            page.goto(path)
            expect(page.locator("#queue-rows tr.q-row").first).to_be_visible()
            assert page.evaluate(NO_SIDEWAYS), (locale, width, path)
            # Status badges keep to one line (no letter-per-line wrapping in Korean).
            heights = page.eval_on_selector_all(
                "td.q-status .desk-badge", "els => els.map(e => e.getBoundingClientRect().height)"
            )
            assert heights and max(heights) < 30, heights
            step = f"{locale}-{width}" + ("-waiting" if "waiting" in path else "")
            screenshot(step)


def test_a_ticket_filed_by_a_customer_appears_without_a_reload(
    page, screenshot, desk_sign_in, agent, monkeypatch
):
    monkeypatch.setattr(queue_views, "LIVE_SECONDS", 1)
    TicketFactory(reference="DD-FIRST", subject="Already here")
    desk_sign_in(agent)
    page.goto("/desk/queue/")
    expect(page.locator("#queue-rows tr.q-row")).to_have_count(1)
    page.evaluate("window.__sameDocument = true")

    ticket, _token = ticket_open(
        customer=CustomerFactory(name="Park Jisoo"),
        category="late",
        subject="My parcel never came",
        body="It was due on Monday.",
    )

    expect(page.get_by_text(ticket.reference)).to_be_visible(timeout=8_000)
    assert page.evaluate("window.__sameDocument === true")  # no reload happened
    screenshot("1-new-ticket-appeared")

    # With a row ticked, the rows stay as they are and a note offers the news instead.
    page.locator('#queue-rows input[name="tickets"]').first.check()
    second, _token = ticket_open(
        customer=CustomerFactory(name="Lee Hana"),
        category="late",
        subject="Another one",
        body="Where is it?",
    )
    expect(page.locator("#queue-news")).to_contain_text(second.reference, timeout=8_000)
    expect(page.locator("#queue-rows tr.q-row")).to_have_count(2)
    assert page.locator('#queue-rows input[name="tickets"]').first.is_checked()
    screenshot("2-news-with-a-selection")


def test_keyboard_moves_selects_and_opens(page, desk_sign_in, agent):
    now = timezone.now()
    first = TicketFactory(
        reference="DD-K1",
        first_response_due_at=now + timedelta(minutes=30),
        resolution_due_at=now + timedelta(hours=1),
    )
    second = TicketFactory(
        reference="DD-K2",
        first_response_due_at=now + timedelta(minutes=40),
        resolution_due_at=now + timedelta(hours=2),
    )
    desk_sign_in(agent)
    page.goto("/desk/queue/")

    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(f'tr[data-id="{second.pk}"]')).to_have_class(re.compile("q-focus"))
    page.keyboard.press("x")
    expect(page.locator(f'tr[data-id="{second.pk}"] input[name="tickets"]')).to_be_checked()
    page.keyboard.press("k")
    expect(page.locator(f'tr[data-id="{first.pk}"]')).to_have_class(re.compile("q-focus"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/desk/tickets/{first.pk}/")


def test_countdowns_move_on_while_the_page_stays_open(page, desk_sign_in, agent):
    now = timezone.now()
    ticket = TicketFactory(
        reference="DD-TICKS",
        status=TicketStatus.OPEN,
        assignee=agent,
        first_responded_at=now - timedelta(hours=1),
        first_response_due_at=now,
        resolution_due_at=now + timedelta(hours=3, minutes=30),
    )
    page.clock.install()
    desk_sign_in(agent)
    page.goto("/desk/queue/")
    due = page.locator("#queue-rows tr", has_text=ticket.reference).locator("time.q-due")
    expect(due).to_have_text("in 3 h")

    page.clock.fast_forward("02:00:00")
    expect(due).to_have_text("in 1 h")
    page.clock.fast_forward("02:00:00")
    expect(due).to_have_text("30 min overdue")


def test_countdowns_move_on_in_korean(new_page, desk_sign_in, agent):
    now = timezone.now()
    ticket = TicketFactory(
        reference="DD-TICKK",
        status=TicketStatus.OPEN,
        assignee=agent,
        first_responded_at=now - timedelta(hours=1),
        first_response_due_at=now,
        resolution_due_at=now + timedelta(hours=3, minutes=30),
    )
    page = new_page(locale="ko-KR")
    page.clock.install()
    desk_sign_in(agent, on_page=page)
    page.goto("/desk/queue/")
    due = page.locator("#queue-rows tr", has_text=ticket.reference).locator("time.q-due")
    expect(due).to_have_text("3시간 남음")

    page.clock.fast_forward("04:00:00")
    expect(due).to_have_text("30분 초과")
