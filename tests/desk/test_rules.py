"""/desk/rules/: a list that fits, an editor that shows only the chosen action's fields, writes
the description from the numbers (English and Korean), previews inline and keeps versions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.compensation.descriptions import rule_description, rule_description_text
from apps.compensation.models import ActionKind, CompensationRule, CompensationRuleVersion
from apps.compensation.services import rule_create, rule_update
from tests.factories import CarrierFactory, CompensationRuleFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

RULES = "/desk/rules/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _form(**changes):
    data = {
        "name": "Goodwill",
        "preset": "custom",
        "is_active": "on",
        "priority": "100",
        "stacking_group": "goodwill",
        "min_hours_late": "0",
        "min_business_days_late": "0",
        "currency": "KRW",
        "action": ActionKind.FIXED_COUPON,
        "amount": "3000",
        "percent": "0",
        "rate": "0.50",
        "cap_fare_multiple": "2.00",
        "coupon_min_order": "20000",
        "valid_days": "30",
        "approval_threshold": "10000",
    }
    data.update(changes)
    return data


def _fields(**changes):
    """The same rule as the service takes it."""
    return {**_form(**changes), "is_active": True}


# --- The description, a pure function used by the services ------------------------------------


def test_the_description_is_written_from_the_numbers_in_both_languages():
    words = rule_description(
        {
            "action": "fixed_coupon",
            "amount": "5000",
            "coupon_min_order": "30000",
            "valid_days": 30,
            "currency": "KRW",
        }
    )
    assert words["en"] == "₩5,000 off your next order of ₩30,000 or more. Valid for 30 days."
    assert words["ko"] == "₩30,000 이상 다음 주문 ₩5,000 할인 쿠폰을 드립니다. 유효기간 30일."
    formula = rule_description(
        {
            "action": "fare_formula",
            "rate": "0.50",
            "cap_fare_multiple": "2.00",
            "preset": "kr_standard_late",
            "currency": "KRW",
        }
    )
    assert "50%" in formula["en"] and "200%" in formula["en"]
    assert formula["ko"].startswith("택배표준약관 제22조")


def test_the_services_keep_the_description_following_the_amount(manager):
    rule = rule_create(fields={**_fields(), "description": "typed by hand"}, actor=manager)
    assert rule.description == rule_description_text(
        {
            "action": "fixed_coupon",
            "amount": 3000,
            "coupon_min_order": 20000,
            "valid_days": 30,
            "currency": "KRW",
        }
    )
    assert "₩3,000" in rule.description and "할인" in rule.description
    saved = rule_update(rule=rule, changes={"amount": Decimal("5000")}, actor=manager)
    assert "₩5,000 off" in saved.description and "₩5,000 할인" in saved.description
    assert "₩3,000" not in saved.description
    version = CompensationRuleVersion.objects.get(rule=rule)
    assert [change["field"] for change in version.changed_fields] == ["amount"]
    assert "₩3,000" in version.content["description"]


# --- The list ------------------------------------------------------------------------------------


def test_the_list_has_five_columns_and_the_action_summary(client, manager):
    rule_create(fields=_fields(name="Coupon for a day late", min_hours_late="24"), actor=manager)
    client.force_login(manager)
    response = client.get(RULES)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<th scope="col">') == 5
    assert "Coupon for a day late" in html and "≥ 24 h late" in html
    assert "₩3,000 off your next order" in html


def test_the_list_in_korean(client, manager):
    rule_create(fields=_fields(), actor=manager)
    client.force_login(manager)
    client.cookies["django_language"] = "ko"
    html = client.get(RULES, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "₩3,000 할인 쿠폰" in html


@pytest.mark.parametrize("count", [10, 100])
def test_the_list_query_count_does_not_grow(client, manager, count, django_assert_max_num_queries):
    carrier = CarrierFactory()
    for index in range(count):
        CompensationRuleFactory(name=f"Rule {index}", carrier=carrier if index % 2 else None)
    client.force_login(manager)
    with django_assert_max_num_queries(5):
        assert client.get(RULES).status_code == 200


def test_agents_read_the_list_but_cannot_edit(client, agent, manager):
    rule = rule_create(fields=_fields(), actor=manager)
    client.force_login(agent)
    assert client.get(RULES).status_code == 200
    assert "New rule" not in client.get(RULES).content.decode()
    assert client.get(reverse("desk:rule", args=[rule.pk])).status_code == 403
    assert client.post(reverse("desk:rule", args=[rule.pk]), _form(amount="1")).status_code == 403
    assert client.get(reverse("desk:rule_new")).status_code == 403
    assert client.post(reverse("desk:rule_preview", args=[rule.pk]), _form()).status_code == 403


# --- The editor ----------------------------------------------------------------------------------


def test_the_editor_marks_each_action_field_with_its_actions(client, manager):
    client.force_login(manager)
    html = client.get(reverse("desk:rule_new")).content.decode()
    assert 'data-actions="fare_formula"' in html  # rate, cap
    assert 'data-actions="fixed_coupon percent_coupon"' in html  # minimum order
    assert "desk/rules.js" in html


def test_create_then_edit_with_a_reason_keeps_versions(client, manager):
    client.force_login(manager)
    response = client.post(reverse("desk:rule_new"), _form())
    assert response.status_code == 302
    rule = CompensationRule.objects.get()
    assert response["Location"] == reverse("desk:rule", args=[rule.pk])
    response = client.post(
        reverse("desk:rule", args=[rule.pk]), _form(amount="5000", change_reason="Too little")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.version, rule.amount) == (2, Decimal("5000"))
    assert "₩5,000 off" in rule.description and "₩5,000 할인" in rule.description
    page = client.get(reverse("desk:rule", args=[rule.pk])).content.decode()
    assert "Earlier versions" in page and "v1" in page and "Too little" in page
    assert "amount: 3000.00 → 5000.00" in page


def test_fields_of_other_actions_are_ignored_and_cleared(client, manager):
    client.force_login(manager)
    # A fare rate and a percent typed for other actions, one of them invalid: not stored, no error.
    client.post(reverse("desk:rule_new"), _form(rate="abc", percent="55", cap_fare_multiple="9"))
    rule = CompensationRule.objects.get()
    assert rule.percent == Decimal("0") and rule.rate == Decimal("0.50")
    assert rule.cap_fare_multiple == Decimal("2.00")
    # Switching to a fare formula: the coupon's amount and minimum are cleared.
    client.post(
        reverse("desk:rule", args=[rule.pk]),
        _form(action=ActionKind.FARE_FORMULA, rate="0.75", cap_fare_multiple="2"),
    )
    rule.refresh_from_db()
    assert (rule.action, rule.rate, rule.amount, rule.coupon_min_order) == (
        ActionKind.FARE_FORMULA,
        Decimal("0.75"),
        Decimal("0"),
        None,
    )
    assert "75%" in rule.description


def test_bad_input_is_a_form_message(client, manager):
    client.force_login(manager)
    response = client.post(reverse("desk:rule_new"), _form(amount="-5", priority="x", name=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert CompensationRule.objects.count() == 0
    # The model's own checks (max below min) come back as a message too.
    response = client.post(
        reverse("desk:rule_new"), _form(min_hours_late="50", max_hours_late="10")
    )
    assert response.status_code == 400
    assert CompensationRule.objects.count() == 0


def test_the_description_line_follows_the_amount(client, manager):
    client.force_login(manager)
    response = client.post(reverse("desk:rule_describe"), _form(amount="7000"), **HTMX)
    html = response.content.decode()
    assert "₩7,000 off your next order" in html and "₩7,000 할인 쿠폰" in html


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


def test_preview_inline_saves_nothing(client, manager, delays):
    rule = rule_create(fields=_fields(amount="1000", min_hours_late="24"), actor=manager)
    client.force_login(manager)
    url = reverse("desk:rule_preview", args=[rule.pk])
    response = client.post(url, _form(amount="3000", min_hours_late="24"), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="rule-preview"' in html
    assert "3 delays looked at" in html and "the change alters the offers of 3" in html
    assert "₩3,000" in html and "₩9,000" in html and "+₩6,000" in html
    assert "Fast" in html and "Slow" in html
    rule.refresh_from_db()
    assert (rule.amount, rule.version) == (Decimal("1000"), 1)
    # Without htmx: the whole editor with the preview in it.
    full = client.post(url, _form(amount="3000", min_hours_late="24"))
    assert full.status_code == 200 and "Earlier versions" in full.content.decode()


def test_preview_of_a_new_rule_and_of_a_bad_form(client, manager, delays):
    client.force_login(manager)
    url = reverse("desk:rule_new_preview")
    html = client.post(url, _form(), **HTMX).content.decode()
    assert "3 delays looked at" in html
    assert CompensationRule.objects.count() == 0
    bad = client.post(url, _form(amount="x"), **HTMX)
    assert bad.status_code == 200
    assert "Correct the form first" in bad.content.decode()
    assert client.get(url).status_code == 302


def test_a_stale_form_says_so_and_keeps_what_was_typed(client, manager, other_manager):
    rule = rule_create(fields=_fields(), actor=manager)
    client.force_login(manager)
    url = reverse("desk:rule", args=[rule.pk])
    assert 'name="base_version" value="1"' in client.get(url).content.decode()
    # Another manager saves first.
    rule_update(rule=rule, changes={"amount": Decimal("4000")}, actor=other_manager)
    response = client.post(url, _form(amount="6000", base_version="1"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone else saved this rule meanwhile (now version 2)" in html
    assert 'value="6000"' in html and 'name="base_version" value="2"' in html
    rule.refresh_from_db()
    assert (rule.amount, rule.version) == (Decimal("4000"), 2)
    # Saving again, on the current version, goes through.
    response = client.post(url, _form(amount="6000", base_version="2"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.amount, rule.version) == (Decimal("6000"), 3)
