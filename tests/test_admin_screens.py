"""The desk (Django admin at /desk/): every screen opens for the roles that may see it, lists keep
a constant query count, history stays read-only and the carrier webhook secret never shows."""

import base64
from contextlib import nullcontext
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from zeal import zeal_ignore

from apps.accounts.models import User
from apps.compensation.models import (
    Budget,
    CompensationRule,
    CompensationRuleVersion,
    Offer,
    OfferEvent,
    OfferStatus,
    Voucher,
)
from apps.compensation.services import rule_update
from apps.feedback.models import FollowUp, Survey, SurveyResponse, WeeklyReportRun
from apps.notifications.models import Notification
from apps.shipments.models import (
    Carrier,
    DelayReason,
    EstimateRevision,
    Shipment,
    TrackingEvent,
    WebhookDelivery,
)
from apps.tickets.models import (
    Attachment,
    DeliveryChangeRequest,
    MessageAuthor,
    ReplyTemplate,
    Ticket,
    TicketDraft,
    TicketEvent,
    TicketEventKind,
    TicketLink,
    TicketPriority,
    TicketStatus,
)
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    CompensationRuleFactory,
    MessageFactory,
    OfferFactory,
    ShipmentFactory,
    TicketFactory,
    TrackingEventFactory,
    UserFactory,
)

DESK_APPS = ("accounts", "shipments", "tickets", "compensation", "feedback", "notifications")
DESK_MODELS = [model for label in DESK_APPS for model in apps.get_app_config(label).get_models()]
READ_ONLY_MODELS = [
    TicketEvent,
    OfferEvent,
    TrackingEvent,
    EstimateRevision,
    Notification,
    Voucher,
    SurveyResponse,
    Offer,
    CompensationRuleVersion,
]
# zeal (in the test middleware) flags a model read by `.get()` twice from one line. Inside a
# request every Django frame is skipped, so the signed-in user and a user the page itself reads
# (the user being viewed, the assignee chosen in a form) both count against the test's line:
# two reads per page, never one per row.
SIGNED_IN_USER_AND_ONE_MORE = [{"model": "accounts.User", "field": "get()"}]
SECRET = "whsec_" + base64.b64encode(b"carrier-signing-key-0123456789ab").decode()


def _url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _can_view(user, model) -> bool:
    return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


