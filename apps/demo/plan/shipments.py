"""The demo's parcels: which scenario each plays, for whom, with which carrier and promise."""

import random
from datetime import timedelta
from decimal import Decimal

from apps.shipments.models import DelayReason, PromiseType, ServiceLevel

from ..texts.places import DHL_ABROAD, KR_PLACES
from .clock import Clock
from .journeys_dhl import dhl_journey
from .journeys_korea import korean_journey
from .records import ShipmentPlan

SHIPMENT_COUNT = 320

# (reason, scenario, options, offers). Offers name a rule (or a manual kind) and the status the
# offer reached; between them they cover every offer status.
DELAYED = (
    (DelayReason.SORTING_ERROR, "transit_event", {}, (("kr_late", "issued"),)),
    (DelayReason.SORTING_ERROR, "transit_event", {}, (("kr_late", "approved"),)),
    (DelayReason.SORTING_ERROR, "transit_event", {"p": -11}, (("kr_late", "rejected"),)),
    (
        DelayReason.SORTING_ERROR,
        "transit_event",
        {"p": -12, "service": ServiceLevel.EXPRESS, "promise": PromiseType.GUARANTEED},
        (("guarantee", "issued"), ("kr_late", "proposed")),
    ),
    (DelayReason.CAPACITY, "delivered_late", {}, (("kr_late", "accepted"),)),
    (
        DelayReason.CAPACITY,
        "delivered_late",
        {},
        (("kr_late", "accepted"), ("goodwill", "declined")),
    ),
    (
        DelayReason.CAPACITY,
        "transit_event",
        {"promise": PromiseType.NEEDED_BY},
        (("needed_by", "accepted"),),
    ),
    (DelayReason.CAPACITY, "transit_event", {}, ()),
    (DelayReason.CAPACITY, "transit_event", {}, ()),
    (DelayReason.VEHICLE, "transit_event", {"p": -12}, (("kr_late", "proposed"),)),
    (DelayReason.VEHICLE, "transit_event", {}, ()),
    (DelayReason.WEATHER, "island_transit", {}, ()),
    (DelayReason.WEATHER, "island_transit", {}, ()),
    (DelayReason.WEATHER, "delivered_late", {"p": -24, "island": True}, (("goodwill", "expired"),)),
    (DelayReason.CUSTOMS, "customs", {}, ()),
    (DelayReason.CUSTOMS, "customs", {}, ()),
    (DelayReason.CUSTOMS, "customs", {}, ()),
    (DelayReason.NOT_HOME, "attempts", {}, ()),
    (DelayReason.NOT_HOME, "attempts", {}, ()),
    (DelayReason.NOT_HOME, "attempts", {}, ()),
    (DelayReason.NOT_HOME, "attempts", {}, ()),
    (DelayReason.NO_SCAN, "stalled", {"p": -12}, (("kr_late", "proposed"),)),
    (DelayReason.NO_SCAN, "stalled", {}, (("manual_coupon", "rejected"),)),
    (DelayReason.NO_SCAN, "stalled", {}, ()),
    (DelayReason.WINDOW_PASSED, "delivered_late", {"p": -25}, (("kr_late", "expired"),)),
    (DelayReason.WINDOW_PASSED, "delivered_late", {}, (("kr_late", "issued"),)),
    (DelayReason.WINDOW_PASSED, "transit_window", {}, ()),
    (DelayReason.WINDOW_PASSED, "transit_window", {}, ()),
    (DelayReason.WINDOW_PASSED, "transit_window", {}, ()),
    (DelayReason.ESTIMATE_LATE, "estimate", {"p": -1}, ()),
    (DelayReason.ESTIMATE_LATE, "estimate", {"p": -2}, ()),
    (DelayReason.ESTIMATE_LATE, "estimate", {"p": -1}, ()),
    (DelayReason.LOST, "lost", {}, (("manual_credit", "proposed"),)),
    (DelayReason.LOST, "lost", {}, (("manual_refund", "accepted"),)),
    (DelayReason.DAMAGED, "damaged", {}, (("manual_refund", "issued"),)),
    (DelayReason.RETAILER, "retailer", {"p": -8}, (("goodwill", "accepted"),)),
    (DelayReason.WRONG_ADDRESS, "wrong_address", {}, ()),
    (DelayReason.FORCE_MAJEURE, "transit_event", {}, ()),
)
# Parcels without a delay, besides the delivered ones that make up the rest.
ON_TIME = {
    "pending": 5,
    "info_received": 7,
    "in_transit": 38,
    "out_for_delivery": 12,
    "attempt_failed": 4,
    "pickup_point": 6,
    "refused": 2,
    "abroad": len(DHL_ABROAD),
}


def plan_shipments(rng: random.Random, clock: Clock, customers: list) -> list[ShipmentPlan]:
    scenarios = [(kind, reason, options, offers) for reason, kind, options, offers in DELAYED]
    for kind, count in ON_TIME.items():
        scenarios += [(kind, "", {}, ())] * count
    scenarios += [("delivered", "", {}, ())] * (SHIPMENT_COUNT - len(scenarios))
    rng.shuffle(scenarios)

    at_home = [c for c in customers if c.abroad is None]
    abroad = [c for c in customers if c.abroad is not None]
    # Every customer gets a parcel; the rest go to customers who order again.
    owners = list(at_home)
    rng.shuffle(owners)
    owners += [rng.choice(at_home) for _ in range(len(scenarios) - len(owners))]

    builder = _Builder(rng, clock)
    taken: set[str] = set()
    plans = []
    for index, (kind, reason, options, offers) in enumerate(scenarios):
        customer = abroad.pop() if kind == "abroad" else owners[index]
        carrier = _carrier_for(rng, kind)
        plan = builder.shipment(
            kind=kind, reason=reason, options=options, carrier=carrier, customer=customer
        )
        plan.tracking_number = _tracking_number(rng, carrier, taken)
        plan.order_reference = f"ORD-{240001 + index * 7 + rng.randrange(7)}"
        plan.offers = offers
        plans.append(plan)

    # Carriers recycle tracking numbers: an old delivered CJ parcel shares its number with a
    # current one, told apart by the order reference.
    old = next(
        pl
        for pl in plans
        if pl.carrier == "cj-logistics"
        and pl.kind == "delivered"
        and pl.promised_end < clock.anchor - timedelta(days=25)
    )
    new = next(
        pl for pl in reversed(plans) if pl.carrier == "cj-logistics" and pl.kind == "in_transit"
    )
    new.tracking_number = old.tracking_number
    return plans


