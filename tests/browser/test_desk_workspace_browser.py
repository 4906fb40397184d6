"""The ticket workspace in Chromium: two agents on one ticket (presence, the other's reply seen
before sending, both replies kept), a late parcel resolved with a macro in three clicks from the
queue, the keyboard shortcuts, and no sideways scroll at 1,280 and 1,024 px in English and
Korean."""

import base64
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from apps.desk.models import Macro
from apps.shipments.models import DelayReason
from apps.tickets.models import Attachment, Message, Ticket, TicketCategory, TicketStatus
from tests.browser.conftest import TEST_PASSWORD
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory, TicketFactory

LIVE = 12_000  # the page polls every 5 s
# A 4×3 PNG: a real image for the thumbnail.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAEElEQVR4nGM4UaEBRww4OQBQxhDhqjivfwAAAABJRU5ErkJggg=="
)


def _late_ticket(reference="DD-LATE01", *, korean=False, **extra):
    now = timezone.now()
    customer = CustomerFactory(
        name="김민지" if korean else "Kim Minji", email="minji@example.com", language="en"
    )
    shipment = ShipmentFactory(
        carrier=CarrierFactory(code=f"cj{reference[-2:]}", name="CJ대한통운"),
        customer=customer,
        tracking_number=f"CJ{reference[-2:]}5550001112223334",
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=now,
        delay_hours=30,
        estimate_start=now + timedelta(days=2),
        estimate_end=now + timedelta(days=2, hours=2),
    )
    ticket = TicketFactory(
        reference=reference,
        subject="택배가 늦어요 — 언제 도착하나요?" if korean else "Where is my parcel?",
        customer=customer,
        shipment=shipment,
        category=TicketCategory.LATE,
        language="en",
        status=TicketStatus.OPEN,
        **extra,
    )
    body = (
        "주문한 택배가 사흘째 대전 허브에 머물러 있습니다. 배송조회번호는 "
        "CJ5550001112223334445556667778889990이고 금요일까지 꼭 받아야 합니다. " * 3
        if korean
        else "My parcel has been stuck at the Daejeon hub for three days. " * 3
    )
    message = Message.objects.create(ticket=ticket, author_kind="customer", body=body)
    return ticket, message


def _macro():
    return Macro.objects.create(
        name="Late parcel: new estimate, resolve",
        language="en",
        category=TicketCategory.LATE,
        body="Hello {customer_name}, your parcel now arrives {new_estimate}. Sorry for the wait.",
        set_status=TicketStatus.RESOLVED,
        set_priority=3,
        assign="me",
    )


