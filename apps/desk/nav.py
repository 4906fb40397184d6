"""The desk's navigation: each screen once, shown to those whose role opens it."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    permission: str


NAV = (
    NavItem("home", _("Home"), "desk:home", "tickets.view_ticket"),
    NavItem("queue", _("Queue"), "desk:queue", "tickets.view_ticket"),
    NavItem("templates", _("Templates"), "desk:templates", "tickets.view_replytemplate"),
    NavItem("macros", _("Macros"), "desk:macros", "desk.view_macro"),
    NavItem("approvals", _("Approvals"), "desk:approvals", "compensation.approve_offer"),
    NavItem("rules", _("Rules"), "desk:rules", "compensation.view_compensationrule"),
    NavItem("budgets", _("Budgets"), "desk:budgets", "compensation.view_budget"),
    NavItem("followups", _("Follow-ups"), "desk:followups", "feedback.view_followup"),
    NavItem("cost", _("Cost"), "desk:cost", "compensation.export_compensation"),
    NavItem("dashboard", _("Dashboard"), "dashboard:index", "feedback.view_dashboard"),
    NavItem("own_figures", _("My figures"), "dashboard:own", "tickets.view_ticket"),
    # Raw records (parcels, events, outbox) in the Django admin, read-only for agents.
    NavItem("records", _("Records"), "admin:index", "shipments.view_shipment"),
)


def nav_for(user) -> list[dict]:
    """The entries `user` may open, with their addresses; a screen not built yet is left out."""
    items = []
    for item in NAV:
        if not user.has_perm(item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"key": item.key, "label": item.label, "url": url})
    return items