def _carrier_for(rng: random.Random, kind: str) -> str:
    if kind in ("customs", "abroad"):
        return "dhl"
    if kind == "stalled":
        return rng.choice(["cj-logistics", "hanjin"])
    if kind == "island_transit":
        return rng.choice(["cj-logistics", "epost"])
    if kind in (
        "delivered",
        "in_transit",
        "out_for_delivery",
        "attempt_failed",
        "pickup_point",
        "info_received",
        "pending",
    ):
        return rng.choices(["cj-logistics", "hanjin", "epost", "dhl"], [40, 22, 23, 15])[0]
    return rng.choices(["cj-logistics", "hanjin", "epost"], [45, 25, 30])[0]


def _tracking_number(rng: random.Random, carrier: str, taken: set) -> str:
    """CJ and Hanjin use 12 digits, the post office 13, DHL Express 10."""
    prefix, digits = {
        "cj-logistics": ("6", 11),
        "hanjin": ("5", 11),
        "epost": ("60", 11),
        "dhl": ("", 10),
    }[carrier]
    while True:
        number = prefix + f"{rng.randrange(10**digits):0{digits}d}"
        if number not in taken:
            taken.add(number)
            return number


class _Builder:
    """One shipment's promise and tracking history for a scenario, in the carrier's own words."""

    def __init__(self, rng: random.Random, clock: Clock):
        self.rng, self.clock = rng, clock

    def shipment(self, *, kind, reason, options, carrier, customer) -> ShipmentPlan:
        rng = self.rng
        island = options.get("island", kind == "island_transit")
        if kind == "delivered":
            island = None  # any place; islands take longer and are promised a day more
        places = [pl for pl in KR_PLACES if island is None or (pl[4] == 3) == island]
        city_ko, city_en, postal, branch, promise_days, _ = rng.choices(
            places, [pl[5] for pl in places]
        )[0]
        city = city_ko if customer.language == "ko" else city_en
        service = options.get("service", ServiceLevel.STANDARD)
        if carrier == "dhl":
            service = ServiceLevel.EXPRESS
        elif kind == "delivered" and promise_days == 2:
            service = rng.choices(
                [ServiceLevel.STANDARD, ServiceLevel.EXPRESS, ServiceLevel.SAME_DAY], [82, 13, 5]
            )[0]
            if service == ServiceLevel.SAME_DAY and carrier != "cj-logistics":
                service = ServiceLevel.STANDARD
        if service == ServiceLevel.EXPRESS and carrier != "dhl":
            promise_days = 1
        promise = options.get("promise")
        if promise is None:
            promise = PromiseType.ESTIMATED
            if service != ServiceLevel.STANDARD and carrier != "dhl" and rng.random() < 0.5:
                promise = PromiseType.GUARANTEED
            elif kind == "delivered" and rng.random() < 0.05:
                promise = PromiseType.NEEDED_BY
        if carrier == "dhl":
            fee = Decimal(rng.randrange(280, 460) * 100)
            order_value = Decimal(rng.randrange(80, 600) * 1000)
        else:
            fee = Decimal({"cj-logistics": 3000, "hanjin": 3000, "epost": 4000}[carrier])
            fee = {ServiceLevel.EXPRESS: Decimal(5000), ServiceLevel.SAME_DAY: Decimal(6000)}.get(
                service, fee
            )
            order_value = Decimal(rng.randrange(9, 350) * 1000)

        plan = ShipmentPlan(
            kind=kind,
            carrier=carrier,
            tracking_number="",
            order_reference="",
            customer=customer,
            ordered_at=self.clock.anchor,
            city=city,
            postal_code=postal,
            country="KR",
            time_zone="Asia/Seoul",
            service_level=service,
            promise_type=promise,
            fee=fee,
            order_value=order_value,
            promised_start=self.clock.anchor,
            promised_end=self.clock.anchor,
            events=[],
            marks=[],
        )
        if carrier == "dhl":
            dhl_journey(self.rng, self.clock, plan, kind, options.get("p"), city_ko, city_en)
        else:
            korean_journey(
                self.rng,
                self.clock,
                plan,
                kind,
                reason,
                options.get("p"),
                promise_days,
                branch,
                service == ServiceLevel.SAME_DAY,
                island,
            )
        _in_order(plan.events, self.clock)
        first = plan.events[0]
        plan.ordered_at = first.at - timedelta(
            minutes=5 if first.stage == "pending" else rng.randint(240, 1200)
        )
        return plan


def _in_order(events: list, clock: Clock) -> None:
    """Strictly increasing times, all before the anchor (a scan is never in the future)."""
    previous = None
    for event in events:
        event.at = min(event.at, clock.limit)
        if previous is not None and event.at <= previous:
            event.at = previous + timedelta(minutes=7)
        previous = event.at
    if previous > clock.anchor - timedelta(minutes=10):
        raise ValueError("a demo scan would land after the anchor")