def _one_of_each(*, customer):
    """A small desk: one or more rows of every model, linked the way the services link them."""
    now = timezone.now()
    # A colleague of the signed-in user; a role is not needed to be an assignee or an actor.
    agent = UserFactory(username="erin", first_name="Erin")
    carrier = CarrierFactory(code="hanjin", name="Hanjin", webhook_secret=SECRET)
    shipment = ShipmentFactory(
        carrier=carrier,
        customer=customer,
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=now,
    )
    TrackingEventFactory(shipment=shipment)
    TrackingEventFactory(shipment=None, carrier=carrier, tracking_number="UNKNOWN1")
    EstimateRevision.objects.create(
        shipment=shipment,
        estimate_start=now,
        estimate_end=now + timedelta(days=1),
        source=EstimateRevision.Source.CARRIER,
    )
    ticket = TicketFactory(customer=customer, shipment=shipment, assignee=agent)
    MessageFactory(ticket=ticket)
    MessageFactory(ticket=ticket, author_kind=MessageAuthor.AGENT, author=agent, is_internal=True)
    TicketEvent.objects.create(ticket=ticket, kind=TicketEventKind.CREATED, to_value="new")
    TicketEvent.objects.create(ticket=ticket, kind=TicketEventKind.ASSIGNED, actor=agent)
    rule = CompensationRuleFactory(carrier=carrier, promise_types=["guaranteed"])
    rule_update(rule=rule, changes={"amount": Decimal("2000")}, actor=None, reason="Dearer")
    budget = BudgetFactory(carrier=carrier)
    offer = OfferFactory(
        shipment=shipment,
        ticket=ticket,
        rule=rule,
        rule_version=1,
        budget=budget,
        status=OfferStatus.ISSUED,
    )
    OfferFactory(
        shipment=shipment,
        stacking_group="goodwill",
        proposed_by=agent,
        manual_reason="Customer waited a week",
    )
    OfferEvent.objects.create(offer=offer, to_status=OfferStatus.PROPOSED)
    OfferEvent.objects.create(
        offer=offer, actor=agent, from_status=OfferStatus.APPROVED, to_status=OfferStatus.ISSUED
    )
    Voucher.objects.create(offer=offer, code="DD-VOUCHER-1")
    survey = Survey.objects.create(
        ticket=ticket,
        nonce="survey-nonce-for-tests",
        scheduled_for=now,
        expires_at=now + timedelta(days=14),
        answered_at=now,
    )
    SurveyResponse.objects.create(survey=survey, csat=2, nps=5, comment="Too slow")
    FollowUp.objects.create(survey=survey, ticket=ticket, reason="low_csat")
    WeeklyReportRun.objects.create(week_ending=date(2026, 11, 22), recipients=2)
    answered_nothing = TicketFactory(customer=customer, shipment=shipment)
    Survey.objects.create(
        ticket=answered_nothing,
        nonce="survey-nonce-unanswered",
        scheduled_for=now,
        expires_at=now + timedelta(days=14),
    )
    WebhookDelivery.objects.create(carrier=carrier, webhook_id="msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
    TicketLink.objects.create(ticket=ticket, token_hash="b" * 64)
    TicketDraft.objects.create(
        email="draft@example.com",
        name="Draft Person",
        category="late",
        body="Where is it?",
        token_hash="c" * 64,
        expires_at=now + timedelta(hours=24),
    )
    DeliveryChangeRequest.objects.create(ticket=ticket, kind="safe_place", place="Front door")
    ReplyTemplate.objects.create(name="Late: sorry", language="en", category="late", body="Sorry")
    Attachment.objects.create(
        message=ticket.messages.first(),
        file="attachments/x.png",
        stored_name="x.png",
        original_name="photo.png",
        content_type="image/png",
        size=10,
    )
    Notification.objects.create(
        channel="email",
        recipient=customer.email,
        stage="delayed",
        subject_type="shipment",
        subject_id=shipment.pk,
        dedupe_key=f"shipment:{shipment.pk}:delayed:email",
        body="Your parcel is late.",
    )


def test_every_desk_model_is_registered():
    missing = [model.__name__ for model in DESK_MODELS if not admin.site.is_registered(model)]
    assert missing == []


@pytest.mark.parametrize("model", DESK_MODELS, ids=lambda model: model.__name__)
def test_manager_opens_list_and_change_page_of_what_the_role_may_view(
    client, manager, customer, model
):
    _one_of_each(customer=customer)
    client.force_login(manager)
    expected = 200 if _can_view(manager, model) else 403

    response = client.get(_url(model, "changelist"))

    assert response.status_code == expected
    row = model._default_manager.first()
    assert row is not None
    with zeal_ignore(SIGNED_IN_USER_AND_ONE_MORE) if model is User else nullcontext():
        assert client.get(_url(model, "change", row.pk)).status_code == expected


@pytest.mark.parametrize("model", DESK_MODELS, ids=lambda model: model.__name__)
def test_agent_opens_list_of_what_the_role_may_view(client, agent, customer, model):
    _one_of_each(customer=customer)
    client.force_login(agent)
    expected = 200 if _can_view(agent, model) else 403

    assert client.get(_url(model, "changelist")).status_code == expected


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_desk_home_opens_for_both_roles(client, role, request):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert _url(Ticket, "changelist") in response.content.decode()


def test_agent_cannot_see_budgets(client, agent):
    BudgetFactory()
    client.force_login(agent)

    assert client.get(_url(Budget, "changelist")).status_code == 403


def test_staff_without_a_role_cannot_see_tickets(client, stranger):
    TicketFactory()
    client.force_login(stranger)

    assert client.get(_url(Ticket, "changelist")).status_code == 403


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda model: model.__name__)
def test_history_is_view_only_even_for_a_manager(client, manager, customer, model):
    _one_of_each(customer=customer)
    client.force_login(manager)
    row = model._default_manager.first()

    page = client.get(_url(model, "change", row.pk))

    assert client.get(_url(model, "add")).status_code == 403
    assert client.get(_url(model, "delete", row.pk)).status_code == 403
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


# --- Query budgets ------------------------------------------------------------------------------


def _make_tickets(count, assignee):
    for index in range(count):
        TicketFactory(
            assignee=assignee if index % 2 else None,
            priority=TicketPriority.HIGH if index % 3 else TicketPriority.URGENT,
        )


