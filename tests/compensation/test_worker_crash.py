"""kill -9 of the task worker while vouchers are being issued: each approved offer ends issued
with exactly one voucher and one message per channel.

A real `manage.py qcluster` runs against the test database (the harness of
tests/notifications/test_worker_crash.py). Each offer is issued in its own transaction — voucher,
budget, ticket and outbox row commit together or not at all — so what the dead worker was doing
rolls back; the ORM broker delivers its task again once the lock expires (Q_RETRY), and the
re-run skips every offer already issued.
"""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone
from django_q.models import OrmQ
from django_q.tasks import async_task

from apps.compensation.models import Budget, Offer, OfferStatus, Voucher
from apps.notifications.models import Notification
from apps.tickets.models import Ticket
from tests.compensation.test_services import late_shipment, wide_budget
from tests.factories import OfferFactory, TicketFactory
from tests.notifications.test_worker_crash import _kill, _start_cluster, _wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OFFERS = 200
PER_TASK = 5


def _issued() -> int:
    return Voucher.objects.count()


def test_a_killed_worker_issues_every_offer_once(tmp_path):
    # Given: 200 approved offers (half on a customer's ticket, half to get a proactive one),
    # their money reserved, their issue tasks waiting in the broker.
    amount = Decimal("1000")
    budget = wide_budget(amount=amount * OFFERS, reserved=amount * OFFERS)
    now = timezone.now()
    ids = []
    for n in range(OFFERS):
        shipment = late_shipment()
        ticket = TicketFactory(shipment=shipment, customer=shipment.customer) if n % 2 else None
        ids.append(
            OfferFactory(
                shipment=shipment,
                ticket=ticket,
                budget=budget,
                amount=amount,
                reserved=amount,
                status=OfferStatus.APPROVED,
                decided_at=now - timedelta(minutes=1),
            ).pk
        )
    for start in range(0, OFFERS, PER_TASK):
        async_task(
            "apps.compensation.tasks.issue_offers", ids[start : start + PER_TASK], sync=False
        )
    gateway, log = tmp_path / "gateway.txt", tmp_path / "qcluster.log"
    first = second = None
    try:
        # When: a cluster starts issuing and is killed with -9 part way...
        first = _start_cluster(gateway, log)
        _wait_for(lambda: _issued() >= 20, timeout=60, what="the first vouchers", log=log)
        _kill(first)
        at_kill = _issued()
        assert at_kill < OFFERS, "the kill came too late to test anything"

        # ...and a fresh cluster takes over.
        second = _start_cluster(gateway, log)
        _wait_for(
            lambda: not Offer.objects.filter(status=OfferStatus.APPROVED).exists(),
            timeout=120,
            what="every offer to be issued",
            log=log,
        )
        _wait_for(lambda: not OrmQ.objects.exists(), timeout=60, what="the queue to drain", log=log)
    finally:
        for cluster in (first, second):
            if cluster is not None:
                _kill(cluster)

    # Then: every offer issued once, with one voucher, one message, one ticket.
    assert Counter(Offer.objects.values_list("status", flat=True)) == {OfferStatus.ISSUED: OFFERS}
    assert Voucher.objects.count() == OFFERS
    assert set(Voucher.objects.values_list("offer_id", flat=True)) == set(ids)
    messages = Counter(
        Notification.objects.filter(subject_type="offer", stage="offer_issued").values_list(
            "subject_id", "channel"
        )
    )
    assert set(messages) == {(pk, "email") for pk in ids}
    assert set(messages.values()) == {1}
    per_shipment = Ticket.objects.values("shipment").annotate(n=Count("id"))
    assert {row["n"] for row in per_shipment} == {1}
    assert Ticket.objects.count() == OFFERS
    budget = Budget.objects.get()
    assert (budget.reserved, budget.spent) == (Decimal("0"), amount * OFFERS)
    assert Offer.objects.filter(ticket__isnull=True).count() == 0
