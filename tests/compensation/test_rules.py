"""Editing rules through the services: every change that changes something makes a new version
and keeps the one it replaced, whole, with who changed what (before and after) and why."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.compensation.errors import RuleEditNotAllowed, RuleFieldUnknown, RuleInvalid
from apps.compensation.models import ActionKind, CompensationRule, CompensationRuleVersion
from apps.compensation.services import rule_create, rule_update
from apps.core.errors import ApplicationError
from tests.concurrency import together
from tests.factories import CarrierFactory, CompensationRuleFactory

RULE_FIELDS = {
    field.name for field in CompensationRule._meta.concrete_fields if not field.primary_key
}


def _rule(**fields):
    fields = {"amount": Decimal("1000"), "promise_types": ["guaranteed"], **fields}
    return CompensationRuleFactory(**fields)


def test_an_update_keeps_the_version_it_replaces_whole(db, manager):
    carrier = CarrierFactory()
    rule = _rule(carrier=carrier)
    rule.refresh_from_db()

    saved = rule_update(
        rule=rule,
        changes={
            "amount": Decimal("1500"),
            "promise_types": ["guaranteed", "needed_by"],
            "carrier": None,
            "name": rule.name,
        },
        actor=manager,
        reason="  Raised after the winter backlog ",
    )

    assert saved.version == 2
    stored = CompensationRule.objects.get(pk=rule.pk)
    assert (stored.version, stored.amount, stored.carrier_id) == (2, Decimal("1500"), None)
    assert stored.promise_types == ["guaranteed", "needed_by"]
    kept = CompensationRuleVersion.objects.get(rule=rule)
    assert kept.version == 1
    assert set(kept.content) == RULE_FIELDS
    assert kept.content["name"] == rule.name
    assert kept.content["amount"] == "1000.00"
    assert kept.content["promise_types"] == ["guaranteed"]
    assert kept.content["carrier"] == carrier.pk
    assert kept.content["version"] == 1
    assert kept.content["updated_at"] == rule.updated_at.isoformat()
    # Only what changed, in the order asked; the unchanged name is not among them.
    assert kept.changed_fields == [
        {"field": "amount", "before": "1000.00", "after": "1500.00"},
        {
            "field": "promise_types",
            "before": ["guaranteed"],
            "after": ["guaranteed", "needed_by"],
        },
        {"field": "carrier", "before": carrier.pk, "after": None},
    ]
    assert kept.changed_by == manager
    assert kept.reason == "Raised after the winter backlog"


def test_each_update_keeps_the_one_before_it(db, manager):
    rule = _rule()
    rule_update(rule=rule, changes={"amount": Decimal("1500")}, actor=manager)

    rule_update(rule=rule.pk, changes={"amount": "2000.00", "is_active": False}, actor=None)

    assert CompensationRule.objects.get(pk=rule.pk).version == 3
    versions = {v.version: v for v in CompensationRuleVersion.objects.filter(rule=rule)}
    assert sorted(versions) == [1, 2]
    assert versions[1].content["amount"] == "1000.00"
    assert versions[2].content["amount"] == "1500.00"
    assert versions[2].content["is_active"] is True
    assert versions[2].changed_by is None


def test_a_save_that_changes_nothing_writes_no_version(db, manager):
    rule = _rule()
    rule.refresh_from_db()

    same = rule_update(
        rule=rule,
        changes={"amount": "1000", "promise_types": ["guaranteed"], "carrier": None},
        actor=manager,
    )
    rule_update(rule=rule, changes={}, actor=manager)

    assert same.version == 1
    stored = CompensationRule.objects.get(pk=rule.pk)
    assert (stored.version, stored.updated_at) == (1, rule.updated_at)
    assert not CompensationRuleVersion.objects.exists()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"amount": Decimal("5"), "colour": "red"}, RuleFieldUnknown),
        ({"version": 7}, RuleFieldUnknown),
        ({"created_at": None}, RuleFieldUnknown),
        ({"offers": []}, RuleFieldUnknown),
        ({"amount": "lots"}, RuleInvalid),
        ({"amount": Decimal("5"), "percent": Decimal("150")}, RuleInvalid),
        ({"promise_types": ["soon"]}, RuleInvalid),
        ({"min_hours_late": 10, "max_hours_late": 5}, RuleInvalid),
    ],
    ids=[
        "unknown",
        "version",
        "record-time",
        "reverse-relation",
        "not-a-number",
        "over-100-percent",
        "unknown-promise-type",
        "hours-range-reversed",
    ],
)
def test_bad_input_is_refused_and_writes_nothing(db, manager, changes, error):
    rule = _rule()
    rule.refresh_from_db()

    with pytest.raises(error) as refused:
        rule_update(rule=rule, changes=changes, actor=manager)

    assert isinstance(refused.value, ApplicationError)
    assert refused.value.status_code == 400
    stored = CompensationRule.objects.get(pk=rule.pk)
    assert (stored.version, stored.amount, stored.updated_at) == (
        1,
        Decimal("1000"),
        rule.updated_at,
    )
    assert not CompensationRuleVersion.objects.exists()


def test_agents_edit_no_rules(db, agent):
    rule = _rule()

    with pytest.raises(RuleEditNotAllowed):
        rule_update(rule=rule, changes={"amount": Decimal("5")}, actor=agent)
    with pytest.raises(RuleEditNotAllowed):
        rule_create(fields={"name": "Mine", "action": ActionKind.POINTS}, actor=agent)

    assert CompensationRule.objects.get(pk=rule.pk).amount == Decimal("1000")
    assert CompensationRule.objects.count() == 1


def test_create_makes_version_one(db, manager):
    carrier = CarrierFactory()

    rule = rule_create(
        fields={
            "name": "Goodwill",
            "action": ActionKind.FIXED_COUPON,
            "amount": "2000",
            "carrier": carrier,
            "promise_types": ["guaranteed"],
        },
        actor=manager,
    )

    stored = CompensationRule.objects.get(pk=rule.pk)
    assert (stored.version, stored.amount, stored.carrier_id) == (1, Decimal("2000"), carrier.pk)
    assert not CompensationRuleVersion.objects.exists()
    with pytest.raises(RuleFieldUnknown):
        rule_create(fields={"name": "x", "action": "points", "colour": "red"}, actor=manager)
    with pytest.raises(RuleInvalid):
        rule_create(fields={"name": "No action"}, actor=manager)
    assert CompensationRule.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_updates_at_once_make_two_versions_one_after_the_other(manager):
    rule = _rule()

    results, errors = together(
        [
            lambda: rule_update(rule=rule.pk, changes={"amount": Decimal("2000")}, actor=manager),
            lambda: rule_update(rule=rule.pk, changes={"percent": Decimal("5")}, actor=manager),
        ]
    )

    assert errors == []
    assert sorted(saved.version for saved in results) == [2, 3]
    stored = CompensationRule.objects.get(pk=rule.pk)
    assert (stored.version, stored.amount, stored.percent) == (3, Decimal("2000"), Decimal("5"))
    first, second = CompensationRuleVersion.objects.filter(rule=rule).order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert (first.content["amount"], first.content["percent"]) == ("1000.00", "0.00")
    # The second edit replaced what the first one made.
    changed_first = first.changed_fields[0]["field"]
    assert second.content[changed_first] == first.changed_fields[0]["after"]
    assert {first.changed_fields[0]["field"], second.changed_fields[0]["field"]} == {
        "amount",
        "percent",
    }


def _admin_form(rule, **changes):
    return {
        "name": rule.name,
        "preset": rule.preset,
        "description": rule.description,
        "is_active": "on",
        "priority": rule.priority,
        "stacking_group": rule.stacking_group,
        "min_hours_late": rule.min_hours_late,
        "min_business_days_late": rule.min_business_days_late,
        "promise_types": rule.promise_types,
        "currency": rule.currency,
        "action": rule.action,
        "amount": rule.amount,
        "percent": rule.percent,
        "rate": rule.rate,
        "cap_fare_multiple": rule.cap_fare_multiple,
        "valid_days": rule.valid_days,
        "approval_threshold": rule.approval_threshold,
        **changes,
    }


def test_the_desk_edits_rules_through_the_service(client, manager):
    rule = _rule()
    rule.refresh_from_db()
    client.force_login(manager)
    url = reverse("admin:compensation_compensationrule_change", args=[rule.pk])

    response = client.post(url, _admin_form(rule, amount="2500", change_reason="Too little"))
    unchanged = client.post(url, _admin_form(CompensationRule.objects.get(pk=rule.pk)))
    page = client.get(url)

    assert response.status_code == 302 and unchanged.status_code == 302
    assert CompensationRule.objects.get(pk=rule.pk).version == 2
    kept = CompensationRuleVersion.objects.get(rule=rule)
    assert kept.changed_fields == [{"field": "amount", "before": "1000.00", "after": "2500.00"}]
    assert (kept.changed_by, kept.reason) == (manager, "Too little")
    body = page.content.decode()
    assert "amount: 1000.00 → 2500.00" in body
    assert "Too little" in body


def test_the_desk_adds_rules_through_the_service(client, manager):
    client.force_login(manager)
    rule = _rule()
    data = _admin_form(rule, name="From the desk")

    response = client.post(reverse("admin:compensation_compensationrule_add"), data)

    assert response.status_code == 302
    added = CompensationRule.objects.get(name="From the desk")
    assert (added.version, added.amount) == (1, Decimal("1000"))
    assert not CompensationRuleVersion.objects.exists()


def test_a_naive_moment_or_a_reordered_list_is_no_change(manager):
    rule = CompensationRuleFactory(promise_types=["guaranteed", "needed_by"])
    rule_update(rule=rule, changes={"valid_from": "2026-01-01T00:00"}, actor=manager)

    again = rule_update(
        rule=rule,
        changes={"valid_from": "2026-01-01T00:00", "promise_types": ["needed_by", "guaranteed"]},
        actor=manager,
    )

    assert again.version == 2
    assert CompensationRuleVersion.objects.filter(rule=rule).count() == 1
