"""Writes carriers, customers, shipments and their tracking histories, folded in as they
arrived, and a few events for tracking numbers nobody knows."""

import base64
import random
import secrets
from datetime import timedelta

from django.db.models import Q

from apps.shipments.models import (
    Carrier,
    Customer,
    EstimateRevision,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from apps.shipments.services import delay_mark, delay_measure, history_apply

from .plan.clock import SEED, Clock
from .plan.records import EventPlan, ShipmentPlan
from .texts.carriers import CARRIERS, vocabulary


def carriers_ensure(created: dict) -> dict:
    carriers = {}
    for code, name, country, template, stale_hours in CARRIERS:
        carrier, was_created = Carrier.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "country": country,
                "tracking_url_template": template,
                "stale_after_hours": stale_hours,
            },
        )
        if not carrier.webhook_secret:
            # Standard Webhooks form, random on purpose: no two installations share a secret.
            carrier.webhook_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
            carrier.save(update_fields=["webhook_secret", "updated_at"])
        created["carriers"] += was_created
        carriers[code] = carrier
    return carriers


def customers_ensure(plans: list, created: dict) -> dict:
    """CustomerPlan → Customer, found by (name, email, phone)."""
    emails = [pl.email for pl in plans if pl.email]
    phones = [pl.phone for pl in plans if not pl.email]
    found = {}
    for row in Customer.objects.filter(Q(email__in=emails) | Q(email="", phone__in=phones)):
        found.setdefault((row.name, row.email, row.phone), row)
    result, fresh = {}, []
    for plan in plans:
        row = found.get((plan.name, plan.email, plan.phone))
        if row is None:
            row = Customer(
                name=plan.name,
                email=plan.email,
                phone=plan.phone,
                language=plan.language,
                time_zone=plan.time_zone,
                channel=plan.channel,
                created_at=plan.since,
            )
            fresh.append(row)
        result[plan] = row
    Customer.objects.bulk_create(fresh, batch_size=500)
    created["customers"] += len(fresh)
    return result


def shipments_ensure(plans, carriers, customers, clock, created) -> dict:
    """ShipmentPlan → Shipment. A new shipment comes with its whole tracking history."""
    existing = {
        (row.carrier_id, row.tracking_number, row.order_reference): row
        for row in Shipment.objects.select_related("carrier").filter(
            order_reference__in=[pl.order_reference for pl in plans]
        )
    }
    rng = random.Random(f"{SEED}-event-ids")  # noqa: S311 - demo data, not secrets
    taken: dict[str, set] = {code: set() for code in carriers}
    result, fresh, events, revisions = {}, [], [], []
    for plan in plans:
        carrier = carriers[plan.carrier]
        # Drawn for every plan, new or not, so each parcel keeps its event ids.
        ids = [_event_id(rng, plan.carrier, taken[plan.carrier]) for _ in plan.events]
        row = existing.get((carrier.pk, plan.tracking_number, plan.order_reference))
        if row is not None:
            result[plan] = row
            continue
        shipment = Shipment(
            carrier=carrier,
            tracking_number=plan.tracking_number,
            order_reference=plan.order_reference,
            customer=customers[plan.customer],
            service_level=plan.service_level,
            destination_city=plan.city,
            destination_postal_code=plan.postal_code,
            destination_country=plan.country,
            destination_time_zone=plan.time_zone,
            shipping_fee=plan.fee,
            order_value=plan.order_value,
            promise_type=plan.promise_type,
            promised_start=plan.promised_start,
            promised_end=plan.promised_end,
            created_at=plan.ordered_at,
        )
        rows = [
            _event_row(carrier, shipment, plan, event, event_id)
            for event, event_id in zip(plan.events, ids, strict=True)
        ]
        _history_fold(shipment, rows, plan.marks, clock, revisions)
        fresh.append(shipment)
        events += rows
        result[plan] = shipment
    Shipment.objects.bulk_create(fresh, batch_size=500)
    TrackingEvent.objects.bulk_create(events, batch_size=1000)
    EstimateRevision.objects.bulk_create(revisions, batch_size=1000)
    created["shipments"] += len(fresh)
    created["tracking events"] += len(events)
    return result


def _event_id(rng: random.Random, carrier: str, taken: set) -> str:
    while True:
        event_id = (
            f"evt_{rng.getrandbits(64):016x}"
            if carrier == "dhl"
            else str(rng.randrange(10**13, 10**14))
        )
        if event_id not in taken:
            taken.add(event_id)
            return event_id


