"""Tracking histories with the Korean carriers (CJ, Hanjin, the post office), by scenario."""

from datetime import timedelta

from apps.shipments.models import DelayReason, PromiseType

from ..texts.carriers import STALE_HOURS
from ..texts.places import KR_HUBS, KR_ORIGINS
from .records import EventPlan, MarkPlan, upto

# The promise watch runs every few minutes: it flags a delay a little after the fact.
WATCH_LAG = timedelta(minutes=10)
# Where a scenario's parcel stands when nothing went wrong: (pickup day, or None for "random").
_ON_TIME_PICKUP = {
    "in_transit": None,
    "out_for_delivery": -2,
    "attempt_failed": -2,
    "pickup_point": -2,
    "info_received": -1,
    "pending": 0,
}


def korean_journey(rng, clock, plan, kind, reason, p, promise_days, branch, same_day, island):
    """A parcel's journey with a Korean carrier, from the shop to the door or wherever it
    stopped, and the delays flagged without a carrier event."""
    c = clock
    transit = 1
    if kind == "delivered":
        transit = (
            rng.randint(2, 3) if island else (1 if promise_days == 1 or rng.random() < 0.7 else 2)
        )
    elif kind == "delivered_late":
        transit = promise_days + rng.randint(4, 6)
    if p is None:
        p = {
            "delivered": rng.randint(-33, -2 - transit),
            "in_transit": rng.choice([-1, -2]),
            "refused": rng.randint(-20, -8),
            "transit_event": rng.randint(-11, -6),
            "delivered_late": rng.randint(-25, -9),
            "transit_window": rng.randint(-9, -6),
            "island_transit": rng.randint(-9, -7),
            "stalled": rng.randint(-10, -6),
            "attempts": rng.randint(-8, -5),
            "lost": rng.randint(-25, -14),
            "damaged": rng.randint(-9, -5),
            "wrong_address": rng.randint(-20, -10),
        }.get(kind, _ON_TIME_PICKUP.get(kind))
    # Korean standard parcel terms: without a stated date, 2 days from pickup (3 for islands).
    if same_day:
        plan.promised_start, plan.promised_end = c.at(p, 0, 0), c.day_end(p)
    else:
        plan.promised_start, plan.promised_end = c.at(p + 1, 0, 0), c.day_end(p + promise_days)

    origin, hub = rng.choice(KR_ORIGINS), rng.choice(KR_HUBS)
    E = EventPlan
    if same_day:
        path = [
            E("label", c.between(p, 9, 9), f"{origin} 집배점"),
            E("depart", c.between(p, 11, 11), f"{origin} 터미널"),
            E("arrive", c.between(p, 13, 13), f"{branch} 터미널"),
            E("ofd", c.between(p, 15, 15), branch),
            E("delivered", c.between(p, 18, 20), plan.city),
        ]
    else:
        path = (
            [E("pending", c.between(p - 1, 9, 21), "온라인 쇼핑몰")] if rng.random() < 0.35 else []
        )
        path += [
            E("label", c.between(p, 14, 17), f"{origin} 집배점"),
            E("depart", c.between(p, 19, 21), f"{origin} 터미널"),
        ]
        if rng.random() < 0.5:
            path.append(E("hub", c.between(p + 1, 0, 1), hub))
        path += [
            E("arrive", c.between(p + transit, 3, 5), f"{branch} 터미널"),
            E("ofd", c.between(p + transit, 7, 9), branch),
            E("delivered", c.between(p + transit, 11, 19), plan.city),
        ]
    head = [e for e in path if e.stage in ("pending", "label", "depart")]
    later = c.at(-1, rng.randint(4, 15))
    today_to_tomorrow = (c.at(0, 9, 0), c.at(1, 21, 0))
    prediction = (c.at(p + promise_days + 1, 9, 0), c.day_end(p + promise_days + 2))
    window_mark = MarkPlan(plan.promised_end + WATCH_LAG, DelayReason.WINDOW_PASSED, prediction)

    if kind == "delivered":
        events = path
        if not same_day and rng.random() < 0.25:
            events = [e for e in events if e.stage != "depart"]
    elif kind == "in_transit":
        events = head if p == -1 else upto(path, "arrive")
    elif kind == "out_for_delivery":
        events = upto(path, "arrive") + [E("ofd", c.between(-1, 15, 19), branch)]
    elif kind == "attempt_failed":
        events = upto(path, "ofd") + [E("attempt", c.between(-1, 13, 19), branch)]
    elif kind == "pickup_point":
        events = upto(path, "ofd") + [E("pickup_point", c.between(-1, 13, 19), f"{branch} 편의점")]
    elif kind == "pending":
        events = [
            E("pending", c.between(-1, 8, 13), "온라인 쇼핑몰"),
            E("preparing", c.between(-1, 14, 21), "온라인 쇼핑몰"),
        ]
    elif kind == "info_received":
        events = [
            E("pending", c.between(-1, 8, 11), "온라인 쇼핑몰"),
            E("label", c.between(-1, 14, 18), f"{origin} 집배점"),
        ]
    elif kind == "refused":
        events = upto(path, "ofd") + [E("refused", c.between(p + transit, 12, 18), branch)]
    elif kind == "transit_event":
        where = (
            rng.choice([h for h in KR_HUBS if h != hub])
            if reason == DelayReason.SORTING_ERROR
            else hub
        )
        events = head + [E("delay", c.between(p + 1, 6, 13), where, reason)]
        days = sorted(rng.sample(range(p + 2, 0), k=min(2, -(p + 2))))
        events += [E("hub", c.between(day, 2, 20), rng.choice(KR_HUBS)) for day in days]
        events[-1].estimate = today_to_tomorrow
        if plan.promise_type == PromiseType.NEEDED_BY:
            events[-1].estimate = (c.at(0, 9, 0), c.day_end(0))
    elif kind == "island_transit":
        port = "포항항" if branch == "울릉" else rng.choice(["목포항", "완도항"])
        events = head + [
            E("delay", c.between(p + 1, 8, 11), port, reason),
            E(
                "delay",
                c.between(p + 3, 9, 11),
                port,
                reason,
                "기상 악화로 선박 운항이 계속 중단되고 있습니다",
            ),
            E("hub", later, f"{branch} 터미널", estimate=today_to_tomorrow),
        ]
    elif kind == "delivered_late":
        tail = [e for e in path if e.stage in ("arrive", "ofd", "delivered")]
        tail[0].estimate = (c.at(p + transit, 9, 0), c.day_end(p + transit))
        if reason == DelayReason.WINDOW_PASSED:
            events = head + [E("hub", c.between(p + 1, 1, 2), hub)] + tail
            plan.marks.append(window_mark)
        elif island:
            port = "포항항" if branch == "울릉" else rng.choice(["목포항", "완도항"])
            events = (
                head
                + [
                    E("delay", c.between(p + 1, 8, 11), port, reason),
                    E(
                        "delay",
                        c.between(p + 2, 9, 11),
                        port,
                        reason,
                        "기상 악화로 선박 운항이 계속 중단되고 있습니다",
                    ),
                ]
                + tail
            )
        else:
            events = head + [E("delay", c.between(p + 1, 6, 13), hub, reason)] + tail
    elif kind == "transit_window":
        events = head + [
            E("hub", c.between(p + 1, 1, 2), hub),
            E("hub", c.between(p + 2, 4, 6), rng.choice(KR_HUBS)),
            E("arrive", later, f"{branch} 터미널", estimate=today_to_tomorrow),
        ]
        plan.marks.append(window_mark)
    elif kind == "stalled":
        # Nothing after the line haul left: the watch flags it once the carrier's
        # no-scan limit passes, before the promised window ends.
        events = head
        plan.marks.append(
            MarkPlan(
                head[-1].at + timedelta(hours=STALE_HOURS[plan.carrier]) + WATCH_LAG,
                DelayReason.NO_SCAN,
                (c.at(0, 9, 0), c.day_end(2)),
            )
        )
    elif kind == "estimate":
        events = head if p == -1 else upto(path, "arrive")
        events[-1].estimate = (
            c.at(p + promise_days + 1, 9, 0),
            c.at(p + promise_days + 1, 21, 0),
        )
    elif kind == "attempts":
        events = [e for e in upto(path, "ofd") if e.stage not in ("pending", "hub")] + [
            E("attempt", c.between(p + transit, 14, 19), branch, reason),
            E("ofd", c.between(p + transit + 1, 8, 9), branch),
            E("attempt", c.between(p + transit + 1, 15, 19), branch, reason),
        ]
    elif kind == "lost":
        events = head + [
            E("hub", c.between(p + 1, 1, 3), hub),
            E("lost", c.between(p + 2, 10, 17), hub, reason),
        ]
    elif kind == "damaged":
        events = head + [
            E("hub", c.between(p + 1, 1, 3), hub),
            E("delay", c.between(p + 1, 10, 16), hub, reason),
        ]
    elif kind == "retailer":
        # The shop handed the parcel over days late: an agent flagged it, then it moved.
        events = [
            E("pending", c.between(p - 1, 9, 12), "온라인 쇼핑몰"),
            E(
                "preparing",
                c.between(p, 10, 12),
                "온라인 쇼핑몰",
                message="판매자가 상품 입고를 기다리고 있습니다",
            ),
            E("label", c.between(-2, 14, 16), f"{origin} 집배점"),
            E("depart", c.between(-2, 19, 21), f"{origin} 터미널"),
            E(
                "arrive",
                c.between(-1, 3, 5),
                f"{branch} 터미널",
                estimate=(c.at(0, 9, 0), c.day_end(0)),
            ),
        ]
        plan.marks.append(MarkPlan(c.at(p + 2, 11, 0), DelayReason.RETAILER))
    elif kind == "wrong_address":
        events = upto(path, "ofd") + [
            E("delay", c.between(p + transit, 13, 17), branch, reason),
            E("returned", c.between(p + transit + 3, 10, 15), branch),
        ]
    else:
        raise ValueError(f"no Korean journey for {kind}")
    plan.events = events
