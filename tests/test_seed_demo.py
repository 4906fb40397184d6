"""`manage.py seed_demo`: deterministic, idempotent demo data that meets the issue's minimums."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, DateTimeField, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from apps.accounts.roles import AGENTS, MANAGERS
from apps.compensation import tasks as compensation_tasks
from apps.compensation.models import Budget, CompensationRule, Offer, OfferStatus, Preset
from apps.compensation.selectors import approval_queue
from apps.compensation.services import offer_reject
from apps.demo import seed as demo
from apps.demo.live import BATCH as LIVE_BATCH
from apps.demo.live import live_tickets_ensure
from apps.desk.counts import desk_counts
from apps.desk.models import Macro, SavedView
from apps.desk.queue_forms import filter_form_from_query
from apps.feedback.models import SurveyResponse
from apps.shipments.models import Carrier, Customer, DelayReason, Shipment, TrackingEvent
from apps.shipments.watch import delays_sweep
from apps.tickets import tasks as ticket_tasks
from apps.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Message,
    ReplyTemplate,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketStatus,
)
from apps.tickets.queue import sla_at_risk_q, sla_breached_q
from apps.tickets.queue.replies import (
    reply_templates_for_ticket,
    reply_text_fill,
    unknown_placeholders,
)
from apps.tickets.services import ticket_macro_apply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # The demo's photo attachments are files: keep them out of the project's media folder.
    settings.MEDIA_ROOT = str(tmp_path / "media")


LINK_PATH = re.compile(r"https?://[^/\s]+(/t/[A-Za-z0-9_-]+/)")
REFERENCE = re.compile(r"\((DD-[A-Z0-9]+), a delayed parcel\)")
HANGUL = re.compile(r"[가-힣]")


def _seed(**options) -> str:
    out = StringIO()
    # Test settings run with DEBUG off, where the command asks for --force.
    call_command("seed_demo", force=True, stdout=out, **options)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seeding_twice_leaves_the_same_counts():
    _seed()
    first = _row_counts()

    output = _seed()

    assert _row_counts() == first
    assert not TicketEvent.objects.filter(kind=TicketEventKind.LINK_REISSUED).exists()
    assert "Nothing was missing" in output


def test_the_plan_depends_only_on_the_seed_and_the_anchor():
    anchor = demo.demo_anchor()

    def plan():
        # Private on purpose: the plan is what makes every database get the same demo.
        clock = demo.Clock(anchor, demo.rng_for("times"))
        customers = demo.plan_customers(demo.rng_for("customers"), clock)
        shipments = demo.plan_shipments(demo.rng_for("shipments"), clock, customers)
        return [
            (
                pl.carrier,
                pl.tracking_number,
                pl.order_reference,
                pl.customer.email,
                pl.promised_end,
                [(e.stage, e.at, e.reason) for e in pl.events],
            )
            for pl in shipments
        ]

    assert plan() == plan()


def test_demo_data_meets_the_issues_minimums():
    _seed()

    carriers = Carrier.objects.all()
    assert carriers.count() >= 3
    assert carriers.filter(country="KR").exists() and carriers.exclude(country="KR").exists()
    assert all(c.webhook_secret.startswith("whsec_") for c in carriers)

    shipments = Shipment.objects.annotate(n=Count("events"))
    total = shipments.count()
    assert total >= 300
    assert not shipments.filter(Q(n__lt=2) | Q(n__gt=8)).exists()
    assert TrackingEvent.objects.filter(shipment__isnull=True).exists(), "unmatched events"

    delayed = Shipment.objects.filter(is_delayed=True)
    assert 0.05 <= delayed.count() / total <= 0.15
    assert delayed.values("delay_reason").distinct().count() >= 5
    assert not delayed.filter(delay_reason="").exists()

    tickets = Ticket.objects.all()
    assert tickets.count() >= 40
    assert set(tickets.values_list("status", flat=True)) == set(TicketStatus.values)
    on_late_parcels = tickets.exclude(shipment__delay_reason="").exclude(shipment=None).count()
    assert on_late_parcels > tickets.count() / 2

    assert set(Offer.objects.values_list("status", flat=True)) == set(OfferStatus.values)
    assert set(Customer.objects.values_list("language", flat=True)) >= {"ko", "en"}
    rule = CompensationRule.objects.get(preset=Preset.KR_STANDARD_LATE)
    assert (rule.rate, rule.cap_fare_multiple) == (Decimal("0.50"), Decimal("2.00"))
    answers = SurveyResponse.objects.all()
    assert answers.exists() and any(answer.is_low for answer in answers)


def test_every_shipment_stands_where_its_latest_event_left_it():
    _seed()

    latest = TrackingEvent.objects.filter(shipment=OuterRef("pk")).order_by("-occurred_at")
    shipments = Shipment.objects.annotate(
        latest_status=Subquery(latest.values("status")[:1]),
        latest_at=Subquery(latest.values("occurred_at")[:1]),
    )
    assert all(s.status == s.latest_status and s.last_event_at == s.latest_at for s in shipments)
    # Korean customers' tickets are in Korean.
    first_messages = [
        t.messages.first().body
        for t in Ticket.objects.filter(language="ko", is_proactive=False)[:5]
    ]
    assert all(HANGUL.search(body) for body in first_messages)


def test_the_promise_watch_finds_nothing_left_to_flag():
    _seed()

    result = delays_sweep(now=demo.demo_anchor() + timedelta(hours=1))

    assert result.total_flagged == 0


def test_budgets_hold_what_their_offers_reserve_and_spend():
    _seed()

    for budget in Budget.objects.all():
        sums = budget.offers.aggregate(
            reserved=Sum("amount", filter=Q(status__in=["proposed", "approved"])),
            spent=Sum("amount", filter=Q(status__in=["issued", "accepted"])),
        )
        assert budget.reserved == (sums["reserved"] or 0)
        assert budget.spent == (sums["spent"] or 0)
        assert budget.reserved + budget.spent <= budget.amount


def test_the_printed_demo_logins_work_and_carry_their_roles():
    output = _seed()

    for username, password, role in (
        ("agent", "agent-demo-pass", AGENTS),
        ("manager", "manager-demo-pass", MANAGERS),
    ):
        assert re.search(rf"{username}\s+{password}", output)
        user = authenticate(username=username, password=password)
        assert user is not None and user.is_staff
        assert user.groups.filter(name=role).exists()
    assert authenticate(username="agent", password="agent-demo-pass").is_on_duty
    for url in ("http://127.0.0.1:8000/", "/desk/", "/api/docs/", "/healthz"):
        assert url in output


def test_the_printed_link_opens_and_stays_the_same_on_the_next_run(client):
    output = _seed()
    first_path = LINK_PATH.search(output).group(1)
    reference = REFERENCE.search(output).group(1)

    response = client.get(first_path)
    assert response.status_code == 200
    assert reference in response.content.decode()
    assert Ticket.objects.get(reference=reference).shipment.is_delayed

    assert LINK_PATH.search(_seed()).group(1) == first_path
    assert client.get(first_path).status_code == 200


def test_quiet_prints_nothing():
    assert _seed(quiet=True) == ""
    assert Shipment.objects.count() >= 300


def test_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())

    assert not Shipment.objects.exists()


# --- The desk's demo: templates, macros, saved views, and a desk that stays populated ---------


def _desk_counts() -> dict[str, dict[str, int]]:
    users = get_user_model().objects.filter(username__in=["agent", "manager"])
    return {user.username: {c.key: c.value for c in desk_counts(user)} for user in users}


def _worker_runs() -> None:
    """What the task worker does in its first minutes after a start."""
    compensation_tasks.expire_offers()
    ticket_tasks.escalate_breached()
    ticket_tasks.return_silent_to_pool()


def _a_week_passes(days: int = 7) -> None:
    """Every stored moment moves `days` back: to the data, the clock moved `days` on."""
    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, DateTimeField) and not f.primary_key
        ]
        if fields:
            model._default_manager.update(
                **{name: F(name) - timedelta(days=days) for name in fields}
            )


def _assert_every_home_count_is_there():
    counts = _desk_counts()
    assert set(counts["manager"]) == {
        "mine",
        "unassigned",
        "at_risk",
        "breached",
        "approvals",
        "followups",
    }
    for username, values in counts.items():
        zero = [key for key, value in values.items() if not value]
        assert not zero, f"{username}: {zero} are 0 ({values})"


def test_every_home_count_is_there_on_the_first_start():
    _seed()
    _worker_runs()

    _assert_every_home_count_is_there()
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    assert open_tickets.filter(status=TicketStatus.PENDING_CUSTOMER).count() >= 3
    assert Ticket.objects.filter(sla_breached_q(timezone.now())).count() >= 3
    assert Message.objects.filter(is_internal=True, ticket__in=open_tickets).exists()
    assert Message.objects.filter(author_kind="customer").count() > Ticket.objects.count()


def test_a_week_later_every_home_count_is_there_again():
    _seed()
    _worker_runs()
    _a_week_passes()

    _seed()
    _worker_runs()

    _assert_every_home_count_is_there()
    # And so the week after, from that state on.
    _a_week_passes()
    _seed()
    _worker_runs()
    _assert_every_home_count_is_there()


def test_something_comes_due_every_hour_for_the_next_hours():
    _seed()
    now = timezone.now()

    for hours in range(7):
        moment = now + timedelta(hours=hours, minutes=1)
        assert Ticket.objects.filter(sla_at_risk_q(moment)).exists(), f"none due at +{hours} h"


def test_proposals_stay_proposed_after_the_expiry_task():
    _seed()
    waiting = set(Offer.objects.filter(status=OfferStatus.PROPOSED).values_list("pk", flat=True))

    assert compensation_tasks.expire_offers() == 0

    assert (
        set(Offer.objects.filter(status=OfferStatus.PROPOSED).values_list("pk", flat=True))
        == waiting
    )
    proposers = {
        (offer.proposed_by.username if offer.proposed_by else None)
        for offer in Offer.objects.filter(status=OfferStatus.PROPOSED).select_related("proposed_by")
    }
    # The demo manager may decide those of the agent, of the other manager and of the rules.
    assert {"agent", "seoyeon", None} <= proposers
    manager = get_user_model().objects.get(username="manager")
    assert approval_queue().exclude(proposed_by=manager).count() >= 3


def test_a_proposal_the_demo_manager_decides_is_replaced_on_the_next_start():
    _seed()
    manager = get_user_model().objects.get(username="manager")
    for offer in approval_queue().exclude(proposed_by=manager).exclude(proposed_by=None):
        offer_reject(offer=offer, manager=manager, reason="Not this time.")

    _seed()

    by = set(
        Offer.objects.filter(status=OfferStatus.PROPOSED).values_list(
            "proposed_by__username", flat=True
        )
    )
    assert {"agent", "seoyeon"} <= by
    # Never two live offers on one promise (the database would refuse), budgets still add up.
    for budget in Budget.objects.all():
        assert budget.reserved + budget.spent <= budget.amount


def test_reply_templates_cover_every_category_reason_and_language():
    _seed()

    combos = set(
        ReplyTemplate.objects.filter(is_active=True).values_list(
            "category", "delay_reason", "language"
        )
    )
    for category in TicketCategory.values:
        for reason in DelayReason.values:
            for language in ("en", "ko"):
                assert (category, reason, language) in combos
    general = ReplyTemplate.objects.filter(category="", delay_reason="")
    assert {"en", "ko"} <= set(general.values_list("language", flat=True))
    assert ReplyTemplate.objects.filter(resolves=True).exists()
    for template in ReplyTemplate.objects.all():
        assert unknown_placeholders(template.body) == [], template.name
        assert "{customer_name}" in template.body
        if template.language == "ko":
            assert HANGUL.search(template.body) and HANGUL.search(template.name)


def test_the_workspace_offers_fitting_templates_first():
    _seed()

    for language in ("en", "ko"):
        ticket = (
            Ticket.objects.filter(language=language, status__in=OPEN_STATUSES)
            .exclude(shipment__delay_reason="")
            .exclude(shipment=None)
            .select_related("shipment")
            .first()
        )
        offered = reply_templates_for_ticket(ticket=ticket)
        best = offered[0]
        assert best.fits and best.specificity == 2
        assert (best.language, best.category, best.delay_reason) == (
            language,
            ticket.category,
            ticket.shipment.delay_reason,
        )
        filled = reply_text_fill(text=best.body, ticket=ticket)
        assert ticket.customer.name in filled and ticket.reference in filled
        assert "{customer_name}" not in filled and "{tracking_number}" not in filled


def test_macros_in_both_languages_do_what_they_say():
    _seed()

    macros = Macro.objects.filter(is_active=True)
    for language in ("en", "ko"):
        assert macros.filter(language=language).count() >= 5
    assert macros.filter(set_status=TicketStatus.RESOLVED, category="late").count() == 2
    assert macros.filter(set_status=TicketStatus.PENDING_CUSTOMER, category="damaged").exists()
    assert macros.filter(set_priority=4, category="lost").count() == 2
    assert macros.filter(assign="pool", body="").count() == 2
    for macro in macros:
        assert unknown_placeholders(macro.body) == [], macro.name


def test_a_macro_applies_to_a_demo_ticket():
    _seed()
    agent = get_user_model().objects.get(username="agent")
    macro = Macro.objects.get(language="en", category="late", set_status=TicketStatus.RESOLVED)
    ticket = (
        Ticket.objects.filter(language="en", category="late", status=TicketStatus.OPEN).first()
        or Ticket.objects.filter(category="late", status=TicketStatus.OPEN).first()
    )

    moved = ticket_macro_apply(
        ticket=ticket,
        actor=agent,
        body=reply_text_fill(text=macro.body, ticket=ticket),
        set_status=macro.set_status,
        set_priority=macro.set_priority,
        assign=macro.assign,
    )

    assert moved.status == TicketStatus.RESOLVED


def test_saved_views_personal_and_shared_read_as_valid_queue_filters():
    _seed()

    views = SavedView.objects.select_related("owner")
    assert views.filter(owner__username="agent", is_shared=False).count() >= 3
    assert views.filter(is_shared=True).count() >= 4
    assert views.get(name="Breached, anyone").query == "assignee=anyone&sla=breached"
    assert views.get(name="Lost parcels").query == "assignee=anyone&category=lost"
    agents = [(u.pk, u.username) for u in get_user_model().objects.all()]
    carriers = list(Carrier.objects.values_list("pk", "name"))
    for view in views:
        form = filter_form_from_query(view.query, agents=agents, carriers=carriers)
        assert form.is_valid(), (view.name, form.errors)


def test_photos_are_attached_as_real_pngs():
    _seed()

    photos = Attachment.objects.filter(content_type="image/png")
    assert photos.count() >= 2
    for photo in photos:
        with photo.file.open("rb") as stored:
            data = stored.read()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) == photo.size
    ticket = photos.first().message.ticket
    assert ticket.status in OPEN_STATUSES


def test_a_second_run_a_week_later_adds_nothing_more():
    _seed()
    _a_week_passes()
    _seed()
    first = _row_counts()

    assert "Nothing was missing" in _seed()
    assert _row_counts() == first


def test_many_idle_starts_keep_finding_parcels_for_the_desk():
    _seed()
    users = {u.username: u for u in get_user_model().objects.all()}
    before = Ticket.objects.count()

    for _ in range(15):
        # As if the desk had gone idle before each start.
        live_tickets_ensure(users, timezone.now(), {"tickets": 1})

    assert Ticket.objects.count() - before == 15 * len(LIVE_BATCH)


def test_seeded_a_week_ago_then_today_adds_only_the_present():
    week = timedelta(days=7)
    demo.demo_seed(anchor=demo.demo_anchor() - week, now=timezone.now() - week)
    history = {
        label: count
        for label, count in _row_counts().items()
        if label in ("shipments.Shipment", "shipments.TrackingEvent", "feedback.Survey")
    }

    result = demo.demo_seed()

    # The month of history is found again by its natural keys; only the present is laid.
    assert {k for k, v in result.created.items() if v} <= {"tickets", "offers", "budgets"}
    assert result.created["tickets"] == len(LIVE_BATCH)
    assert {label: _row_counts()[label] for label in history} == history
    _worker_runs()
    _assert_every_home_count_is_there()


def test_the_around_the_clock_sla_policies_are_laid_once():
    _seed()
    policies = SlaPolicy.objects.filter(category__in=["lost", "damaged"], is_active=True)
    assert {p.working_days for p in policies} == {"1234567"}
    policies.update(is_active=False)

    _seed()

    assert not SlaPolicy.objects.filter(category__in=["lost", "damaged"], is_active=True).exists()
