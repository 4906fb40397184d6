"""An agent signs in to the desk (/desk/) in a real browser and finds a shipment by its number
among the raw records (the Django admin at /admin/, linked from the desk as "Records")."""

import re

from playwright.sync_api import expect

from tests.factories import CarrierFactory, ShipmentFactory


def test_agent_signs_in_searches_a_number_and_opens_the_shipment(
    page, screenshot, desk_sign_in, agent
):
    carrier = CarrierFactory(code="hanjin", name="Hanjin")
    wanted = ShipmentFactory(carrier=carrier, tracking_number="HJ5550001")
    ShipmentFactory(carrier=carrier, tracking_number="HJ7770002")

    page.goto("/desk/login/")
    screenshot("1-login")
    desk_sign_in(agent)
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Records").click()
    page.wait_for_url("**/admin/")
    screenshot("2-records")

    page.locator("#shipments-shipment").get_by_role("link", name="Shipments").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.locator("#searchbar").fill("HJ5550001")
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    screenshot("3-search")

    rows.get_by_role("link", name="HJ5550001").click()
    # The admin keeps the search in the link (?_changelist_filters=...).
    page.wait_for_url(re.compile(rf"/admin/shipments/shipment/{wanted.pk}/change/"))
    expect(page.get_by_role("heading", name="View shipment")).to_be_visible()
    expect(page.get_by_text("HJ5550001").first).to_be_visible()
    screenshot("4-shipment")
