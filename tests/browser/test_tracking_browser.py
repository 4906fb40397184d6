"""A customer finds a parcel at /track/ in a real browser, in English and in Korean."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from apps.shipments.models import ShipmentStatus
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory, TrackingEventFactory

SEOUL = ZoneInfo("Asia/Seoul")
NOT_FOUND = "We could not find a parcel with these details. Check the number and the contact."


@pytest.fixture
def shipment():
    shipment = ShipmentFactory(
        customer=CustomerFactory(name="Kim Minji", email="minji@example.com"),
        carrier=CarrierFactory(code="cj", name="CJ Logistics"),
        tracking_number="CJ1000",
        promised_start=datetime(2031, 3, 3, 9, tzinfo=SEOUL),
        promised_end=datetime(2031, 3, 4, 18, tzinfo=SEOUL),
    )
    picked_up = datetime(2031, 3, 1, 10, tzinfo=SEOUL)
    TrackingEventFactory(
        shipment=shipment,
        raw_status="InfoReceived",
        status=ShipmentStatus.INFO_RECEIVED,
        location="Seoul",
        occurred_at=picked_up,
    )
    TrackingEventFactory(
        shipment=shipment,
        status=ShipmentStatus.IN_TRANSIT,
        location="Daejeon hub",
        occurred_at=picked_up + timedelta(hours=9),
    )
    return shipment


def _fill(page, number: str, contact: str):
    page.get_by_label("Tracking number").fill(number)
    page.get_by_label("Email on the order").fill(contact)


def _look_up(page, number: str, contact: str):
    _fill(page, number, contact)
    page.get_by_role("button", name="Find my parcel").click()


def test_customer_reaches_the_tracking_form_from_the_home_page(page, screenshot):
    page.goto("/")
    screenshot("1-home")
    page.get_by_role("link", name="Track your parcel").click()

    expect(page).to_have_url(re.compile(r"/track/$"))
    expect(page.get_by_role("heading", name="Track your parcel")).to_be_visible()
    expect(page.get_by_label("Tracking number")).to_be_editable()
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 0
    screenshot("2-form")


def test_customer_finds_the_parcel_and_sees_status_and_timeline(page, screenshot, shipment):
    page.goto("/track/")
    screenshot("1-form")

    _fill(page, "CJ1000", "minji@example.com")
    screenshot("2-filled")
    page.get_by_role("button", name="Find my parcel").click()

    page.wait_for_url(f"**/track/parcel/{shipment.pk}/")
    expect(page.get_by_role("heading", name="Your parcel")).to_be_visible()
    expect(page.locator(".status")).to_have_text("In transit")
    expect(page.get_by_text("CJ Logistics · CJ1000")).to_be_visible()
    timeline = page.locator("ol.timeline > li")
    # Newest first, as the customer reads it.
    expect(timeline).to_have_count(2)
    expect(timeline.nth(0)).to_contain_text("In transit · Daejeon hub")
    expect(timeline.nth(1)).to_contain_text("Label created · Seoul")
    screenshot("3-parcel")


def test_wrong_contact_gets_the_same_answer_as_a_wrong_number(page, screenshot, shipment):
    page.goto("/track/")
    _look_up(page, "CJ1000", "someone-else@example.com")
    expect(page.get_by_role("alert")).to_have_text(NOT_FOUND)
    screenshot("1-wrong-contact")

    _look_up(page, "CJ9999", "minji@example.com")
    expect(page.get_by_role("alert")).to_have_text(NOT_FOUND)
    screenshot("2-wrong-number")
    assert "/track/parcel/" not in page.url


def test_language_switcher_shows_the_page_in_korean(page, screenshot, shipment):
    page.goto("/track/")
    page.get_by_label("Language").select_option("ko")

    expect(page.get_by_role("heading", name="배송 조회")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("button", name="조회하기")).to_be_visible()
    screenshot("1-korean-form")

    page.get_by_label("운송장 번호").fill("CJ1000")
    page.locator("#id_contact").fill("minji@example.com")
    page.get_by_role("button", name="조회하기").click()
    expect(page.get_by_role("heading", name="고객님의 택배")).to_be_visible()
    expect(page.locator(".status")).to_have_text("배송 중")
    screenshot("2-korean-parcel")
