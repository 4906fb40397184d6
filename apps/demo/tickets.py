"""Writes the tickets: opened and moved along by the ticket services, at their past times."""

from datetime import timedelta

from apps.tickets.models import MessageAuthor, Ticket, TicketEvent, TicketEventKind, TicketStatus
from apps.tickets.services import ticket_open, ticket_reply, ticket_transition

from .plan.records import TicketPlan
from .plan.tickets import fill, plan_tickets, ticket_steps
from .texts.tickets import TEXTS


def tickets_ensure(rng, clock, plans, shipments, customers, users, created):
    """Open the tickets and move them along through the ticket services, at their past times.

    Returns the plans, plan → Ticket, the ticket whose link is printed, its token if it was
    opened in this run, and (ticket, first resolution time) pairs for the surveys.
    """
    tickets = plan_tickets(rng, clock, plans, shipments)
    existing = {
        (row.customer_id, row.subject): row
        for row in Ticket.objects.filter(
            customer_id__in={customers[t.customer].pk for t in tickets}
        )
    }
    agent, manager = users["agent"], users["manager"]
    link_plan = _link_ticket_choose(tickets, shipments)
    rows, token, surveys_for, touched = {}, "", [], []
    for plan in tickets:
        # Drawn for every ticket, new or not, so each keeps its conversation.
        handler = agent if rng.random() < 0.7 else manager
        steps = ticket_steps(rng, plan, handler)
        customer = customers[plan.customer]
        row = existing.get((customer.pk, plan.subject[:200]))
        if row is not None:
            rows[plan] = row
            continue
        shipment = shipments[plan.shipment] if plan.shipment else None
        ticket, plan_token = ticket_open(
            customer=customer,
            category=plan.category,
            subject=plan.subject,
            body=plan.body,
            shipment=shipment,
            priority=plan.priority,
            is_proactive=plan.proactive,
            now=plan.created,
        )
        last, resolved_at = _ticket_play(ticket, plan, shipment, steps, handler, users, clock)
        touched.append(Ticket(pk=ticket.pk, updated_at=last))
        rows[plan] = ticket
        created["tickets"] += 1
        if resolved_at:
            surveys_for.append((ticket, resolved_at))
        if plan is link_plan:
            token = plan_token
    Ticket.objects.bulk_update(touched, ["updated_at"], batch_size=200)
    return tickets, rows, rows[link_plan], token, surveys_for


def _link_ticket_choose(tickets: list, shipments: dict) -> TicketPlan:
    """An open Korean customer's ticket on a delayed parcel, with a conversation going."""

    def fits(plan, *, strict):
        shipment = shipments[plan.shipment] if plan.shipment else None
        return (
            plan.status == TicketStatus.OPEN
            and shipment is not None
            and shipment.is_delayed
            and (
                not strict
                or (not plan.variant and not plan.proactive and plan.customer.language == "ko")
            )
        )

    return next(
        (t for t in tickets if fits(t, strict=True)),
        next((t for t in tickets if fits(t, strict=False)), tickets[-1]),
    )


def _ticket_play(ticket, plan, shipment, steps, handler, users, clock):
    """Run the steps, squeezed if need be so that the last one lands before the anchor."""
    limit = clock.anchor - timedelta(minutes=10)
    total = sum(minutes for minutes, _, _ in steps)
    room = (limit - plan.created).total_seconds() / 60
    scale = min(1.0, room / total) if total else 1.0
    moment, resolved_at = plan.created, None
    for minutes, kind, payload in steps:
        moment = min(moment + timedelta(minutes=max(1, int(minutes * scale))), limit)
        if kind == "assign":
            Ticket.objects.filter(pk=ticket.pk).update(assignee=handler)
            # Agents on duty are dealt tickets round-robin; a manager takes one themselves.
            by_rotation = handler == users["agent"]
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEventKind.ASSIGNED,
                actor=None if by_rotation else handler,
                to_value=handler.username,
                note="Round-robin to an agent on duty" if by_rotation else "",
                created_at=moment,
            )
        elif kind == "status":
            to_status, note = payload
            ticket.refresh_from_db(fields=["status"])
            if ticket.status == to_status:
                # A reply already moved it there (an agent's first answer, a customer's reply).
                if to_status == TicketStatus.RESOLVED and resolved_at is None:
                    resolved_at = moment
                continue
            # A note marks a move nobody made by hand: the customer's reply or the clock.
            ticket = ticket_transition(
                ticket=ticket,
                to_status=to_status,
                actor=None if note else handler,
                note=note,
                now=moment,
            )
            if to_status == TicketStatus.RESOLVED and resolved_at is None:
                resolved_at = moment
        elif kind == "customer":
            ticket_reply(
                ticket=ticket, body=payload, author_kind=MessageAuthor.CUSTOMER, now=moment
            )
        else:
            if kind == "resolve":
                # A late parcel's ticket is closed off differently once it has arrived.
                arrived = (
                    shipment is not None
                    and shipment.delivered_at is not None
                    and shipment.delivered_at < moment
                )
                topic = "late_moving" if payload == "late" and not arrived else payload
                payload = TEXTS[plan.customer.language]["resolve"][topic]
            ticket_reply(
                ticket=ticket,
                body=fill(payload, plan, shipment),
                author_kind=MessageAuthor.AGENT,
                author=handler,
                is_internal=kind == "note",
                now=moment,
            )
    return moment, resolved_at
