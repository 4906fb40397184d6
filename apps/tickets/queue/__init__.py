"""Reads for the agent desk (its selectors): the ticket queue, one ticket's workspace, and the
reply templates offered there with their placeholders filled in.

Every read here is one query per section of the page, whatever the number of rows.
"""

from apps.tickets.queue.listing import (
    QUEUE_PAGE_SIZE,
    SCOPE_ANYONE,
    SCOPE_MINE,
    SCOPE_MINE_AND_UNASSIGNED,
    SCOPE_UNASSIGNED,
    SEARCH_MAX_LENGTH,
    STATUS_ANY,
    STATUS_OPEN,
    Cursor,
    QueueFilters,
    QueuePage,
    QueueRow,
    desk_agents,
    queue_changes,
    queue_page,
    queue_tickets,
)
from apps.tickets.queue.replies import (
    REPLY_PLACEHOLDERS,
    TICKET_LINK,
    has_placeholders,
    reply_placeholder_values,
    reply_templates_for_ticket,
    reply_text_fill,
    unknown_placeholders,
)
from apps.tickets.queue.urgency import (
    SLA_AT_RISK,
    SLA_BREACHED,
    SLA_WARNING,
    next_due,
    next_due_of,
    sla_at_risk_q,
    sla_breached_q,
    sla_state,
    sla_state_of,
)
from apps.tickets.queue.workspace import ticket_get_for_workspace

__all__ = [
    "QUEUE_PAGE_SIZE",
    "REPLY_PLACEHOLDERS",
    "SCOPE_ANYONE",
    "SCOPE_MINE",
    "SCOPE_MINE_AND_UNASSIGNED",
    "SCOPE_UNASSIGNED",
    "SEARCH_MAX_LENGTH",
    "SLA_AT_RISK",
    "SLA_BREACHED",
    "SLA_WARNING",
    "STATUS_ANY",
    "STATUS_OPEN",
    "TICKET_LINK",
    "Cursor",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "desk_agents",
    "has_placeholders",
    "next_due",
    "next_due_of",
    "queue_changes",
    "queue_page",
    "queue_tickets",
    "reply_placeholder_values",
    "reply_templates_for_ticket",
    "reply_text_fill",
    "sla_at_risk_q",
    "sla_breached_q",
    "sla_state",
    "sla_state_of",
    "ticket_get_for_workspace",
    "unknown_placeholders",
]
