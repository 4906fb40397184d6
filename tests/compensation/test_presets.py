"""The shipped presets: written once by the command, with the numbers of the terms."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.compensation.engine import Facts, evaluate
from apps.compensation.models import CompensationRule
from apps.compensation.services import rules_in_force

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("compensation_presets", *args, stdout=out)
    return out.getvalue()


def test_command_writes_the_presets_once():
    assert "6 preset rule(s) created, 0 already there." in _run()
    assert "0 preset rule(s) created, 6 already there." in _run()
    assert CompensationRule.objects.filter(is_active=True).count() == 6


def test_inactive_presets_wait_for_a_manager():
    _run("--inactive")
    assert not CompensationRule.objects.filter(is_active=True).exists()


def _facts(**changes):
    base = {
        "shipment_id": 1,
        "carrier_id": 1,
        "currency": "KRW",
        "service_level": "standard",
        "promise_type": "estimated",
        "fault": "carrier",
        "hours_late": 50,
        "business_days_late": 2,
        "shipping_fee": Decimal("3000"),
        "order_value": Decimal("45000"),
    }
    return Facts(**{**base, **changes})


def test_preset_numbers_match_the_terms():
    _run()
    rules = rules_in_force(timezone.now())
    now = timezone.now()
    # Standard terms, late: fare ₩3,000, 2 days late → ₩3,000 (the documented example); 50 hours
    # late also falls in the first goodwill tier (24–71 h): ₩2,000, in its own group.
    amounts = {p.rule.name: p.amount for p in evaluate(_facts(), rules, now)}
    assert amounts["Korean standard parcel terms — late"] == Decimal("3000")
    assert amounts["Goodwill coupon — a day late"] == Decimal("2000")
    # Five days late: capped at 200% of the fare.
    capped = evaluate(_facts(hours_late=130, business_days_late=5), rules, now)
    assert {p.rule.name: p.amount for p in capped}["Korean standard parcel terms — late"] == (
        Decimal("6000")
    )
    # Needed on a date: 200% of the fare, and it decides the delay group before the late rule.
    needed = {p.rule.name: p.amount for p in evaluate(_facts(promise_type="needed_by"), rules, now)}
    assert needed["Korean standard parcel terms — needed on a date"] == Decimal("6000")
    assert "Korean standard parcel terms — late" not in needed
    # Guaranteed date missed: the shipping fee back plus a coupon.
    guaranteed = {
        p.rule.name: p.amount for p in evaluate(_facts(promise_type="guaranteed"), rules, now)
    }
    assert guaranteed["Retail guarantee — shipping fee refund"] == Decimal("3000")
    assert guaranteed["Retail guarantee — coupon"] == Decimal("3000")
    # Weather: no carrier's fault, so the standard terms do not apply; goodwill still does.
    weather = {p.rule.name for p in evaluate(_facts(fault="force_majeure"), rules, now)}
    assert weather == {"Goodwill coupon — a day late"}
