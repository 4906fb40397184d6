"""A late parcel's ticket end to end in a real browser: the customer files it and replies with a
photo on the private page, an agent takes it in the desk, answers with a template and resolves it,
and the customer reads the answer."""

import re
import struct
import zlib
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.shipments.models import DelayReason, ShipmentStatus
from apps.tickets.models import MessageAuthor, ReplyTemplate, Ticket, TicketCategory, TicketStatus
from tests.factories import (
    CarrierFactory,
    CustomerFactory,
    MessageFactory,
    ShipmentFactory,
    TicketFactory,
    TrackingEventFactory,
    token_for,
)

# The ticket's status; the parcel's card on the same page has a `.status` of its own.
TICKET_STATUS = "p.status[class*='status-']"
TEMPLATE_BODY = (
    "Hello {customer_name},\n"
    "we are sorry that your parcel is late. We asked the carrier to hurry; "
    "your request {reference} stays with us until it arrives."
)


def _png(path):
    """A valid 1×1 PNG: signature, IHDR, one IDAT row, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8 bits, RGB
    pixels = zlib.compress(b"\x00\xe0\x60\x20")  # filter byte + one orange pixel
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


@pytest.fixture
def media_root(settings, tmp_path):
    # The customer's photo is stored here, not in the project's media folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def late_parcel():
    shipment = ShipmentFactory(
        customer=CustomerFactory(name="Jamie Park", email="jamie@example.com", language="en"),
        carrier=CarrierFactory(code="lotte", name="Lotte Global"),
        tracking_number="LT2024001",
        promised_start=timezone.now() - timedelta(days=3),
        promised_end=timezone.now() - timedelta(days=2),
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=timezone.now() - timedelta(days=1),
        delay_hours=48,
    )
    picked_up = timezone.now() - timedelta(days=4)
    TrackingEventFactory(
        shipment=shipment,
        raw_status="InfoReceived",
        status=ShipmentStatus.INFO_RECEIVED,
        location="Incheon",
        occurred_at=picked_up,
    )
    TrackingEventFactory(
        shipment=shipment,
        status=ShipmentStatus.IN_TRANSIT,
        location="Okcheon hub",
        occurred_at=picked_up + timedelta(hours=10),
    )
    return shipment


def test_customer_files_and_replies_agent_answers_with_a_template_and_resolves(
    page, new_page, screenshot, desk_sign_in, agent, late_parcel, media_root, tmp_path
):
    ReplyTemplate.objects.create(
        name="Late parcel apology",
        language="en",
        category=TicketCategory.LATE,
        body=TEMPLATE_BODY,
    )
    photo = _png(tmp_path / "parcel-label.png")

    # --- The customer finds the parcel and files a ticket about it. ---
    page.goto("/track/")
    page.get_by_label("Tracking number").fill("LT2024001")
    page.get_by_label("Email on the order").fill("jamie@example.com")
    page.get_by_role("button", name="Find my parcel").click()
    page.wait_for_url(f"**/track/parcel/{late_parcel.pk}/")
    expect(page.get_by_role("heading", name="Your parcel")).to_be_visible()

    page.get_by_label("Parcel is late").check()
    page.get_by_label("Tell us more").fill(
        "My parcel was due two days ago and has not moved since Okcheon.\nWhere is it?"
    )
    screenshot("1-parcel-request")
    page.get_by_role("button", name="Send my request").click()

    expect(page.get_by_role("heading", name="We have your request")).to_be_visible()
    ticket = Ticket.objects.get(shipment=late_parcel)
    expect(page.get_by_text(f"Request {ticket.reference}")).to_be_visible()
    link = page.get_by_label("Your private link").input_value()
    assert re.fullmatch(r"http://[^/]+/t/[\w-]{20,}/", link), link
    screenshot("2-private-link")

    # --- The private link opens the ticket; the customer replies with a photo. ---
    page.get_by_role("link", name="Open my request").click()
    page.wait_for_url(link)
    expect(page.get_by_role("heading", name="My parcel was due two days ago")).to_be_visible()
    expect(page.locator(TICKET_STATUS)).to_have_text("New")

    page.get_by_label("Your reply").fill("Here is a photo of the label I was sent.")
    page.get_by_label("Photos or PDF (optional)").set_input_files(photo)
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_role("status")).to_have_text("Thank you. Your message is with us.")
    messages = page.locator("ol.conversation > li")
    expect(messages).to_have_count(2)
    expect(messages.nth(1)).to_contain_text("Here is a photo of the label I was sent.")
    expect(messages.nth(1).get_by_role("link", name="parcel-label.png")).to_be_visible()
    screenshot("3-customer-reply")

    # --- An agent takes the ticket from the queue. ---
    desk = new_page()
    desk_sign_in(agent, on_page=desk)
    desk.goto("/desk/queue/")
    row = desk.locator("#queue-rows tr.q-row", has_text=ticket.reference)
    expect(row.locator("td.q-customer")).to_contain_text("Jamie Park")
    expect(row.locator("td.q-parcel")).to_contain_text("LT2024001")
    expect(row.locator("td.q-assignee")).to_have_text("Unassigned")
    screenshot("4-queue", desk)

    row.get_by_role("link", name=ticket.reference).click()
    desk.wait_for_url(f"**/desk/tickets/{ticket.pk}/")
    expect(desk.locator("#ws-conversation")).to_contain_text("parcel-label.png")
    desk.get_by_label("Assignee").select_option(label="Alice")
    desk.get_by_role("button", name="Assign", exact=True).click()
    expect(desk.locator(".ws-flash")).to_contain_text("Assigned to Alice.")
    expect(desk.locator("#ws-assignee")).to_have_text("Alice")
    screenshot("5-assigned", desk)

    # --- The template, inserted and previewed with its placeholders filled in, then sent. ---
    desk.get_by_label("Reply template").select_option(label="Late parcel apology (en)")
    desk.get_by_role("button", name="Insert", exact=True).click()
    expect(desk.locator("#ws-body")).to_have_value(re.compile(r"^Hello Jamie Park,"))
    desk.get_by_role("button", name="Preview", exact=True).click()
    preview = desk.locator("#ws-preview")
    expect(preview).to_contain_text("Preview of what the customer will read")
    expect(preview).to_contain_text("Hello Jamie Park,")
    expect(preview).to_contain_text(f"your request {ticket.reference} stays with us")
    expect(preview).not_to_contain_text("{")
    screenshot("6-preview", desk)

    desk.get_by_role("button", name="Send", exact=True).click()
    expect(desk.locator(".ws-flash")).to_contain_text("Reply sent to the customer.")
    agent_message = desk.locator("#ws-conversation > li.ws-msg-agent")
    expect(agent_message).to_have_count(1)
    expect(agent_message.locator(".ws-meta")).to_contain_text(re.compile(r"Alice\s+agent"))
    expect(agent_message).to_contain_text("Hello Jamie Park,")
    screenshot("7-sent", desk)

    desk.get_by_label("Move to").select_option(label="Resolved")
    desk.get_by_role("button", name="Change status").click()
    expect(desk.locator(".ws-flash")).to_contain_text("Status: Resolved.")
    expect(desk.locator("#ws-status")).to_have_text("Resolved")
    screenshot("8-resolved", desk)

    # --- The customer opens the link again and reads the answer. ---
    page.goto(link)
    expect(page.locator(TICKET_STATUS)).to_have_text("Resolved")
    expect(page.locator(".next")).to_contain_text("We consider this resolved.")
    answer = page.locator("ol.conversation > li.msg-agent")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text("Delay Desk agent")
    expect(answer).to_contain_text("Hello Jamie Park,")
    expect(answer).to_contain_text(f"your request {ticket.reference} stays with us")
    expect(page.get_by_role("button", name="Reopen my request")).to_be_visible()
    screenshot("9-customer-sees-answer")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.assignee == agent
    assert ticket.first_responded_at is not None


def test_korean_customer_reads_the_ticket_page_in_korean(new_page, screenshot, agent):
    ticket = TicketFactory(
        customer=CustomerFactory(name="Kim Minji", email="minji@example.com", language="ko"),
        subject="택배가 아직 안 왔어요",
        language="ko",
        status=TicketStatus.OPEN,
    )
    MessageFactory(ticket=ticket, body="사흘째 배송 중이에요.")
    MessageFactory(
        ticket=ticket,
        author_kind=MessageAuthor.AGENT,
        author=agent,
        body="확인해 보고 다시 알려드릴게요.",
    )

    page = new_page(locale="ko-KR")
    page.goto(f"/t/{token_for(ticket.reference)}/")

    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", name="택배가 아직 안 왔어요")).to_be_visible()
    expect(page.locator(TICKET_STATUS)).to_have_text("처리 중")
    expect(page.get_by_role("heading", name="대화 내용")).to_be_visible()
    messages = page.locator("ol.conversation > li")
    expect(messages).to_have_count(2)
    expect(messages.nth(0)).to_contain_text("고객님")
    expect(messages.nth(1)).to_contain_text("Delay Desk 상담원")
    expect(page.get_by_label("답장 내용")).to_be_editable()
    expect(page.get_by_label("사진 또는 PDF (선택)")).to_be_attached()
    expect(page.get_by_role("button", name="보내기", exact=True)).to_be_visible()
    screenshot("1-korean-ticket", page)
