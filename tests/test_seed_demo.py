"""`manage.py seed_demo`: deterministic, idempotent demo data that meets the issue's minimums."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, OuterRef, Q, Subquery, Sum

from apps.accounts.roles import AGENTS, MANAGERS
from apps.compensation.models import Budget, CompensationRule, Offer, OfferStatus, Preset
from apps.demo import seed as demo
from apps.feedback.models import SurveyResponse
from apps.shipments.models import Carrier, Customer, Shipment, TrackingEvent
from apps.shipments.watch import delays_sweep
from apps.tickets.models import Ticket, TicketEvent, TicketEventKind, TicketStatus

pytestmark = pytest.mark.django_db

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
