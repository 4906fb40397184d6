"""Compensation in Chromium: an agent proposes by the rules, another manager approves in the
queue, and the customer accepts the offer on their private page and sees the voucher code."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from apps.compensation.models import ActionKind, Offer, OfferStatus, Preset
from apps.compensation.services import offer_issue
from tests.factories import (
    BudgetFactory,
    CompensationRuleFactory,
    ShipmentFactory,
    TicketFactory,
    token_for,
)


def test_offer_from_rule_to_approval_to_the_customers_choice(
    page, new_page, agent, manager, desk_sign_in, screenshot
):
    now = timezone.now()
    shipment = ShipmentFactory(
        tracking_number="CJ5550001234",
        promised_start=now - timedelta(days=5),
        promised_end=now - timedelta(days=4),
        delay_reason="capacity",
        delay_detected_at=now - timedelta(days=4),
        delay_hours=100,
        delay_business_days=4,
        shipping_fee=Decimal("4000"),
        customer__language="en",
    )
    ticket = TicketFactory(shipment=shipment, customer=shipment.customer, language="en")
    CompensationRuleFactory(
        name="Korean standard parcel terms — late",
        preset=Preset.KR_STANDARD_LATE,
        action=ActionKind.FARE_FORMULA,
        rate=Decimal("0.5"),
        cap_fare_multiple=Decimal("2"),
        approval_threshold=Decimal("5000"),
    )
    BudgetFactory()

    # The agent asks the rules from the ticket's workspace: ₩8,000 is over the threshold.
    desk_sign_in(agent)
    page.goto(f"/desk/tickets/{ticket.pk}/")
    page.get_by_role("button", name="Propose by the rules").click()
    expect(page.locator(".ws-flash")).to_contain_text("1 wait(s) for a manager")
    expect(page.locator(".ws-offers")).to_contain_text("₩8,000")
    screenshot("1-agent-proposes")

    # A manager approves it in the approval queue.
    desk = new_page()
    desk_sign_in(manager, on_page=desk)
    desk.goto("/desk/approvals/")
    offer = Offer.objects.get()
    card = desk.locator(f"#offer-{offer.pk}")
    expect(card).to_contain_text("4 days late × ₩4,000 × 50% = ₩8,000")
    screenshot("2-approval-queue", desk)
    card.get_by_role("button", name="Approve").click()
    expect(card).to_contain_text("approved")
    offer.refresh_from_db()
    if offer.status == OfferStatus.APPROVED:
        # The issue task runs in the worker; here the test plays the worker.
        offer_issue(offer_id=offer.pk)

    # The customer sees the offer with its reasons on their page and accepts it.
    customer = new_page()
    customer.goto(f"/t/{token_for(ticket.reference)}/")
    offers = customer.locator("#offers")
    expect(offers).to_contain_text("₩8,000")
    expect(offers).to_contain_text("Korean standard parcel terms: late")
    screenshot("3-customer-offer", customer)
    customer.get_by_role("button", name="Accept").click()
    expect(customer.locator(".notice")).to_contain_text("The compensation is yours")
    code = Offer.objects.get().voucher.code
    expect(customer.locator(".voucher")).to_have_text(code)
    screenshot("4-customer-accepted", customer)
