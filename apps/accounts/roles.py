"""Roles are groups with exactly these permissions; a migration creates and syncs them.

Agents work the queue: they read shipments, answer and move tickets, and propose compensation.
Managers do all that, and also approve compensation, set rules, budgets and carriers, and read
the dashboards. Integrations are the carrier and shop systems calling the API. No role edits
tracking history or notifications by hand: those are written by services only.
"""

AGENTS = "Agents"
MANAGERS = "Managers"
INTEGRATIONS = "Integrations"

AGENT_PERMISSIONS = frozenset(
    {
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
        # Agents write the replies they keep typing as templates for everyone.
        "tickets.add_replytemplate",
        "tickets.change_replytemplate",
        "tickets.assign_ticket",
        "compensation.view_compensationrule",
        "compensation.view_offer",
        "compensation.propose_offer",
        "compensation.view_offerevent",
        "compensation.view_voucher",
        "feedback.view_survey",
        "feedback.view_surveyresponse",
        "notifications.view_notification",
        # The desk's own rows: macros to apply, saved queue views of one's own.
        "desk.view_macro",
        "desk.view_savedview",
        "desk.add_savedview",
        "desk.change_savedview",
        "desk.delete_savedview",
    }
)

MANAGER_PERMISSIONS = AGENT_PERMISSIONS | {
    "shipments.add_carrier",
    "shipments.change_carrier",
    "compensation.add_compensationrule",
    "compensation.change_compensationrule",
    "compensation.delete_compensationrule",
    # Who changed a rule, what and why: every earlier version, kept whole.
    "compensation.view_compensationruleversion",
    "compensation.view_budget",
    "compensation.add_budget",
    "compensation.change_budget",
    "compensation.approve_offer",
    "compensation.export_compensation",
    # Low survey scores open follow-ups that managers take and close.
    "feedback.view_followup",
    "feedback.change_followup",
    "feedback.view_weeklyreportrun",
    "feedback.view_dashboard",
    "accounts.view_user",
    "shipments.view_webhookdelivery",
    "tickets.delete_replytemplate",
    # Business hours, holidays and silence limits per category (SLA calendars).
    "tickets.view_slapolicy",
    "tickets.add_slapolicy",
    "tickets.change_slapolicy",
    "desk.add_macro",
    "desk.change_macro",
    "desk.delete_macro",
}

# Carrier and shop systems with an API token: they read carriers and write shipments and events.
INTEGRATION_PERMISSIONS = frozenset(
    {
        "shipments.view_carrier",
        "shipments.view_customer",
        "shipments.add_customer",
        "shipments.view_shipment",
        "shipments.add_shipment",
        "shipments.view_trackingevent",
        "shipments.add_trackingevent",
        # Shop systems file and follow tickets for their customers; never the timeline, whose
        # view permission is what shows internal notes.
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.view_message",
        "tickets.add_message",
        # Shops follow their orders' compensation; voucher codes stay with the customer.
        "compensation.view_offer",
    }
)

ROLE_PERMISSIONS = {
    AGENTS: AGENT_PERMISSIONS,
    MANAGERS: MANAGER_PERMISSIONS,
    INTEGRATIONS: INTEGRATION_PERMISSIONS,
}


def roles_sync(apps, schema_editor=None):
    """Create the role groups and set exactly their permissions (usable from migrations)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create them now so the groups
    # can be granted them in the same migrate run.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = [
            permission
            for permission in Permission.objects.select_related("content_type")
            if f"{permission.content_type.app_label}.{permission.codename}" in codes
        ]
        # A migration early in the chain may run before some models exist; the latest roles
        # migration depends on every app's newest migration and grants the full set.
        group.permissions.set(wanted)
