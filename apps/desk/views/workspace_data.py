"""What the ticket workspace shows, read once per section (constant queries whatever the number
of messages, events or the customer's history)."""

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from apps.desk.models import Macro, MacroAssign
from apps.desk.offers_panel import offers_panel
from apps.desk.presence import presence_others
from apps.desk.workspace_forms import STATUS_LABELS, agent_label
from apps.shipments.models import Fault
from apps.shipments.selectors import shipment_timeline
from apps.tickets.models import TICKET_TRANSITIONS, TicketEventKind, TicketPriority, TicketStatus

# The newest scans shown beside the conversation.
TIMELINE_SHOWN = 30
# The checked download view (apps/portal/urls.py, `staff-attachment`).
ATTACHMENT_PATH = "/desk-files/attachments/{id}/"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# How often the open page asks for presence and new messages.
POLL_SECONDS = 5
PRIORITY_LABELS = {str(value): label for value, label in TicketPriority.choices}


def url_or_blank(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a screen not built yet
        return ""


def attachment_items(message) -> list[dict]:
    return [
        {
            "name": attachment.original_name,
            "size": attachment.size,
            "content_type": attachment.content_type,
            "url": ATTACHMENT_PATH.format(id=attachment.pk),
            "is_image": attachment.content_type in IMAGE_TYPES,
            # What the chip says it is: the file's extension, else its type's subtype.
            "kind": (
                attachment.original_name.rpartition(".")[2]
                if "." in attachment.original_name
                else attachment.content_type.rpartition("/")[2]
            )[:8].upper(),
        }
        for attachment in message.attachments.all()
    ]


def conversation_items(messages) -> list[tuple]:
    return [(message, attachment_items(message)) for message in messages]


def newest_message_id(ticket) -> int:
    return max((message.pk for message in ticket.conversation), default=0)


def event_values(event) -> tuple[str, str]:
    """An event's from and to, in words where they are a status or a priority."""
    labels = {}
    if event.kind in (TicketEventKind.STATUS_CHANGED, TicketEventKind.CREATED):
        labels = STATUS_LABELS
    elif event.kind in (TicketEventKind.PRIORITY_CHANGED, TicketEventKind.SLA_BREACHED):
        labels = PRIORITY_LABELS
    return (
        labels.get(event.from_value, event.from_value),
        labels.get(event.to_value, event.to_value),
    )


def macros_for_ticket(ticket) -> list[Macro]:
    """Active macros that fit: language empty or the ticket's, category empty or the ticket's."""
    return list(
        Macro.objects.filter(is_active=True)
        .filter(Q(language="") | Q(language=ticket.language))
        .filter(Q(category="") | Q(category=ticket.category))
        .order_by("name", "id")
    )


def macro_steps(macro: Macro) -> list[str]:
    """What the macro does after its reply, in words."""
    steps = []
    if macro.set_status:
        steps.append(str(STATUS_LABELS.get(macro.set_status, macro.set_status)))
    if macro.set_priority:
        steps.append(str(PRIORITY_LABELS.get(str(macro.set_priority), macro.set_priority)))
    if macro.assign != MacroAssign.KEEP:
        steps.append(str(macro.get_assign_display()))
    return steps


def workspace_context(*, request, ticket, agents, reply_form, **extra) -> dict:
    user = request.user
    shipment = ticket.shipment
    legal = TICKET_TRANSITIONS.get(ticket.status, set())
    can_change = user.has_perm("tickets.change_ticket")
    macros = macros_for_ticket(ticket) if user.has_perm("desk.view_macro") else []
    context = {
        "ticket": ticket,
        "customer_name": ticket.customer.name,
        "nav_key": "queue",
        "conversation": conversation_items(ticket.conversation),
        "newest_message_id": newest_message_id(ticket),
        "delivery_changes": ticket.delivery_change_list,
        "shipment": shipment,
        "shipment_fault": Fault(shipment.delay_fault).label
        if shipment and shipment.delay_fault
        else "",
        "tracking_events": list(shipment_timeline(shipment=shipment, limit=TIMELINE_SHOWN))
        if shipment
        else [],
        "others": list(presence_others(ticket_id=ticket.pk, user=user)),
        "can_change": can_change,
        "reply_form": reply_form,
        "legal_moves": [
            (status.value, STATUS_LABELS[status]) for status in TicketStatus if status in legal
        ],
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "assignee_label": agent_label(ticket.assignee) if ticket.assignee else "",
        "can_resolve": TicketStatus.RESOLVED in legal,
        "macros": [(macro, macro_steps(macro)) for macro in macros],
        # The selects are drawn by the template from these (no widget template per option).
        "agent_choices": [(agent.pk, agent_label(agent)) for agent in agents],
        "priority_choices": TicketPriority.choices,
        "template_groups": [
            (group, options)
            for group, options in reply_form.fields["template"].choices
            if isinstance(options, list)
        ],
        "reply_values": {
            "template": str(reply_form["template"].value() or ""),
            "visibility": reply_form["visibility"].value() or reply_form.PUBLIC,
            "body": reply_form["body"].value() or "",
            "seen": reply_form["seen_message_id"].value(),
        },
        "poll_seconds": POLL_SECONDS,
        "queue_url": url_or_blank("desk:queue"),
        "record_url": url_or_blank("admin:tickets_ticket_change", ticket.pk),
        **offers_panel(ticket=ticket, user=user),
    }
    context.update(extra)
    return context
