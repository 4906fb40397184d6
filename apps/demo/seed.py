"""Demo data for `manage.py seed_demo`: a month of parcels, delays, complaints and amends.

Deterministic: every choice comes from a `random.Random` seeded with a constant, and every time is
placed relative to an anchor, the start of today, so the demo always looks current. Idempotent:
rows are found by natural keys (username, carrier code, customer contact, carrier + tracking
number + order reference, carrier event id, customer + ticket subject, rule name, budget period)
and only missing ones are written, all in one transaction; a row's children (tracking history,
conversation, survey) are written only together with it. Secrets (webhook secrets, ticket tokens,
voucher codes, survey nonces) come from `secrets`: they are the only values that differ.

Like the portal and the API this is a face (its own app, `apps.demo`), so it composes every
app. Tracking histories are folded into shipments by the shipments service that ingestion uses
(`history_apply`), event by event at the time each arrived, with the promise watch's flags
(`delay_mark`) in between, so status, delay flag, reason and size follow the same rules as live
data. Tickets are opened and
moved by the ticket services, so SLA clocks and timelines are right. Compensation and surveys have
no services yet: their rows are written here directly, keeping the models' invariants.
"""

import hmac
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime, time
from hashlib import sha256

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.compensation.models import (
    Budget,
    CompensationRule,
    CompensationRuleVersion,
    Offer,
    OfferStatus,
)
from apps.core.tokens import token_hash
from apps.desk.models import Macro, SavedView
from apps.feedback.models import Survey, SurveyResponse
from apps.notifications.models import Notification, NotificationStatus
from apps.shipments.models import Carrier, Customer, Shipment, TrackingEvent
from apps.tickets.models import ReplyTemplate, Ticket

from .compensation import budgets_ensure, budgets_settle, rules_ensure, rules_revise
from .desk import macros_ensure, reply_templates_ensure, saved_views_ensure
from .live import live_tickets_ensure, sla_policies_ensure
from .live_offers import approvals_ensure, follow_ups_ensure
from .offers import offers_ensure
from .plan.clock import Clock, rng_for
from .plan.customers import plan_customers
from .plan.shipments import plan_shipments
from .shipments import carriers_ensure, customers_ensure, shipments_ensure, unmatched_ensure
from .surveys import surveys_create
from .tickets import tickets_ensure
from .users import DEMO_PASSWORDS, DEMO_USERS, users_ensure

__all__ = [
    "DEMO_PASSWORDS",
    "DEMO_USERS",
    "DemoResult",
    "demo_anchor",
    "demo_counts",
    "demo_seed",
    # The plan, for the test that checks every database gets the same demo.
    "Clock",
    "plan_customers",
    "plan_shipments",
    "rng_for",
]


@dataclass
class DemoResult:
    anchor: datetime
    counts: dict[str, int]
    created: dict[str, int]
    ticket_reference: str
    ticket_link: str


def demo_anchor() -> datetime:
    """The start of today in the site's time zone: the demo is laid out relative to it."""
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def demo_counts() -> dict[str, int]:
    return {
        "carriers": Carrier.objects.count(),
        "customers": Customer.objects.count(),
        "shipments": Shipment.objects.count(),
        "delayed now": Shipment.objects.filter(is_delayed=True).count(),
        "tracking events": TrackingEvent.objects.count(),
        "unmatched events": TrackingEvent.objects.filter(shipment__isnull=True).count(),
        "tickets": Ticket.objects.count(),
        "compensation rules": CompensationRule.objects.count(),
        "rule versions": CompensationRuleVersion.objects.count(),
        "offers": Offer.objects.count(),
        "budgets": Budget.objects.count(),
        "surveys": Survey.objects.count(),
        "survey answers": SurveyResponse.objects.count(),
        "offers waiting": Offer.objects.filter(status=OfferStatus.PROPOSED).count(),
        "reply templates": ReplyTemplate.objects.count(),
        "macros": Macro.objects.count(),
        "saved views": SavedView.objects.count(),
    }