def _event_row(
    carrier, shipment, plan: ShipmentPlan, event: EventPlan, event_id: str
) -> TrackingEvent:
    raw_status, raw_substatus, status, message = vocabulary(plan.carrier, event.stage, event.reason)
    # Scans reach us one to nine minutes after they happen.
    received = event.at + timedelta(minutes=1 + int(event_id[-6:], 16) % 9)
    return TrackingEvent(
        carrier=carrier,
        shipment=shipment,
        tracking_number=plan.tracking_number,
        carrier_event_id=event_id,
        raw_status=raw_status,
        raw_substatus=raw_substatus,
        status=status,
        delay_reason=event.reason,
        message=(event.message or message)[:300],
        location=event.location,
        occurred_at=event.at,
        received_at=received,
        estimate_start=event.estimate[0] if event.estimate else None,
        estimate_end=event.estimate[1] if event.estimate else None,
        payload={"source": "demo", "tag": raw_status, "subtag": raw_substatus},
    )


def _history_fold(shipment, events, marks, clock, revisions) -> None:
    """Replay the history as it happened: each event folded in when it arrived, and the promise
    watch (or an agent) flagging a delay at its moment, so the shipment ends where live data
    would. At pickup the carrier's estimate is the promised window."""
    timeline = sorted(
        [(event.received_at, 0, event) for event in events]
        + [(mark.at, 1, mark) for mark in marks],
        key=lambda entry: entry[:2],
    )
    for moment, is_mark, item in timeline:
        if is_mark:
            flagged = not shipment.is_final and delay_mark(
                shipment=shipment, reason=item.reason, now=moment
            )
            if flagged and item.prediction:
                shipment.estimate_start, shipment.estimate_end = item.prediction
                shipment.estimate_source = EstimateRevision.Source.PREDICTION
                revisions.append(
                    EstimateRevision(
                        shipment=shipment,
                        estimate_start=item.prediction[0],
                        estimate_end=item.prediction[1],
                        source=EstimateRevision.Source.PREDICTION,
                        reason=f"Predicted after the delay was flagged ({item.reason})",
                        created_at=moment,
                    )
                )
            continue
        if shipment.estimate_end is None and item.status != ShipmentStatus.PENDING:
            shipment.estimate_start = shipment.promised_start
            shipment.estimate_end = shipment.promised_end
            shipment.estimate_source = EstimateRevision.Source.CARRIER
            revisions.append(
                EstimateRevision(
                    shipment=shipment,
                    estimate_start=shipment.promised_start,
                    estimate_end=shipment.promised_end,
                    source=EstimateRevision.Source.CARRIER,
                    reason="Carrier's estimate at pickup",
                    created_at=moment,
                )
            )
        history_apply(shipment=shipment, events=[item], now=moment, revisions=revisions, stages=[])
    if shipment.is_delayed and not shipment.is_final:
        # The promise watch re-measures open delays: as of the anchor.
        delay_measure(shipment=shipment, now=clock.anchor)


def unmatched_ensure(
    rng: random.Random, clock: Clock, carriers: dict, plans: list, created: dict
) -> None:
    """Events for numbers we do not know (digits swapped at the shop) for agents to resolve."""
    rows = []
    for n, stage in enumerate(("depart", "arrive", "ofd", "delivered", "label", "depart")):
        plan = plans[rng.randrange(len(plans))]
        digits = list(plan.tracking_number)
        i = rng.randrange(len(digits) - 1)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        number = "".join(digits)
        if number == plan.tracking_number:
            number = number[:-1] + str((int(number[-1]) + 1) % 10)
        raw_status, raw_substatus, status, message = vocabulary(plan.carrier, stage)
        occurred = min(clock.at(-rng.randint(0, 2), rng.randint(0, 20)), clock.limit)
        rows.append(
            TrackingEvent(
                carrier=carriers[plan.carrier],
                shipment=None,
                tracking_number=number,
                carrier_event_id=f"demo-unmatched-{n + 1:02d}-{number}",
                raw_status=raw_status,
                raw_substatus=raw_substatus,
                status=status,
                message=message,
                occurred_at=occurred,
                received_at=occurred + timedelta(minutes=3),
                payload={"source": "demo"},
            )
        )
    existing = set(
        TrackingEvent.objects.filter(
            carrier_event_id__in=[row.carrier_event_id for row in rows]
        ).values_list("carrier_id", "carrier_event_id")
    )
    fresh = [row for row in rows if (row.carrier_id, row.carrier_event_id) not in existing]
    TrackingEvent.objects.bulk_create(fresh)
    created["tracking events"] += len(fresh)
