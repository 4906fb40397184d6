"""Each database constraint refuses what it exists to refuse, and lets the valid case through.

The invariants live in the database so that they hold whatever code or race writes the row.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.compensation.models import Budget, OfferEvent, OfferStatus, Voucher
from apps.feedback.models import Survey, SurveyResponse
from apps.notifications.models import Notification, NotificationStatus
from apps.shipments.models import Customer, DelayReason, Shipment
from apps.tickets.models import MessageAuthor, TicketEvent, TicketEventKind, TicketStatus
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    MessageFactory,
    OfferFactory,
    ShipmentFactory,
    TicketFactory,
    TrackingEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _refused(constraint: str, *, table: str = "", columns: tuple[str, ...] = ()):
    """Expect an IntegrityError from `constraint`, so the right rule is the one refusing.

    Check constraints are named in the message on SQLite and PostgreSQL alike; for uniqueness
    PostgreSQL names the constraint (`<table>_<column>_key` for `unique=True`) and SQLite lists
    the columns. Each use sits beside `transaction.atomic()`: the failed statement rolls back to
    a savepoint and the test can go on using the connection.
    """
    names = [constraint]
    if columns:
        names.append(", ".join(f"{table}.{column}" for column in columns))
    return pytest.raises(IntegrityError, match="|".join(re.escape(name) for name in names))


def _refused_unique_field(table: str, column: str):
    return _refused(f"{table}_{column}_key", table=table, columns=(column,))


# --- Customer ---------------------------------------------------------------------------------


def test_customer_without_email_and_phone_is_refused():
    with _refused("customer_has_contact"), transaction.atomic():
        Customer.objects.create(name="No Contact", email="", phone="")


def test_customer_with_only_an_email_or_only_a_phone_is_accepted():
    Customer.objects.create(name="Email Only", email="a@example.com", phone="")
    Customer.objects.create(name="Phone Only", email="", phone="+821012345678")


# --- Shipment ---------------------------------------------------------------------------------


def test_shipment_duplicate_carrier_tracking_number_and_order_is_refused():
    first = ShipmentFactory()

    with (
        _refused(
            "shipment_unique_per_carrier_order",
            table="shipments_shipment",
            columns=("carrier_id", "tracking_number", "order_reference"),
        ),
        transaction.atomic(),
    ):
        ShipmentFactory(
            carrier=first.carrier,
            tracking_number=first.tracking_number,
            order_reference=first.order_reference,
        )


def test_shipment_recycled_tracking_number_for_another_order_is_accepted():
    # Carriers recycle tracking numbers: the order reference tells the two parcels apart.
    first = ShipmentFactory()

    ShipmentFactory(
        carrier=first.carrier, tracking_number=first.tracking_number, order_reference="ORD-OTHER"
    )

    assert Shipment.objects.filter(tracking_number=first.tracking_number).count() == 2


def test_shipment_promise_ending_before_it_starts_is_refused():
    start = timezone.now()

    with _refused("shipment_promise_window_ordered"), transaction.atomic():
        ShipmentFactory(promised_start=start, promised_end=start - timedelta(hours=1))


def test_shipment_promise_of_a_single_moment_is_accepted():
    start = timezone.now()

    ShipmentFactory(promised_start=start, promised_end=start)


def test_shipment_estimate_window_reversed_is_refused():
    start = timezone.now()

    with _refused("shipment_estimate_window_ordered"), transaction.atomic():
        ShipmentFactory(estimate_start=start, estimate_end=start - timedelta(days=1))


def test_shipment_estimate_window_ordered_or_open_is_accepted():
    start = timezone.now()

    ShipmentFactory(estimate_start=start, estimate_end=start + timedelta(days=1))
    ShipmentFactory(estimate_start=start, estimate_end=None)


def test_shipment_delayed_without_reason_is_refused():
    with _refused("shipment_delay_has_reason"), transaction.atomic():
        ShipmentFactory(is_delayed=True, delay_reason="", delay_detected_at=timezone.now())


def test_shipment_delayed_without_detection_time_is_refused():
    with _refused("shipment_delay_has_reason"), transaction.atomic():
        ShipmentFactory(is_delayed=True, delay_reason=DelayReason.CAPACITY, delay_detected_at=None)


def test_shipment_delayed_with_reason_and_detection_time_is_accepted():
    ShipmentFactory(
        is_delayed=True, delay_reason=DelayReason.CAPACITY, delay_detected_at=timezone.now()
    )


def test_shipment_negative_shipping_fee_is_refused():
    with _refused("shipment_money_not_negative"), transaction.atomic():
        ShipmentFactory(shipping_fee=Decimal("-1"))


def test_shipment_negative_order_value_is_refused():
    with _refused("shipment_money_not_negative"), transaction.atomic():
        ShipmentFactory(order_value=Decimal("-1"))


def test_shipment_free_shipping_is_accepted():
    ShipmentFactory(shipping_fee=Decimal("0"))


# --- TrackingEvent ----------------------------------------------------------------------------


def test_tracking_event_duplicate_carrier_event_id_is_refused():
    first = TrackingEventFactory(carrier_event_id="evt-42")

    with (
        _refused(
            "tracking_event_unique_per_carrier",
            table="shipments_trackingevent",
            columns=("carrier_id", "carrier_event_id"),
        ),
        transaction.atomic(),
    ):
        TrackingEventFactory(shipment=first.shipment, carrier_event_id="evt-42")


def test_tracking_event_same_id_at_another_carrier_is_accepted():
    TrackingEventFactory(carrier_event_id="evt-42", shipment__carrier=CarrierFactory(code="cj"))

    TrackingEventFactory(carrier_event_id="evt-42", shipment__carrier=CarrierFactory(code="hanjin"))


# --- Ticket -----------------------------------------------------------------------------------


def test_ticket_resolution_due_before_first_response_due_is_refused():
    now = timezone.now()

    with _refused("ticket_resolution_after_first_response"), transaction.atomic():
        TicketFactory(
            first_response_due_at=now + timedelta(hours=4),
            resolution_due_at=now + timedelta(hours=3),
        )


def test_ticket_resolved_without_resolved_at_is_refused():
    with _refused("ticket_resolved_has_time"), transaction.atomic():
        TicketFactory(status=TicketStatus.RESOLVED, resolved_at=None)


def test_ticket_closed_without_resolved_at_is_refused():
    with _refused("ticket_resolved_has_time"), transaction.atomic():
        TicketFactory(status=TicketStatus.CLOSED, resolved_at=None, closed_at=timezone.now())


def test_ticket_closed_without_closed_at_is_refused():
    with _refused("ticket_closed_has_time"), transaction.atomic():
        TicketFactory(status=TicketStatus.CLOSED, resolved_at=timezone.now(), closed_at=None)


def test_ticket_closed_with_both_times_is_accepted():
    now = timezone.now()

    TicketFactory(status=TicketStatus.CLOSED, resolved_at=now, closed_at=now)


def test_ticket_duplicate_token_hash_is_refused():
    first = TicketFactory()

    with _refused_unique_field("tickets_ticket", "token_hash"), transaction.atomic():
        TicketFactory(token_hash=first.token_hash)


def test_ticket_duplicate_reference_is_refused():
    first = TicketFactory()

    with _refused_unique_field("tickets_ticket", "reference"), transaction.atomic():
        TicketFactory(reference=first.reference, token_hash="0" * 64)


# --- Message ----------------------------------------------------------------------------------


def test_message_from_customer_marked_internal_is_refused():
    with _refused("message_customer_never_internal"), transaction.atomic():
        MessageFactory(author_kind=MessageAuthor.CUSTOMER, is_internal=True)


def test_message_from_agent_without_author_is_refused():
    with _refused("message_agent_has_author"), transaction.atomic():
        MessageFactory(author_kind=MessageAuthor.AGENT, author=None)


def test_message_with_empty_body_is_refused():
    with _refused("message_body_not_empty"), transaction.atomic():
        MessageFactory(body="")


def test_message_internal_note_by_an_agent_is_accepted(agent):
    MessageFactory(author_kind=MessageAuthor.AGENT, author=agent, is_internal=True)


# --- Budget -----------------------------------------------------------------------------------


def test_budget_reserved_plus_spent_beyond_amount_is_refused():
    with _refused("budget_never_exceeded"), transaction.atomic():
        BudgetFactory(amount=Decimal("1000"), reserved=Decimal("600"), spent=Decimal("401"))


def test_budget_reserved_plus_spent_up_to_amount_is_accepted():
    BudgetFactory(amount=Decimal("1000"), reserved=Decimal("600"), spent=Decimal("400"))


def test_budget_conditional_reservation_beyond_amount_is_refused():
    # Given a budget with 100 left
    budget = BudgetFactory(amount=Decimal("1000"), reserved=Decimal("900"))

    # When a reservation of 101 is made as an atomic F() update (no read-check-save)
    with _refused("budget_never_exceeded"), transaction.atomic():
        Budget.objects.filter(pk=budget.pk).update(reserved=F("reserved") + Decimal("101"))

    # Then the database refused it and nothing changed
    budget.refresh_from_db()
    assert budget.reserved == Decimal("900")


def test_budget_conditional_reservation_within_amount_is_accepted():
    budget = BudgetFactory(amount=Decimal("1000"), reserved=Decimal("900"))

    Budget.objects.filter(pk=budget.pk).update(reserved=F("reserved") + Decimal("100"))

    budget.refresh_from_db()
    assert budget.reserved == Decimal("1000")


def test_budget_second_general_budget_for_a_period_is_refused():
    first = BudgetFactory()

    with (
        _refused(
            "budget_one_general_per_period",
            table="compensation_budget",
            columns=("period_start", "currency"),
        ),
        transaction.atomic(),
    ):
        BudgetFactory(period_start=first.period_start, currency=first.currency, carrier=None)


def test_budget_per_carrier_beside_the_general_one_is_accepted():
    first = BudgetFactory()

    BudgetFactory(period_start=first.period_start, carrier=CarrierFactory())


def test_budget_second_for_the_same_carrier_and_period_is_refused():
    carrier = CarrierFactory()
    first = BudgetFactory(carrier=carrier)

    with (
        _refused(
            "budget_one_per_carrier_per_period",
            table="compensation_budget",
            columns=("period_start", "currency", "carrier_id"),
        ),
        transaction.atomic(),
    ):
        BudgetFactory(period_start=first.period_start, carrier=carrier)


# --- Offer ------------------------------------------------------------------------------------


def test_offer_second_live_offer_for_the_same_promise_is_refused():
    first = OfferFactory()

    with (
        _refused(
            "offer_one_live_per_promise",
            table="compensation_offer",
            columns=("shipment_id", "stacking_group"),
        ),
        transaction.atomic(),
    ):
        OfferFactory(shipment=first.shipment, stacking_group=first.stacking_group)


def test_offer_new_live_offer_after_a_rejected_one_is_accepted(manager):
    rejected = OfferFactory(
        status=OfferStatus.REJECTED, decided_by=manager, decided_at=timezone.now()
    )

    OfferFactory(shipment=rejected.shipment, stacking_group=rejected.stacking_group)


def test_offer_in_another_stacking_group_is_accepted():
    first = OfferFactory(stacking_group="delay")

    OfferFactory(shipment=first.shipment, stacking_group="damage")


def test_offer_decided_by_its_proposer_is_refused(agent):
    with _refused("offer_no_self_approval"), transaction.atomic():
        OfferFactory(
            proposed_by=agent,
            manual_reason="Customer missed a wedding",
            decided_by=agent,
            status=OfferStatus.APPROVED,
            decided_at=timezone.now(),
        )


def test_offer_decided_by_someone_else_or_proposed_by_the_engine_is_accepted(agent):
    # A plain second user, not the `manager` fixture: conftest's role fixtures together trip zeal.
    manager = UserFactory(username="erin")

    OfferFactory(
        proposed_by=agent,
        manual_reason="Customer missed a wedding",
        decided_by=manager,
        status=OfferStatus.APPROVED,
    )
    OfferFactory(proposed_by=None, decided_by=manager, status=OfferStatus.APPROVED)


def test_offer_manual_without_reason_is_refused(agent):
    with _refused("offer_manual_has_reason"), transaction.atomic():
        OfferFactory(proposed_by=agent, manual_reason="")


def test_offer_negative_amount_is_refused():
    with _refused("offer_amount_not_negative"), transaction.atomic():
        OfferFactory(amount=Decimal("-1"))


# --- Voucher ----------------------------------------------------------------------------------


def test_voucher_second_for_the_same_offer_is_refused():
    offer = OfferFactory(status=OfferStatus.ISSUED)
    Voucher.objects.create(offer=offer, code="CODE-ONE")

    with _refused_unique_field("compensation_voucher", "offer_id"), transaction.atomic():
        Voucher.objects.create(offer=offer, code="CODE-TWO")


def test_voucher_duplicate_code_is_refused():
    Voucher.objects.create(offer=OfferFactory(), code="SAME-CODE")

    with _refused_unique_field("compensation_voucher", "code"), transaction.atomic():
        Voucher.objects.create(offer=OfferFactory(), code="SAME-CODE")


# --- Survey -----------------------------------------------------------------------------------


def _survey(ticket, nonce="nonce-1"):
    now = timezone.now()
    return Survey.objects.create(
        ticket=ticket, nonce=nonce, scheduled_for=now, expires_at=now + timedelta(days=14)
    )


def test_survey_second_for_the_same_ticket_is_refused():
    ticket = TicketFactory()
    _survey(ticket)

    with _refused_unique_field("feedback_survey", "ticket_id"), transaction.atomic():
        _survey(ticket, nonce="nonce-2")


@pytest.mark.parametrize(
    ("csat", "nps", "constraint"),
    [(0, None, "response_csat_1_5"), (6, None, "response_csat_1_5"), (3, 11, "response_nps_0_10")],
    ids=["csat-0", "csat-6", "nps-11"],
)
def test_survey_response_score_out_of_range_is_refused(csat, nps, constraint):
    survey = _survey(TicketFactory())

    with _refused(constraint), transaction.atomic():
        SurveyResponse.objects.create(survey=survey, csat=csat, nps=nps)


@pytest.mark.parametrize(
    ("csat", "nps"), [(1, 0), (5, 10), (3, None)], ids=["lowest", "highest", "no-nps"]
)
def test_survey_response_score_in_range_is_accepted(csat, nps):
    SurveyResponse.objects.create(survey=_survey(TicketFactory()), csat=csat, nps=nps)


# --- Notification -----------------------------------------------------------------------------


def _notification(**fields):
    values = {
        "channel": "email",
        "recipient": "minji@example.com",
        "stage": "delayed",
        "subject_type": "shipment",
        "subject_id": 1,
        "dedupe_key": "shipment:1:delayed:email",
        "body": "Your parcel is late.",
    }
    values.update(fields)
    return Notification.objects.create(**values)


def test_notification_duplicate_dedupe_key_is_refused():
    _notification()

    with (
        _refused(
            "notification_tell_once", table="notifications_notification", columns=("dedupe_key",)
        ),
        transaction.atomic(),
    ):
        _notification()


def test_notification_sent_without_sent_at_is_refused():
    with _refused("notification_sent_has_time"), transaction.atomic():
        _notification(status=NotificationStatus.SENT, sent_at=None)


def test_notification_sent_with_sent_at_is_accepted():
    _notification(status=NotificationStatus.SENT, sent_at=timezone.now())


# --- Audit trails -----------------------------------------------------------------------------


def test_ticket_event_cannot_be_rewritten():
    event = TicketEvent.objects.create(ticket=TicketFactory(), kind=TicketEventKind.CREATED)
    event.note = "rewritten history"

    with pytest.raises(ValueError, match="append-only"):
        event.save()

    event.refresh_from_db()
    assert event.note == ""


def test_offer_event_cannot_be_rewritten():
    event = OfferEvent.objects.create(offer=OfferFactory(), to_status=OfferStatus.PROPOSED)
    event.to_status = OfferStatus.APPROVED

    with pytest.raises(ValueError, match="append-only"):
        event.save()

    event.refresh_from_db()
    assert event.to_status == OfferStatus.PROPOSED
