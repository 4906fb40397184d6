"""The rule form's Preview button: what a change would have granted, nothing saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.compensation.models import ActionKind, CompensationRule
from tests.factories import CarrierFactory, CompensationRuleFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def _form(rule=None, **changes):
    data = {
        "name": "Goodwill",
        "preset": "custom",
        "description": "",
        "is_active": "on",
        "priority": "100",
        "stacking_group": "goodwill",
        "choice_group": "",
        "min_hours_late": "0",
        "min_business_days_late": "0",
        "currency": "KRW",
        "action": ActionKind.FIXED_COUPON,
        "amount": "1000",
        "percent": "0",
        "rate": "0.50",
        "cap_fare_multiple": "2.00",
        "valid_days": "30",
        "approval_threshold": "10000",
    }
    data.update(changes)
    return data


@pytest.fixture
def delays():
    now = timezone.now()
    fast, slow = CarrierFactory(name="Fast"), CarrierFactory(name="Slow")
    for carrier, hours in ((fast, 30), (fast, 80), (slow, 100)):
        ShipmentFactory(
            carrier=carrier,
            delay_reason="capacity",
            delay_detected_at=now - timedelta(days=2),
            delay_hours=hours,
            delay_business_days=hours // 24,
        )


def test_preview_of_an_edit_saves_nothing(client, manager, delays):
    rule = CompensationRuleFactory(
        name="Goodwill", stacking_group="goodwill", amount=Decimal("1000"), min_hours_late=0
    )
    client.force_login(manager)
    url = reverse("admin:compensation_compensationrule_change", args=[rule.pk])
    response = client.post(url, {**_form(), "amount": "3000", "_preview": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "What the rules would have granted over the last 30 days" in body
    rows = response.context["rule_preview_rows"]
    assert rows[0] == ("All carriers", 3, "₩3,000", 3, "₩9,000", 0, "₩6,000")
    assert ("Fast", 2, "₩2,000", 2, "₩6,000", 0, "₩4,000") in rows
    rule.refresh_from_db()
    assert rule.amount == Decimal("1000") and rule.version == 1


def test_preview_of_a_new_rule(client, manager, delays):
    client.force_login(manager)
    url = reverse("admin:compensation_compensationrule_add")
    response = client.post(url, {**_form(min_hours_late="72"), "_preview": "1"})
    assert response.context["rule_preview_rows"][0] == (
        "All carriers",
        0,
        "—",
        2,
        "₩2,000",
        2,
        "₩2,000",
    )
    assert CompensationRule.objects.count() == 0


def test_invalid_form_previews_nothing_and_says_why(client, manager, delays):
    client.force_login(manager)
    url = reverse("admin:compensation_compensationrule_add")
    response = client.post(url, {**_form(amount="lots"), "_preview": "1"})
    assert response.status_code == 200
    assert response.context["rule_preview"] is None
    assert "Enter a number." in response.content.decode()


def test_agents_cannot_preview(client, agent):
    rule = CompensationRuleFactory()
    client.force_login(agent)
    url = reverse("admin:compensation_compensationrule_change", args=[rule.pk])
    assert client.post(url, {**_form(), "_preview": "1"}).status_code == 403