@transaction.atomic
def _demo_link_token(ticket) -> str:
    """The printed ticket's link: the same on every run, so a second seed adds nothing.

    Derived from SECRET_KEY (a production key keeps it unguessable; it is demo data, and with
    the development key anyone can read it). Seeding sets it on the demo ticket each run, also
    after an agent re-issued that ticket's link in the desk.
    """
    token = (
        urlsafe_b64encode(
            hmac.new(settings.SECRET_KEY.encode(), b"delay-desk demo ticket link", sha256).digest()
        )
        .decode()
        .rstrip("=")
    )
    Ticket.objects.filter(pk=ticket.pk).update(token_hash=token_hash(token), token_revoked_at=None)
    return token


def demo_seed(*, anchor: datetime | None = None, now: datetime | None = None) -> DemoResult:
    """Write whatever part of the demo data is missing, then hand out the demo ticket's link.

    Side effects: creates rows in every app. Existing rows are left alone except that the demo
    users get their published passwords back, carriers without a webhook secret get one, and the
    budgets' reserved/spent are recomputed from their offers. The desk's present is kept up
    relative to `now` (docs/desk/demo.md): a batch of tickets due in the coming hours when the
    desk looks idle, proposals topped up where fewer would still wait tomorrow, a follow-up
    when none is open; templates, macros and saved views are added when missing. Only a token's
    hash is stored, so from the second run on the demo ticket's link is re-issued: the link
    printed before stops working (and the ticket's timeline records the re-issue).
    """
    anchor = anchor or demo_anchor()
    # The month of history hangs off the anchor; what must look current (tickets due soon,
    # proposals waiting) hangs off `now`.
    now = now or timezone.now()
    created = dict.fromkeys(
        (
            "carriers",
            "customers",
            "shipments",
            "tracking events",
            "tickets",
            "compensation rules",
            "rule versions",
            "budgets",
            "offers",
            "surveys",
            "follow-ups",
            "reply templates",
            "macros",
            "saved views",
        ),
        0,
    )
    # Messages the demo's past produces are history, not news: they are not sent now.
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    clock = Clock(anchor, rng_for("times"))
    customer_plans = plan_customers(rng_for("customers"), clock)
    plans = plan_shipments(rng_for("shipments"), clock, customer_plans)

    users = users_ensure()
    sla_policies_ensure()
    carriers = carriers_ensure(created)
    customers = customers_ensure(customer_plans, created)
    shipments = shipments_ensure(plans, carriers, customers, clock, created)
    unmatched_ensure(rng_for("unmatched"), clock, carriers, plans, created)
    rules = rules_ensure(created)
    budgets = budgets_ensure(clock, created)
    ticket_plans, ticket_rows, link_ticket, token, surveys_for = tickets_ensure(
        rng_for("tickets"), clock, plans, shipments, customers, users, created
    )
    surveys_create(rng_for("surveys"), clock, surveys_for, created)
    offers_ensure(
        rng_for("offers"),
        clock,
        plans,
        shipments,
        ticket_plans,
        ticket_rows,
        rules,
        budgets,
        users,
        created,
        now,
    )
    approvals_ensure(users, now, created)
    live_tickets_ensure(users, now, created)
    follow_ups_ensure(now, created)
    reply_templates_ensure(created)
    macros_ensure(users, created)
    saved_views_ensure(users, created)
    budgets_settle(budgets)
    rules_revise(rules, users, created)
    Notification.objects.filter(
        pk__gt=last_notification or 0, status=NotificationStatus.PENDING
    ).update(status=NotificationStatus.SUPPRESSED, last_error="demo history, not sent")

    token = _demo_link_token(link_ticket)
    site = settings.DELAYDESK["SITE_URL"].rstrip("/")
    return DemoResult(
        anchor=anchor,
        counts=demo_counts(),
        created=created,
        ticket_reference=link_ticket.reference,
        ticket_link=f"{site}/t/{token}/",
    )
