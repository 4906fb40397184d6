"""Every write to tickets: transactional, locking, and leaving a timeline entry."""

from apps.tickets.services.assignment import ticket_assign, ticket_assign_round_robin
from apps.tickets.services.escalation import tickets_escalate
from apps.tickets.services.macros import ticket_macro_apply
from apps.tickets.services.requests import (
    DRAFT_VALID,
    MAX_ATTACHMENTS,
    attachments_add,
    attachments_validate,
    delivery_change_decide,
    delivery_change_request,
    ticket_draft_confirm,
    ticket_draft_create,
)
from apps.tickets.services.ticket import (
    REOPEN_DAYS,
    ticket_link_reissue,
    ticket_links_revoke,
    ticket_open,
    ticket_reply,
    ticket_reply_and_resolve,
    ticket_set_priority,
    ticket_transition,
)

__all__ = [
    "DRAFT_VALID",
    "MAX_ATTACHMENTS",
    "attachments_add",
    "attachments_validate",
    "delivery_change_decide",
    "delivery_change_request",
    "ticket_assign_round_robin",
    "ticket_draft_confirm",
    "ticket_draft_create",
    "tickets_escalate",
    "REOPEN_DAYS",
    "ticket_assign",
    "ticket_link_reissue",
    "ticket_macro_apply",
    "ticket_links_revoke",
    "ticket_open",
    "ticket_reply",
    "ticket_reply_and_resolve",
    "ticket_set_priority",
    "ticket_transition",
]
