"""Tracking histories with DHL Express, by scenario."""

from apps.shipments.models import DelayReason

from ..texts.places import DHL_ORIGINS
from .records import EventPlan, upto


def dhl_journey(rng, clock, plan, kind, p, city_ko, city_en):
    """A parcel's journey with DHL Express: imports to Korea, or exports to a customer abroad."""
    c = clock
    if plan.customer.abroad:
        local, plan.city, plan.postal_code, plan.country, plan.time_zone = plan.customer.abroad
        origin, gateway = "SEOUL - KOREA, REPUBLIC OF", local
    else:
        origin, gateway = rng.choice(DHL_ORIGINS), "INCHEON - KOREA, REPUBLIC OF"
        town = city_en.split(",")[-1].strip().upper()
        local = f"{town} - KOREA, REPUBLIC OF"
    if p is None:
        p = {
            "delivered": rng.randint(-33, -3),
            "abroad": rng.randint(-30, -4),
            "customs": rng.randint(-10, -6),
            "in_transit": rng.choice([-1, -2]),
            "out_for_delivery": -3,
            "attempt_failed": -3,
            "pickup_point": -3,
            "info_received": -1,
            "pending": 0,
            "refused": rng.randint(-20, -8),
        }[kind]
    plan.promised_start, plan.promised_end = c.at(p + 2, 0, 0), c.day_end(p + 3)
    E = EventPlan
    path = [E("label", c.between(p - 1, 10, 20), origin)] if rng.random() < 0.7 else []
    path += [
        E("pickup", c.between(p, 10, 13), origin),
        E("depart", c.between(p, 20, 22), origin),
        E("gateway", c.between(p + 1, 15, 18), gateway),
        E("cleared", c.between(p + 1, 21, 22), gateway),
        E("arrive", c.between(p + 2, 5, 6), local),
        E("ofd", c.between(p + 2, 8, 9), local),
        E("delivered", c.between(p + 2, 11, 18), plan.city),
    ]
    if kind in ("delivered", "abroad"):
        events = path
    elif kind == "in_transit":
        events = upto(path, "depart" if p == -1 else "cleared")
    elif kind == "out_for_delivery":
        events = upto(path, "arrive") + [E("ofd", c.between(-1, 15, 19), local)]
    elif kind in ("attempt_failed", "pickup_point"):
        stage = "attempt" if kind == "attempt_failed" else "pickup_point"
        events = upto(path, "ofd") + [E(stage, c.between(-1, 13, 19), local)]
    elif kind == "pending":
        events = [
            E("pending", c.between(-1, 8, 14), origin),
            E("preparing", c.between(-1, 15, 21), origin),
        ]
    elif kind == "info_received":
        events = [
            E("pending", c.between(-1, 8, 12), origin),
            E("label", c.between(-1, 14, 20), origin),
        ]
    elif kind == "customs":
        events = upto(path, "gateway") + [
            E("customs", c.between(p + 1, 21, 22), gateway, DelayReason.CUSTOMS),
            E(
                "customs",
                c.between(p + 3, 10, 16),
                gateway,
                DelayReason.CUSTOMS,
                "Awaiting documents and duty payment from the receiver",
                estimate=(c.at(1, 9, 0), c.at(3, 18, 0)),
            ),
        ]
    elif kind == "refused":
        events = upto(path, "ofd") + [E("refused", path[-1].at, local)]
    else:
        raise ValueError(f"no DHL journey for {kind}")
    plan.events = events