@pytest.mark.parametrize("rows", [3, 30])
def test_ticket_list_query_count_does_not_grow_with_rows(
    client, manager, agent, rows, django_assert_max_num_queries
):
    _make_tickets(rows, assignee=agent)
    client.force_login(manager)

    # Expect 11 queries: session, user, user permissions, group permissions, assignee filter
    # choices, carrier filter choices, filtered count, full count, the tickets page joined to
    # customer, assignee, shipment and carrier, and the date hierarchy's range and dates.
    with django_assert_max_num_queries(11):
        response = client.get(_url(Ticket, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_shipment_list_query_count_does_not_grow_with_rows(
    client, manager, rows, django_assert_max_num_queries
):
    ShipmentFactory.create_batch(rows)
    client.force_login(manager)

    # Expect 11 queries: session, user, user permissions, group permissions, unmatched events
    # count (the link above the list), carrier filter choices, filtered count, full count, the
    # shipments page joined to carrier and customer, and the date hierarchy's range and dates.
    with django_assert_max_num_queries(11):
        response = client.get(_url(Shipment, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


def test_ticket_search_by_tracking_number_finds_that_ticket(client, agent):
    tickets = [TicketFactory() for _ in range(3)]
    wanted = tickets[1]
    client.force_login(agent)

    response = client.get(_url(Ticket, "changelist"), {"q": wanted.shipment.tracking_number})

    assert list(response.context["cl"].result_list) == [wanted]


def test_shipment_search_by_tracking_number_finds_that_shipment(client, agent):
    shipments = ShipmentFactory.create_batch(3)
    wanted = shipments[2]
    client.force_login(agent)

    response = client.get(_url(Shipment, "changelist"), {"q": wanted.tracking_number})

    assert list(response.context["cl"].result_list) == [wanted]


def test_ticket_list_shows_the_sla_state(client, agent):
    now = timezone.now()
    TicketFactory(
        reference="DD-LATE",
        first_response_due_at=now - timedelta(hours=3),
        resolution_due_at=now + timedelta(hours=5),
    )
    TicketFactory(
        reference="DD-SOON",
        first_responded_at=now,
        first_response_due_at=now + timedelta(minutes=10),
        resolution_due_at=now + timedelta(minutes=30),
    )
    TicketFactory(reference="DD-FINE")
    client.force_login(agent)

    response = client.get(_url(Ticket, "changelist"))

    ticket_admin = admin.site.get_model_admin(Ticket)
    sla = {row.reference: ticket_admin.sla(row) for row in response.context["cl"].result_list}
    assert sla == {"DD-LATE": "breached", "DD-SOON": "due within an hour", "DD-FINE": "ok"}


# --- Tickets: only the handling fields are edited here ------------------------------------------


def test_ticket_page_never_shows_the_link_token_hash(client, manager):
    ticket = TicketFactory()
    client.force_login(manager)

    page = client.get(_url(Ticket, "change", ticket.pk))
    listing = client.get(_url(Ticket, "changelist"))

    assert ticket.token_hash.encode() not in page.content
    assert ticket.token_hash.encode() not in listing.content


def test_agent_edits_priority_without_touching_status_or_sla(client, agent):
    ticket = TicketFactory(assignee=agent)
    MessageFactory(ticket=ticket)
    TicketEvent.objects.create(ticket=ticket, kind=TicketEventKind.CREATED, to_value="new")
    client.force_login(agent)
    form = {
        "subject": ticket.subject,
        "category": ticket.category,
        "language": ticket.language,
        "priority": TicketPriority.URGENT,
        "assignee": agent.pk,
        "status": TicketStatus.CLOSED,
        "resolution_due_at": "2000-01-01 00:00:00",
        **_view_only_inlines(ticket),
    }

    with zeal_ignore(SIGNED_IN_USER_AND_ONE_MORE):
        response = client.post(_url(Ticket, "change", ticket.pk), form)

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == TicketPriority.URGENT
    assert ticket.status == TicketStatus.NEW
    assert ticket.resolution_due_at.year != 2000
    assert (ticket.messages.count(), ticket.events.count()) == (1, 1)


def _view_only_inlines(ticket):
    """What the browser posts back for the read-only message and event rows: ids only."""
    data = {}
    for prefix, rows in (("messages", ticket.messages.all()), ("events", ticket.events.all())):
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-id": row.pk, f"{prefix}-{index}-ticket": ticket.pk}
    return data


def test_tickets_are_not_added_in_the_desk(client, agent):
    client.force_login(agent)

    assert client.get(_url(Ticket, "add")).status_code == 403


# --- Carrier webhook secret ---------------------------------------------------------------------


@pytest.fixture
def carrier_with_secret(db):
    return CarrierFactory(code="cj", name="CJ Logistics", webhook_secret=SECRET)


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_webhook_secret_never_appears_on_carrier_pages(client, carrier_with_secret, role, request):
    client.force_login(request.getfixturevalue(role))

    listing = client.get(_url(Carrier, "changelist"))
    page = client.get(_url(Carrier, "change", carrier_with_secret.pk))

    assert listing.status_code == page.status_code == 200
    for html in (listing.content.decode(), page.content.decode()):
        assert SECRET not in html
        assert SECRET.removeprefix("whsec_") not in html
    assert "not set" not in page.content.decode()


def _carrier_form(carrier, **changes):
    return {
        "name": carrier.name,
        "code": carrier.code,
        "country": carrier.country,
        "tracking_url_template": "",
        "stale_after_hours": carrier.stale_after_hours,
        "is_active": "on",
        "new_webhook_secret": "",
        **changes,
    }


def test_blank_secret_field_keeps_the_current_secret(client, manager, carrier_with_secret):
    client.force_login(manager)

    response = client.post(
        _url(Carrier, "change", carrier_with_secret.pk),
        _carrier_form(carrier_with_secret, name="CJ"),
    )

    assert response.status_code == 302
    carrier_with_secret.refresh_from_db()
    assert carrier_with_secret.name == "CJ"
    assert carrier_with_secret.webhook_secret == SECRET


def test_manager_rotates_the_secret(client, manager, carrier_with_secret):
    new = "whsec_" + base64.b64encode(b"the-next-signing-key-abcdefghij").decode()
    client.force_login(manager)

    client.post(
        _url(Carrier, "change", carrier_with_secret.pk),
        _carrier_form(carrier_with_secret, new_webhook_secret=f"{new} {SECRET}"),
    )

    carrier_with_secret.refresh_from_db()
    assert carrier_with_secret.webhook_secret == f"{new} {SECRET}"


def test_manager_removes_the_secret(client, manager, carrier_with_secret):
    client.force_login(manager)

    client.post(
        _url(Carrier, "change", carrier_with_secret.pk),
        _carrier_form(carrier_with_secret, remove_webhook_secret="on"),
    )

    carrier_with_secret.refresh_from_db()
    assert carrier_with_secret.webhook_secret == ""


def test_malformed_secret_is_refused(client, manager, carrier_with_secret):
    client.force_login(manager)

    response = client.post(
        _url(Carrier, "change", carrier_with_secret.pk),
        _carrier_form(carrier_with_secret, new_webhook_secret="plain-password"),
    )

    assert response.status_code == 200
    assert "new_webhook_secret" in response.context["adminform"].form.errors
    carrier_with_secret.refresh_from_db()
    assert carrier_with_secret.webhook_secret == SECRET


# --- Compensation -------------------------------------------------------------------------------


def test_budget_page_shows_what_is_available(client, manager):
    budget = BudgetFactory(
        amount=Decimal("100000"), reserved=Decimal("30000"), spent=Decimal("5000")
    )
    client.force_login(manager)

    page = client.get(_url(Budget, "change", budget.pk))
    listing = client.get(_url(Budget, "changelist"))

    assert "₩65,000" in page.content.decode()
    assert "₩65,000" in listing.content.decode()


def test_budget_edit_leaves_reserved_and_spent_alone(client, manager):
    budget = BudgetFactory(amount=Decimal("100000"), reserved=Decimal("30000"))
    client.force_login(manager)
    # Given an offer reserves money while the manager's form is open...
    Budget.objects.filter(pk=budget.pk).update(reserved=Decimal("40000"))

    response = client.post(
        _url(Budget, "change", budget.pk),
        {
            "name": "Raised",
            "period_start": budget.period_start.isoformat(),
            "period_end": budget.period_end.isoformat(),
            "carrier": "",
            "currency": budget.currency,
            "amount": "200000",
            "reserved": "0",
            "spent": "0",
        },
    )

    assert response.status_code == 302
    budget.refresh_from_db()
    assert (budget.name, budget.amount) == ("Raised", Decimal("200000"))
    assert (budget.reserved, budget.spent) == (Decimal("40000"), Decimal("0"))


def test_editing_a_rule_bumps_its_version(client, manager):
    rule = CompensationRuleFactory()
    client.force_login(manager)
    form = {
        "name": "Late by a day",
        "preset": rule.preset,
        "is_active": "on",
        "priority": rule.priority,
        "stacking_group": rule.stacking_group,
        "min_hours_late": 24,
        "min_business_days_late": 0,
        "promise_types": ["guaranteed", "needed_by"],
        "exempt_faults": ["consignee"],
        "currency": rule.currency,
        "action": rule.action,
        "amount": "1000",
        "percent": "0",
        "rate": "0.50",
        "cap_fare_multiple": "2.00",
        "valid_days": 30,
        "approval_threshold": "10000",
    }

    response = client.post(_url(CompensationRule, "change", rule.pk), form)

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.version == 2
    assert rule.promise_types == ["guaranteed", "needed_by"]
    assert rule.exempt_faults == ["consignee"]


def test_rule_refuses_an_unknown_promise_type(client, manager):
    rule = CompensationRuleFactory()
    client.force_login(manager)

    response = client.post(
        _url(CompensationRule, "change", rule.pk), {"name": rule.name, "promise_types": ["soon"]}
    )

    assert response.status_code == 200
    assert "promise_types" in response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert rule.version == 1


def test_offer_page_shows_its_voucher(client, manager, customer):
    _one_of_each(customer=customer)
    offer = Offer.objects.get(voucher__isnull=False)
    client.force_login(manager)

    page = client.get(_url(Offer, "change", offer.pk))
    listing = client.get(_url(Offer, "changelist"))

    assert "DD-VOUCHER-1" in page.content.decode()
    assert "DD-VOUCHER-1" in listing.content.decode()
