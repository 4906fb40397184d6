"""A manager in Chromium: edits a rule (only the chosen action's fields shown; the description
follows the amount in English and Korean), previews the change, saves it, then approves an offer
someone else proposed (their own stays disabled). Every managers' screen fits 1,280 and 1,024 px
in English and Korean without a sideways scroll."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from apps.compensation.models import ActionKind, CompensationRule, Offer, OfferStatus
from apps.compensation.services import rule_create
from apps.feedback.models import FollowUp, FollowUpReason
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    CustomerFactory,
    OfferFactory,
    ShipmentFactory,
    SurveyResponseFactory,
    TicketFactory,
)


def _world(manager, other_manager):
    now = timezone.now()
    carriers = [CarrierFactory(name="CJ대한통운"), CarrierFactory(name="Hanjin Express")]
    for index, hours in enumerate((30, 80, 100, 26)):
        ShipmentFactory(
            carrier=carriers[index % 2],
            delay_reason="capacity",
            delay_detected_at=now - timedelta(days=2),
            delay_hours=hours,
            delay_business_days=hours // 24,
        )
    rule = rule_create(
        fields={
            "name": "Goodwill coupon — a day late or more",
            "stacking_group": "goodwill",
            "min_hours_late": 24,
            "action": ActionKind.FIXED_COUPON,
            "amount": Decimal("3000"),
            "coupon_min_order": Decimal("20000"),
            "valid_days": 30,
            "approval_threshold": Decimal("5000"),
        },
        actor=manager,
    )
    BudgetFactory(name="December compensation", amount=Decimal("1000000"))
    offers = {}
    for who, amount in ((other_manager, "12000"), (manager, "8000")):
        customer = CustomerFactory(name=f"고객 {amount}", phone="+821012345678")
        ticket = TicketFactory(customer=customer, shipment=ShipmentFactory(customer=customer))
        offers[who.username] = OfferFactory(
            shipment=ticket.shipment,
            ticket=ticket,
            amount=Decimal(amount),
            kind=ActionKind.STORE_CREDIT,
            proposed_by=who,
            manual_reason="고객이 일주일을 기다렸습니다 — waited a week",
            explanation="Store credit for a week-long wait",
        )
    ticket = TicketFactory(
        customer=CustomerFactory(name="박서연", email="seoyeon@example.com", phone="+821055512345")
    )
    response = SurveyResponseFactory(survey__ticket=ticket, csat=1, comment="너무 늦었어요")
    FollowUp.objects.create(survey=response.survey, ticket=ticket, reason=FollowUpReason.LOW_CSAT)
    return rule, offers


def _fits(page) -> tuple[int, int]:
    return page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def test_manager_edits_previews_saves_a_rule_and_approves_an_offer(
    page, screenshot, desk_sign_in, manager, other_manager
):
    rule, offers = _world(manager, other_manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    desk_sign_in(manager)

    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Rules").click()
    page.wait_for_url("**/desk/rules/")
    screenshot("1-rules")
    page.get_by_role("link", name=rule.name).click()
    page.wait_for_url(f"**/desk/rules/{rule.pk}/")

    amount, rate = page.locator("#id_amount"), page.locator("#id_rate")
    expect(amount).to_be_visible()
    expect(rate).to_be_hidden()
    page.select_option("#id_action", ActionKind.FARE_FORMULA)
    expect(rate).to_be_visible()
    expect(amount).to_be_hidden()
    expect(page.locator("#id_coupon_min_order")).to_be_hidden()
    page.select_option("#id_action", ActionKind.FIXED_COUPON)
    expect(amount).to_be_visible()
    expect(rate).to_be_hidden()

    english = page.locator("#rule-description [data-lang=en]")
    korean = page.locator("#rule-description [data-lang=ko]")
    expect(english).to_contain_text("₩3,000 off your next order")
    amount.fill("5000")
    expect(english).to_contain_text("₩5,000 off your next order of ₩20,000 or more")
    expect(korean).to_contain_text("₩5,000 할인 쿠폰")
    screenshot("2-rule-edited")

    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#rule-preview")
    expect(preview).to_contain_text("delays looked at")
    expect(preview).to_contain_text("+₩")
    expect(preview).to_contain_text("CJ대한통운")
    assert CompensationRule.objects.get(pk=rule.pk).amount == Decimal("3000")
    screenshot("3-rule-preview")

    page.get_by_label("Reason for the change").fill("More generous in December")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("saved: version 2")).to_be_visible()
    saved = CompensationRule.objects.get(pk=rule.pk)
    assert (saved.amount, saved.version) == (Decimal("5000"), 2)
    assert "₩5,000" in saved.description and "₩5,000 할인" in saved.description
    expect(page.get_by_text("More generous in December")).to_be_visible()
    screenshot("4-rule-saved")

    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Approvals").click()
    page.wait_for_url("**/desk/approvals/")
    own = page.locator(f"#offer-{offers[manager.username].pk}")
    theirs = page.locator(f"#offer-{offers[other_manager.username].pk}")
    expect(own.get_by_role("button", name="Approve")).to_be_disabled()
    expect(own).to_contain_text("Your own proposal")
    screenshot("5-approvals")
    theirs.get_by_role("button", name="Approve").click()
    expect(theirs).to_contain_text("approved: ₩12,000")
    expect(page.locator("#approval-budgets")).to_contain_text("₩988,000")
    expect(page.locator("#approval-waiting")).to_contain_text("1 offer waits")
    assert page.url.endswith("/desk/approvals/")
    offer = Offer.objects.get(pk=offers[other_manager.username].pk)
    assert offer.status in (OfferStatus.APPROVED, OfferStatus.ISSUED)
    assert offer.decided_by_id == manager.pk
    screenshot("6-approved")

    # The follow-up: whom to call, then done in place; its title says so.
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Follow-ups").click()
    card = page.locator(".mgr-followup").first
    expect(card.get_by_role("link", name="+821055512345")).to_be_visible()
    expect(card.get_by_role("link", name="seoyeon@example.com")).to_be_visible()
    card.get_by_label("What was done").fill("Called her back; apologised.")
    card.get_by_role("button", name="Mark done").click()
    card = page.locator(".mgr-followup").first
    expect(card).to_contain_text("Follow-up done.")
    expect(card.locator("h2")).to_contain_text("(done)")
    screenshot("7-followup-done")


SCREENS = ("approvals", "rules", "rule", "budgets", "followups", "cost")


def test_no_managers_screen_scrolls_sideways(
    page, screenshot, desk_sign_in, manager, other_manager
):
    rule, _offers = _world(manager, other_manager)
    desk_sign_in(manager)
    urls = {
        "approvals": "/desk/approvals/",
        "rules": "/desk/rules/",
        "rule": f"/desk/rules/{rule.pk}/",
        "budgets": "/desk/budgets/",
        "followups": "/desk/followups/?status=open",
        "cost": "/desk/cost/",
    }
    too_wide = []
    for language in ("en", "ko"):
        page.goto("/desk/")
        page.select_option("#desk-lang", language)
        page.wait_for_function(f"document.documentElement.lang === '{language}'")
        for width in (1280, 1024):
            page.set_viewport_size({"width": width, "height": 900})
            for screen in SCREENS:
                page.goto(urls[screen])
                expect(page.locator("main")).to_be_visible()
                scroll, client = _fits(page)
                if scroll > client:
                    too_wide.append((language, width, screen, scroll, client))
                screenshot(f"{language}-{width}-{screen}")
    assert not too_wide, too_wide
