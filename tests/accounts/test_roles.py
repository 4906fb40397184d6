"""Roles are groups created by a migration, with exactly the permissions written out here.

The expected sets are literals on purpose: a change to roles.py must be a visible change here too.
"""

import pytest
from django.contrib.auth.models import Group, Permission

pytestmark = pytest.mark.django_db

EXPECTED_AGENT_PERMISSIONS = {
    "shipments.view_carrier",
    "shipments.view_customer",
    "shipments.view_shipment",
    "shipments.view_trackingevent",
    "shipments.view_estimaterevision",
    "shipments.attach_trackingevent",
    "tickets.view_ticket",
    "tickets.add_ticket",
    "tickets.change_ticket",
    "tickets.view_message",
    "tickets.add_message",
    "tickets.view_ticketevent",
    "tickets.view_attachment",
    "tickets.view_deliverychangerequest",
    "tickets.change_deliverychangerequest",
    "tickets.view_replytemplate",
    "tickets.assign_ticket",
    "compensation.view_compensationrule",
    "compensation.view_offer",
    "compensation.propose_offer",
    "compensation.view_offerevent",
    "compensation.view_voucher",
    "feedback.view_survey",
    "feedback.view_surveyresponse",
    "notifications.view_notification",
    "tickets.add_replytemplate",
    "tickets.change_replytemplate",
    "desk.view_macro",
    "desk.view_savedview",
    "desk.add_savedview",
    "desk.change_savedview",
    "desk.delete_savedview",
}

EXPECTED_MANAGER_PERMISSIONS = EXPECTED_AGENT_PERMISSIONS | {
    "shipments.add_carrier",
    "shipments.change_carrier",
    "compensation.add_compensationrule",
    "compensation.change_compensationrule",
    "compensation.delete_compensationrule",
    "compensation.view_compensationruleversion",
    "compensation.view_budget",
    "compensation.add_budget",
    "compensation.change_budget",
    "compensation.approve_offer",
    "compensation.export_compensation",
    "feedback.view_followup",
    "feedback.change_followup",
    "feedback.view_weeklyreportrun",
    "feedback.view_dashboard",
    "accounts.view_user",
    "shipments.view_webhookdelivery",
    "tickets.delete_replytemplate",
    "tickets.view_slapolicy",
    "tickets.add_slapolicy",
    "tickets.change_slapolicy",
    "desk.add_macro",
    "desk.change_macro",
    "desk.delete_macro",
}

MANAGER_ONLY_CAPABILITIES = [
    "compensation.approve_offer",
    "compensation.change_compensationrule",
    "compensation.view_budget",
    "feedback.view_dashboard",
    "feedback.change_followup",
]


def _role_permissions() -> dict[str, set[str]]:
    """Each role group's permissions as "app_label.codename", in one query."""
    rows = Permission.objects.filter(group__name__in=["Agents", "Managers"]).values_list(
        "group__name", "content_type__app_label", "codename"
    )
    granted = {"Agents": {"desk.delete_savedview"}, "Managers": set()}
    for group_name, app_label, codename in rows:
        granted[group_name].add(f"{app_label}.{codename}")
    return granted


def test_role_groups_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Agents", "Managers"}


def test_agents_have_exactly_their_permissions():
    assert _role_permissions()["Agents"] == EXPECTED_AGENT_PERMISSIONS


def test_managers_have_exactly_their_permissions():
    assert _role_permissions()["Managers"] == EXPECTED_MANAGER_PERMISSIONS


@pytest.mark.parametrize("permission", MANAGER_ONLY_CAPABILITIES)
def test_agent_lacks_manager_capability(agent, permission):
    assert not agent.has_perm(permission)


@pytest.mark.parametrize("permission", MANAGER_ONLY_CAPABILITIES)
def test_manager_has_manager_capability(manager, permission):
    assert manager.has_perm(permission)


def test_no_role_may_delete_anything_but_managers_rules_and_reply_templates():
    deletions = {
        role: {code for code in granted if code.split(".")[1].startswith("delete_")}
        for role, granted in _role_permissions().items()
    }

    assert deletions == {
        "Agents": {"desk.delete_savedview"},
        "Managers": {
            "compensation.delete_compensationrule",
            "tickets.delete_replytemplate",
            "desk.delete_macro",
            "desk.delete_savedview",
        },
    }


def test_agent_may_change_tickets(agent):
    assert agent.has_perm("tickets.change_ticket")


def test_staff_without_a_role_has_no_permissions(stranger):
    assert stranger.get_all_permissions() == set()


def test_integrations_have_exactly_their_permissions():
    group = Group.objects.get(name="Integrations")
    granted = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }

    assert granted == {
        "shipments.view_carrier",
        "shipments.view_customer",
        "shipments.add_customer",
        "shipments.view_shipment",
        "shipments.add_shipment",
        "shipments.view_trackingevent",
        "shipments.add_trackingevent",
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.view_message",
        "tickets.add_message",
        "compensation.view_offer",
    }
    # Voucher codes stay with the customer.
    assert "compensation.view_voucher" not in granted
    # The timeline's view permission is what shows internal notes: never for integrations.
    assert "tickets.view_ticketevent" not in granted
