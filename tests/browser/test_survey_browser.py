"""A customer answers the satisfaction survey on a phone-sized window: one tap stores the score,
then the optional NPS and comment."""

import pytest
from playwright.sync_api import expect

from apps.feedback.models import SurveyResponse
from tests.factories import SurveyFactory
from tests.feedback.conftest import survey_path

PHONE = {"width": 390, "height": 844}
# Apple's and Google's guidance: a touch target at least 44 (pt/px) each way.
SMALLEST_TAP = 44


@pytest.fixture
def phone(browser, new_page, live_server):
    """A phone-sized page with touch; `new_page` keeps the browser's loop running for it."""
    new_page()
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


def test_a_customer_answers_on_a_phone_with_one_tap(phone, screenshot):
    survey = SurveyFactory(language="en", ticket__language="en")
    phone.goto(survey_path(survey))
    buttons = phone.locator("button[name=csat]")
    expect(buttons).to_have_count(5)
    # All five fit on the screen without scrolling sideways, each big enough for a thumb.
    for index in range(5):
        box = buttons.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["width"] >= SMALLEST_TAP and box["height"] >= SMALLEST_TAP
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("1-score", phone)

    buttons.filter(has_text="Satisfied").filter(has_text="4").tap()

    expect(phone.get_by_role("status")).to_contain_text("4 of 5 is saved")
    assert SurveyResponse.objects.get().csat == 4
    screenshot("2-thanks", phone)

    phone.locator("label.nps-choice", has_text="9").tap()
    phone.get_by_label("Anything else you would like to tell us?").fill("Kind and quick.")
    screenshot("3-more", phone)
    phone.get_by_role("button", name="Send").tap()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
    screenshot("4-done", phone)
    response = SurveyResponse.objects.get()
    assert (response.csat, response.nps, response.comment) == (4, 9, "Kind and quick.")

    # The link again: already answered, nothing to answer twice.
    phone.goto(survey_path(survey))
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "You have already answered this survey"
    )
    expect(phone.locator("button[name=csat]")).to_have_count(0)


def test_a_korean_customer_gets_the_survey_in_korean(phone, screenshot):
    survey = SurveyFactory(language="ko", ticket__language="ko")

    phone.goto(survey_path(survey))

    expect(phone.locator("html")).to_have_attribute("lang", "ko")
    expect(phone.locator("button[name=csat]")).to_have_count(5)
    screenshot("score-ko", phone)
