"""The agent's screens at /desk/: find a parcel, read its story, resolve unmatched events, and see
which messages to the customer failed or are being retried."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import Notification, NotificationStatus
from apps.shipments.models import (
    DelayReason,
    EstimateRevision,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from tests.factories import CarrierFactory, CustomerFactory, ShipmentFactory, TrackingEventFactory


def _url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _listed(response) -> set:
    return set(response.context["cl"].result_list)


def _readonly_value(html: str, label: str) -> str:
    """The text of a read-only field on a change page, found by its label."""
    match = re.search(
        rf"<label>{re.escape(label)}:</label>\s*<div class=\"readonly\">(.*?)</div>",
        html,
        re.DOTALL,
    )
    assert match, f"no read-only field labelled {label!r}"
    return match.group(1).strip()


def _notification(shipment, stage, channel="email", recipient="", **fields):
    contact = shipment.customer.email if channel == "email" else shipment.customer.phone
    return Notification.objects.create(
        channel=channel,
        recipient=recipient or contact,
        stage=stage,
        subject_type="shipment",
        subject_id=shipment.pk,
        dedupe_key=f"shipment:{shipment.pk}:{stage}:{channel}",
        **fields,
    )


# --- Shipment list ------------------------------------------------------------------------------


def test_shipment_list_filters_by_carrier_status_and_delay_reason(client, agent):
    now = timezone.now()
    cj, hanjin = CarrierFactory(code="cj"), CarrierFactory(code="hanjin")
    late_at_cj = ShipmentFactory(
        carrier=cj,
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=now,
    )
    ShipmentFactory(
        carrier=cj, is_delayed=True, delay_reason=DelayReason.WEATHER, delay_detected_at=now
    )
    ShipmentFactory(carrier=cj)
    late_at_hanjin = ShipmentFactory(
        carrier=hanjin,
        status=ShipmentStatus.EXCEPTION,
        is_delayed=True,
        delay_reason=DelayReason.CAPACITY,
        delay_detected_at=now,
    )
    client.force_login(agent)
    changelist = _url(Shipment, "changelist")

    by_reason = client.get(changelist, {"is_delayed__exact": "1", "delay_reason": "capacity"})
    at_cj = client.get(changelist, {"carrier__id__exact": cj.pk, "delay_reason": "capacity"})
    in_trouble = client.get(changelist, {"status": ShipmentStatus.EXCEPTION})

    assert _listed(by_reason) == {late_at_cj, late_at_hanjin}
    assert _listed(at_cj) == {late_at_cj}
    assert _listed(in_trouble) == {late_at_hanjin}


def test_shipment_list_shows_the_delay_reason_beside_the_flag(client, agent):
    ShipmentFactory(
        is_delayed=True, delay_reason=DelayReason.CUSTOMS, delay_detected_at=timezone.now()
    )
    client.force_login(agent)

    response = client.get(_url(Shipment, "changelist"))

    assert "Held at customs" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "term"),
    [
        ("order", "ORD-77"),
        ("email", "JIHO.PARK@example.com"),
        ("phone", "+821055512345"),
        ("name", "Park Jiho"),
        ("tracking number", "6012345678"),
        ("tracking number as read out", "6012-3456 78"),
    ],
)
def test_shipment_search_finds_the_parcel_by(client, agent, field, term):
    jiho = CustomerFactory(name="Park Jiho", email="jiho.park@example.com", phone="+821055512345")
    wanted = ShipmentFactory(customer=jiho, tracking_number="6012345678", order_reference="ORD-77")
    ShipmentFactory.create_batch(3)
    client.force_login(agent)

    response = client.get(_url(Shipment, "changelist"), {"q": term})

    assert _listed(response) == {wanted}


def test_shipment_list_links_to_the_unmatched_events(client, agent):
    carrier = CarrierFactory()
    TrackingEventFactory.create_batch(2, shipment=None, carrier=carrier, tracking_number="LOST1")
    TrackingEventFactory()
    client.force_login(agent)

    html = client.get(_url(Shipment, "changelist")).content.decode()

    assert f'href="{_url(TrackingEvent, "changelist")}?matched=no"' in html
    assert "2 unmatched tracking events" in html


# --- Shipment page ------------------------------------------------------------------------------


@pytest.fixture
def late_parcel(db):
    """A parcel misrouted at the carrier, a day and a bit late, with a short history."""
    now = timezone.now()
    shipment = ShipmentFactory(
        tracking_number="6099000011",
        is_delayed=True,
        delay_reason=DelayReason.RETAILER,
        delay_detected_at=now - timedelta(hours=30),
        delay_hours=31,
        delay_business_days=2,
    )
    TrackingEventFactory(
        shipment=shipment,
        raw_status="집화처리",
        status=ShipmentStatus.IN_TRANSIT,
        location="Seoul hub",
        message="Picked up from the shop",
        occurred_at=now - timedelta(hours=50),
    )
    TrackingEventFactory(
        shipment=shipment,
        raw_status="배송출발",
        status=ShipmentStatus.OUT_FOR_DELIVERY,
        location="Gangnam branch",
        message="Out with the driver",
        occurred_at=now - timedelta(hours=2),
    )
    # Reached us last, happened in between: the timeline goes by when it happened.
    TrackingEventFactory(
        shipment=shipment,
        raw_status="간선하차",
        status=ShipmentStatus.IN_TRANSIT,
        location="Daejeon sorting centre",
        message="Unloaded at the sorting centre",
        occurred_at=now - timedelta(hours=20),
        received_at=now,
    )
    EstimateRevision.objects.create(
        shipment=shipment,
        estimate_start=now,
        estimate_end=now + timedelta(days=2),
        source=EstimateRevision.Source.PREDICTION,
        reason="Backlog at the Daejeon hub",
    )
    return shipment


def test_shipment_page_shows_the_timeline_newest_first_by_occurrence(client, agent, late_parcel):
    client.force_login(agent)

    html = client.get(_url(Shipment, "change", late_parcel.pk)).content.decode()

    assert "Tracking timeline" in html
    newest, middle, oldest = (
        html.index("Out with the driver"),
        html.index("Unloaded at the sorting centre"),
        html.index("Picked up from the shop"),
    )
    assert newest < middle < oldest
    # The carrier's words and ours, where it was, and when it reached us.
    for text in ("배송출발", "Out for delivery", "Gangnam branch", "Received at"):
        assert text in html


def test_shipment_page_shows_the_estimate_history(client, agent, late_parcel):
    client.force_login(agent)

    html = client.get(_url(Shipment, "change", late_parcel.pk)).content.decode()

    assert "Estimate history" in html
    assert "Our prediction" in html
    assert "Backlog at the Daejeon hub" in html


def test_shipment_page_shows_the_delay_facts(client, agent, late_parcel):
    client.force_login(agent)

    html = client.get(_url(Shipment, "change", late_parcel.pk)).content.decode()

    assert _readonly_value(html, "Delay reason") == "Late dispatch by the shop"
    assert _readonly_value(html, "Fault") == "Retailer"
    assert _readonly_value(html, "Delay hours") == "31"
    assert _readonly_value(html, "Delay business days") == "2"
    assert _readonly_value(html, "Delay detected at") != "-"


def test_shipment_page_shows_failed_and_retried_notifications(client, agent, late_parcel):
    now = timezone.now()
    _notification(late_parcel, "dispatched", status=NotificationStatus.SENT, sent_at=now)
    _notification(
        late_parcel,
        "delayed",
        channel="sms",
        status=NotificationStatus.FAILED,
        attempts=5,
        last_error="GatewayTimeout: the SMS gateway did not answer",
    )
    _notification(
        late_parcel,
        "out_for_delivery",
        attempts=2,
        next_attempt_at=now + timedelta(minutes=5),
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    other = ShipmentFactory()
    _notification(other, "delayed", recipient="someone.else@example.com")
    client.force_login(agent)

    html = client.get(_url(Shipment, "change", late_parcel.pk)).content.decode()

    table = _readonly_value(html, "Messages to the customer")
    assert table.count("<tr>") == 4  # the header and this parcel's three messages
    assert "GatewayTimeout: the SMS gateway did not answer" in table
    assert "SMTPServerDisconnected" in table
    assert "Failed" in table and "Retrying" in table and "Sent" in table
    assert late_parcel.customer.phone in table
    assert "someone.else@example.com" not in html


def test_shipment_page_says_when_nothing_was_sent_yet(client, agent, late_parcel):
    client.force_login(agent)

    html = client.get(_url(Shipment, "change", late_parcel.pk)).content.decode()

    assert _readonly_value(html, "Messages to the customer") == "None yet."


def test_shipment_page_links_to_unmatched_events_with_its_number(client, agent, late_parcel):
    TrackingEventFactory.create_batch(
        2, shipment=None, carrier=late_parcel.carrier, tracking_number=late_parcel.tracking_number
    )
    TrackingEventFactory(shipment=None, carrier=CarrierFactory(), tracking_number="6099000011")
    client.force_login(agent)

    html = client.get(_url(Shipment, "change", late_parcel.pk)).content.decode()

    link = _readonly_value(html, "Unmatched events with this number")
    assert "2 events to attach" in link
    assert f"carrier__id__exact={late_parcel.carrier_id}" in link


@pytest.mark.parametrize("rows", [5, 200])
def test_shipment_page_query_count_does_not_grow_with_history(
    client, agent, rows, django_assert_max_num_queries
):
    shipment = ShipmentFactory()
    now = timezone.now()
    TrackingEvent.objects.bulk_create(
        TrackingEvent(
            shipment=shipment,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            carrier_event_id=f"evt-{index}",
            raw_status="InTransit",
            status=ShipmentStatus.IN_TRANSIT,
            occurred_at=now - timedelta(minutes=index),
        )
        for index in range(rows)
    )
    EstimateRevision.objects.bulk_create(
        EstimateRevision(
            shipment=shipment,
            estimate_start=now,
            estimate_end=now + timedelta(days=1),
            source=EstimateRevision.Source.CARRIER,
        )
        for _ in range(rows)
    )
    Notification.objects.bulk_create(
        Notification(
            channel="email",
            recipient=shipment.customer.email,
            stage="estimate_revised",
            subject_type="shipment",
            subject_id=shipment.pk,
            dedupe_key=f"shipment:{shipment.pk}:estimate_revised:email:{index}",
            status=NotificationStatus.FAILED,
            attempts=5,
            last_error="GatewayTimeout",
        )
        for index in range(rows)
    )
    client.force_login(agent)

    # Expect 10 queries: session, user, the shipment joined to carrier and customer, user
    # permissions, group permissions, the newest events, the newest estimate revisions, the
    # content type for the history link (cached after the first page), the count of unmatched
    # events with this number, and the notifications.
    with django_assert_max_num_queries(10):
        response = client.get(_url(Shipment, "change", shipment.pk))

    assert response.status_code == 200


# --- Unmatched events ---------------------------------------------------------------------------


def test_event_list_shows_only_unmatched_events_when_asked(client, agent):
    matched = TrackingEventFactory()
    unmatched = TrackingEventFactory(shipment=None, carrier=matched.carrier, tracking_number="X1")
    client.force_login(agent)

    response = client.get(_url(TrackingEvent, "changelist"), {"matched": "no"})

    assert _listed(response) == {unmatched}


@pytest.mark.parametrize("rows", [3, 30])
def test_event_list_query_count_does_not_grow_with_rows(
    client, agent, rows, django_assert_max_num_queries
):
    carrier = CarrierFactory()
    TrackingEventFactory.create_batch(rows, shipment__carrier=carrier)
    TrackingEventFactory.create_batch(rows, shipment=None, carrier=carrier, tracking_number="X")
    client.force_login(agent)

    # Expect 10 queries: session, user, user permissions, group permissions, carrier filter
    # choices, filtered count, full count, the events page joined to carrier and shipment with
    # its carrier, and the date hierarchy's range and dates.
    with django_assert_max_num_queries(10):
        response = client.get(_url(TrackingEvent, "changelist"))

    assert response.context["cl"].result_count == 2 * rows


@pytest.fixture
def resolver(agent):
    """An agent who may also attach events (agents have the capability; granted here by hand)."""
    agent.user_permissions.add(
        Permission.objects.get(content_type__app_label="shipments", codename="attach_trackingevent")
    )
    return agent


def _attach(client, events):
    return client.post(
        _url(TrackingEvent, "changelist") + "?matched=no",
        {
            "action": "attach_to_shipment",
            "_selected_action": [event.pk for event in events],
            "index": "0",
            "select_across": "0",
        },
        follow=True,
    )


def test_attaching_gives_events_to_the_shipment_and_updates_its_status(client, resolver):
    # Given a parcel whose first scans came in before the shop told us about it...
    now = timezone.now()
    shipment = ShipmentFactory(status=ShipmentStatus.INFO_RECEIVED, tracking_number="EARLY1")
    early = [
        TrackingEventFactory(
            shipment=None,
            carrier=shipment.carrier,
            tracking_number="EARLY1",
            raw_status=raw,
            status=status,
            occurred_at=now - timedelta(hours=hours),
        )
        for raw, status, hours in (
            ("집화처리", ShipmentStatus.IN_TRANSIT, 5),
            ("배송출발", ShipmentStatus.OUT_FOR_DELIVERY, 1),
        )
    ]
    # ...and an event for a number nobody knows yet, selected with them.
    stray = TrackingEventFactory(shipment=None, carrier=shipment.carrier, tracking_number="NOPE")
    client.force_login(resolver)

    response = _attach(client, [*early, stray])

    assert response.status_code == 200
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert set(shipment.events.all()) == set(early)
    stray.refresh_from_db()
    assert stray.shipment_id is None
    notices = [str(message) for message in get_messages(response.wsgi_request)]
    assert notices == [
        "2 events attached to 1 shipment. "
        "1 selected event still has no shipment with its tracking number."
    ]
    # The customer hears of the stages those scans complete, as for any new scan.
    assert Notification.objects.filter(
        subject_type="shipment", subject_id=shipment.pk, stage="out_for_delivery"
    ).exists()


def test_attaching_only_matched_events_changes_nothing(client, resolver):
    event = TrackingEventFactory()
    client.force_login(resolver)

    response = _attach(client, [event])

    assert response.status_code == 200
    notices = [str(message) for message in get_messages(response.wsgi_request)]
    assert notices == ["None of the selected events is unmatched."]


def test_staff_without_the_attach_capability_cannot_attach(client, stranger):
    stranger.user_permissions.add(
        Permission.objects.get(content_type__app_label="shipments", codename="view_trackingevent")
    )
    shipment = ShipmentFactory(tracking_number="EARLY2")
    event = TrackingEventFactory(shipment=None, carrier=shipment.carrier, tracking_number="EARLY2")
    client.force_login(stranger)

    page = client.get(_url(TrackingEvent, "changelist"))
    response = _attach(client, [event])

    assert page.context["action_form"] is None
    assert "attach_to_shipment" not in page.content.decode()
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.shipment_id is None


# --- Notifications: failures and retries visible -------------------------------------------------


def test_failed_and_retrying_filter_shows_only_messages_in_trouble(client, agent):
    shipment = ShipmentFactory()
    now = timezone.now()
    _notification(shipment, "dispatched", status=NotificationStatus.SENT, sent_at=now)
    _notification(shipment, "delayed")
    retrying = _notification(
        shipment, "out_for_delivery", attempts=1, last_error="SMTPServerDisconnected"
    )
    failed = _notification(
        shipment, "delivered", status=NotificationStatus.FAILED, attempts=5, last_error="Timeout"
    )
    _notification(shipment, "exception", status=NotificationStatus.SUPPRESSED)
    client.force_login(agent)
    changelist = _url(Notification, "changelist")

    in_trouble = client.get(changelist, {"trouble": "any"})
    for_good = client.get(changelist, {"trouble": "failed"})
    still_trying = client.get(changelist, {"trouble": "retrying"})

    assert _listed(in_trouble) == {retrying, failed}
    assert _listed(for_good) == {failed}
    assert _listed(still_trying) == {retrying}
    html = in_trouble.content.decode()
    assert "Failed and retrying" in html
    assert "SMTPServerDisconnected" in html and "Retrying" in html


def test_notification_search_finds_by_recipient_and_dedupe_key(client, agent):
    shipment, other = ShipmentFactory(), ShipmentFactory()
    wanted = _notification(shipment, "delayed")
    _notification(other, "delayed")
    client.force_login(agent)
    changelist = _url(Notification, "changelist")

    by_recipient = client.get(changelist, {"q": shipment.customer.email})
    by_key = client.get(changelist, {"q": wanted.dedupe_key})

    assert _listed(by_recipient) == _listed(by_key) == {wanted}


@pytest.mark.parametrize("rows", [3, 30])
def test_notification_list_query_count_does_not_grow_with_rows(
    client, agent, rows, django_assert_max_num_queries
):
    shipment = ShipmentFactory()
    for index in range(rows):
        _notification(shipment, f"stage{index}", attempts=index % 3, last_error="Timeout")
    client.force_login(agent)

    # Expect 10 queries: session, user, user permissions, group permissions, filtered count,
    # full count, the notifications page, the date hierarchy's range and dates, and the stage
    # filter's choices.
    with django_assert_max_num_queries(10):
        response = client.get(_url(Notification, "changelist"))

    assert response.context["cl"].result_count == rows