def test_two_agents_on_one_ticket_see_each_other_and_keep_both_replies(
    page, new_page, screenshot, desk_sign_in, agent, other_agent
):
    ticket, _first = _late_ticket()
    url = f"/desk/tickets/{ticket.pk}/"
    alice, bob = page, new_page()
    desk_sign_in(agent, on_page=alice)
    desk_sign_in(other_agent, on_page=bob)
    alice.goto(url)
    bob.goto(url)

    # Each sees the other on the ticket.
    expect(bob.locator("#ws-live")).to_contain_text("Alice is viewing", timeout=LIVE)
    expect(alice.locator("#ws-live")).to_contain_text("Bob is viewing", timeout=LIVE)

    bob.locator("#ws-body").fill("Bob: sorry for the wait, we are checking with the carrier.")
    alice.locator("#ws-body").fill("Alice: your parcel ships again today.")
    expect(bob.locator("#ws-live")).to_contain_text("Alice is writing a reply", timeout=LIVE)
    screenshot("1-bob-sees-alice-writing", bob)

    alice.locator("#ws-send").click()
    expect(alice.locator(".ws-flash")).to_contain_text("Reply sent to the customer.")

    # Bob sees Alice's reply arrive before he sends, marked new, his draft untouched.
    expect(bob.locator("#ws-conversation")).to_contain_text(
        "Alice: your parcel ships again today.", timeout=LIVE
    )
    expect(bob.locator(".ws-msg-new")).to_have_count(1)
    expect(bob.locator("#ws-body")).to_have_value(re.compile("^Bob: sorry"))
    screenshot("2-bob-sees-alice-reply", bob)

    # His send is held (he had not confirmed he read it); the draft stays; he sends anyway.
    bob.locator("#ws-send").click()
    expect(bob.locator(".ws-flash")).to_contain_text("Alice wrote on this ticket")
    expect(bob.locator("#ws-body")).to_have_value(re.compile("^Bob: sorry"))
    expect(bob.locator("#ws-send")).to_have_text("Send anyway")
    screenshot("3-bob-held", bob)
    bob.locator("#ws-send").click()
    expect(bob.locator(".ws-flash")).to_contain_text("Reply sent to the customer.")
    screenshot("4-both-replies", bob)

    bodies = list(Message.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert "Alice: your parcel ships again today." in bodies
    assert "Bob: sorry for the wait, we are checking with the carrier." in bodies
    assert len(bodies) == 3


def test_agent_resolves_a_late_parcel_with_a_macro_in_three_clicks_from_the_queue(
    page, screenshot, desk_sign_in, agent
):
    ticket, _first = _late_ticket()
    _macro()
    desk_sign_in(agent)
    page.goto("/desk/queue/?assignee=anyone")
    screenshot("0-queue")
    clicks = 0

    page.get_by_role("link", name=ticket.reference).first.click()
    clicks += 1
    page.wait_for_url(f"**/desk/tickets/{ticket.pk}/")
    page.get_by_role("link", name="Late parcel: new estimate, resolve").click()
    clicks += 1
    expect(page.locator("#ws-macro-confirm")).to_contain_text("Hello Kim Minji")
    screenshot("1-confirm")
    page.locator("#ws-macro-apply").click()
    clicks += 1

    expect(page.locator(".ws-flash")).to_contain_text("Macro applied")
    expect(page.locator("#ws-status")).to_have_text("Resolved")
    screenshot("2-resolved")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == ("resolved", 3, agent)
    assert clicks <= 3


def test_keyboard_shortcuts(page, screenshot, desk_sign_in, agent):
    now = timezone.now()
    soon = {"first_response_due_at": now + timedelta(hours=1)}
    first, _m = _late_ticket("DD-KEYS01", resolution_due_at=now + timedelta(hours=20), **soon)
    second, _m = _late_ticket("DD-KEYS02", resolution_due_at=now + timedelta(hours=21), **soon)
    desk_sign_in(agent)
    page.goto(f"/desk/tickets/{first.pk}/")

    page.locator(".ws-timeline summary").click()  # the ticket's timeline, drawn on unfolding
    expect(page.locator(".ws-timeline table")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#ws-help")).to_be_visible()
    screenshot("1-help")
    page.keyboard.press("Escape")
    expect(page.locator("#ws-help")).to_be_hidden()

    page.keyboard.press("n")
    expect(page.locator("#ws-body")).to_be_focused()
    expect(page.locator('input[name="visibility"][value="internal"]')).to_be_checked()
    page.keyboard.type("just j and k and e")  # typing: no shortcut fires
    expect(page.locator("#ws-body")).to_have_value("just j and k and e")
    assert page.url.endswith(f"/desk/tickets/{first.pk}/")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.locator('input[name="visibility"][value="public"]')).to_be_checked()
    page.locator("#ws-body").fill("")
    page.keyboard.press("Escape")

    page.keyboard.press("j")
    page.wait_for_url(f"**/desk/tickets/{second.pk}/")
    page.keyboard.press("k")
    page.wait_for_url(f"**/desk/tickets/{first.pk}/")
    page.keyboard.press("]")
    page.wait_for_url(f"**/desk/tickets/{second.pk}/")
    page.keyboard.press("[")
    page.wait_for_url(f"**/desk/tickets/{first.pk}/")

    page.keyboard.press("r")
    page.keyboard.type("A draft in progress")
    page.keyboard.press("Escape")
    # `e` asks first: dismissed, nothing happens; accepted, the ticket is resolved.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.keyboard.press("e")
    expect(page.locator("#ws-status")).not_to_have_text("Resolved")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("e")
    expect(page.locator("#ws-status")).to_have_text("Resolved")
    # The page answered in place; the draft being written is still there.
    expect(page.locator("#ws-body")).to_have_value("A draft in progress")
    screenshot("2-resolved-by-key")
    assert Ticket.objects.get(pk=first.pk).status == TicketStatus.RESOLVED


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
def test_no_sideways_scroll_at_1280_and_1024(new_page, request, agent, locale):
    ticket, message = _late_ticket(korean=locale == "ko-KR")
    _macro()
    Attachment.objects.create(
        message=message,
        file=ContentFile(PNG, name="x.png"),
        stored_name="box.png",
        original_name="상자 사진.png",
        content_type="image/png",
        size=len(PNG),
    )
    Attachment.objects.create(
        message=message,
        file=ContentFile(b"%PDF-1.4 test", name="y.pdf"),
        stored_name="receipt.pdf",
        original_name="영수증_2026년_12월_주문번호_1234567890_아주_긴_파일이름.pdf",
        content_type="application/pdf",
        size=13,
    )
    Message.objects.create(
        ticket=ticket,
        author_kind="agent",
        author=agent,
        is_internal=True,
        body="대전 허브 적체 — 기사님께 확인 중. Carrier hub jammed, checking with the driver.",
    )
    page = new_page(locale=locale)
    page.goto("/desk/login/")  # in the browser's language: labels by field name
    page.locator('input[name="username"]').fill(agent.username)
    page.locator('input[name="password"]').fill(TEST_PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_url("**/desk/")
    page.goto(f"/desk/tickets/{ticket.pk}/")
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)
        sizes = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert sizes[0] <= sizes[1], (locale, width, sizes)
        main = page.locator(".ws-main").bounding_box()
        side = page.locator(".ws-side").bounding_box()
        assert side["x"] > main["x"] + main["width"] - 1  # two columns
        thumb = page.locator(".ws-thumb img").bounding_box()
        assert thumb["width"] <= 162 and thumb["height"] <= 122  # 160×120 and its border
        name = re.sub(r"[^\w.-]+", "_", f"{request.node.name}-{width}")
        page.screenshot(path=f"test-artifacts/screenshots/{name}.png", full_page=True)
    natural = page.evaluate("() => document.querySelector('.ws-thumb img').naturalWidth")
    assert natural == 4  # the image loads through the checked download view
