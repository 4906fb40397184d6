"""A known data set for the dashboard's figures: 1–3 March 2025 in the desk's zone (Asia/Seoul).

Every expected number in the dashboard tests is worked out by hand from this page:

Delayed shipments (delay detected, KST)            told first?
  s1  CJ      capacity   03-01 10:00   notice 10:05, ticket 12:00          yes
  s2  CJ      weather    03-02 00:30   ticket 01:00, notice 02:00          no (complained first)
  s3  Hanjin  capacity   03-02 09:00   exception notice 09:10, no ticket   yes
  s4  Hanjin  no_scan    03-03 08:00   nothing sent, no ticket              no
  s5  CJ      capacity   03-03 12:00   our proactive ticket 12:01, notice 13:00  yes
  s6  CJ      capacity   02-28 23:59   outside the range
  s8  Hanjin  weather    03-04 00:00   outside the range
  s2's 00:30 KST is 1 March in UTC: the day is the desk's.

Tickets (KST)        opened   resolved  first answer / due    resolved / due     agent
  t1 on s1           03-01 12:00  03-02 12:00  13:00 / 16:00 kept    kept            alice  24 h
  t2 on s2           03-02 01:00  03-03 07:00  06:00 / 05:00 missed  kept            alice  30 h
  t3 on s5 (ours)    03-03 12:01  03-03 18:01  none (missed)         kept            bob     6 h
  t4 no parcel       03-02 10:00  03-03 10:00  11:00 / 14:00 kept    missed (20:00)  bob    24 h
  t5 on s9 (Hanjin)  02-27 09:00  03-01 09:00  kept                  missed (08:00)  alice  48 h
  t6 on s4 (Hanjin)  03-03 20:00  open, unassigned

Survey answers (KST)  CSAT  NPS   accepted compensation on the parcel
  r5 on t5  03-01 10:00  5  9     fixed coupon
  r1 on t1  03-02 14:00  5  10    fixed coupon
  r2 on t2  03-03 09:00  2  3     none (s2's offer was declined)
  r3 on t3  03-03 20:00  4  —     store credit
  r4 on t4  03-03 21:00  3  8     none (no parcel)
  r6 on t6  03-04 00:30  1  0     outside the range

Budgets: general March ₩1,000,000 (spent 30,000, reserved 10,000); CJ March ₩500,000 (spent
100,000); general February (outside).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from apps.compensation.models import ActionKind, Offer, OfferStatus
from apps.feedback.models import Survey, SurveyResponse
from apps.notifications.models import Notification
from apps.shipments.models import Carrier
from apps.tickets.models import TicketStatus
from tests.factories import (
    BudgetFactory,
    CarrierFactory,
    ShipmentFactory,
    TicketFactory,
)

SEOUL = ZoneInfo("Asia/Seoul")
START = date(2025, 3, 1)
END = date(2025, 3, 3)


def kst(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SEOUL)


@dataclass
class Known:
    cj: Carrier
    hanjin: Carrier
    alice: object
    bob: object


def _delayed(carrier, reason, detected):
    return ShipmentFactory(
        carrier=carrier,
        is_delayed=True,
        delay_reason=reason,
        delay_detected_at=detected,
        promised_start=detected - timedelta(days=2),
        promised_end=detected - timedelta(days=1),
    )


def _told(shipment, stage, sent_at, status="sent"):
    Notification.objects.create(
        channel="email",
        recipient="customer@example.com",
        stage=stage,
        subject_type="shipment",
        subject_id=shipment.pk,
        dedupe_key=f"shipment:{shipment.pk}:{stage}:email",
        status=status,
        sent_at=sent_at if status == "sent" else None,
    )


def _ticket(
    *,
    shipment,
    opened,
    assignee=None,
    resolved=None,
    first_due,
    first_answer=None,
    resolution_due,
    proactive=False,
):
    kwargs = {"customer": shipment.customer} if shipment else {}
    return TicketFactory(
        shipment=shipment,
        **kwargs,
        created_at=opened,
        assignee=assignee,
        is_proactive=proactive,
        status=TicketStatus.RESOLVED if resolved else TicketStatus.OPEN,
        resolved_at=resolved,
        first_response_due_at=first_due,
        first_responded_at=first_answer,
        resolution_due_at=resolution_due,
    )


def _answer(ticket, csat, nps, at):
    survey = Survey.objects.create(
        ticket=ticket,
        nonce=f"nonce-{ticket.pk}",
        language="en",
        scheduled_for=at - timedelta(hours=1),
        sent_at=at - timedelta(hours=1),
        expires_at=at + timedelta(days=7),
        answered_at=at,
    )
    SurveyResponse.objects.create(survey=survey, csat=csat, nps=nps, created_at=at)


def _accepted(shipment, kind, ticket=None, status=OfferStatus.ACCEPTED):
    Offer.objects.create(
        shipment=shipment,
        ticket=ticket,
        kind=kind,
        amount=Decimal("3000"),
        explanation="test",
        status=status,
        responded_at=kst(3, 2, 0),
    )


def known_data(alice, bob) -> Known:
    cj = CarrierFactory(code="cj", name="CJ Logistics")
    hanjin = CarrierFactory(code="hanjin", name="Hanjin")

    s1 = _delayed(cj, "capacity", kst(3, 1, 10))
    s2 = _delayed(cj, "weather", kst(3, 2, 0, 30))
    s3 = _delayed(hanjin, "capacity", kst(3, 2, 9))
    s4 = _delayed(hanjin, "no_scan", kst(3, 3, 8))
    s5 = _delayed(cj, "capacity", kst(3, 3, 12))
    _delayed(cj, "capacity", kst(2, 28, 23, 59))
    s8 = _delayed(hanjin, "weather", kst(3, 4, 0))
    ShipmentFactory(carrier=cj)  # never late
    s9 = ShipmentFactory(carrier=hanjin)

    _told(s1, "delayed", kst(3, 1, 10, 5))
    _told(s2, "delayed", kst(3, 2, 2))
    _told(s3, "exception", kst(3, 2, 9, 10))
    _told(s5, "delayed", kst(3, 3, 13))
    _told(s8, "delayed", kst(3, 4, 0, 5))
    # Held by quiet hours, never sent: does not count as telling.
    _told(s4, "delayed", None, status="pending")

    t1 = _ticket(
        shipment=s1,
        opened=kst(3, 1, 12),
        assignee=alice,
        resolved=kst(3, 2, 12),
        first_due=kst(3, 1, 16),
        first_answer=kst(3, 1, 13),
        resolution_due=kst(3, 3, 12),
    )
    t2 = _ticket(
        shipment=s2,
        opened=kst(3, 2, 1),
        assignee=alice,
        resolved=kst(3, 3, 7),
        first_due=kst(3, 2, 5),
        first_answer=kst(3, 2, 6),
        resolution_due=kst(3, 4, 1),
    )
    t3 = _ticket(
        shipment=s5,
        opened=kst(3, 3, 12, 1),
        assignee=bob,
        resolved=kst(3, 3, 18, 1),
        first_due=kst(3, 3, 16, 1),
        resolution_due=kst(3, 5, 12),
        proactive=True,
    )
    t4 = _ticket(
        shipment=None,
        opened=kst(3, 2, 10),
        assignee=bob,
        resolved=kst(3, 3, 10),
        first_due=kst(3, 2, 14),
        first_answer=kst(3, 2, 11),
        resolution_due=kst(3, 2, 20),
    )
    t5 = _ticket(
        shipment=s9,
        opened=kst(2, 27, 9),
        assignee=alice,
        resolved=kst(3, 1, 9),
        first_due=kst(2, 27, 13),
        first_answer=kst(2, 27, 10),
        resolution_due=kst(3, 1, 8),
    )
    t6 = _ticket(
        shipment=s4,
        opened=kst(3, 3, 20),
        first_due=kst(3, 4, 0),
        resolution_due=kst(3, 5, 20),
    )

    _accepted(s1, ActionKind.FIXED_COUPON, t1)
    _accepted(s2, ActionKind.POINTS, t2, status=OfferStatus.DECLINED)
    _accepted(s5, ActionKind.STORE_CREDIT, t3)
    _accepted(s9, ActionKind.FIXED_COUPON, t5)

    _answer(t5, 5, 9, kst(3, 1, 10))
    _answer(t1, 5, 10, kst(3, 2, 14))
    _answer(t2, 2, 3, kst(3, 3, 9))
    _answer(t3, 4, None, kst(3, 3, 20))
    _answer(t4, 3, 8, kst(3, 3, 21))
    _answer(t6, 1, 0, kst(3, 4, 0, 30))

    BudgetFactory(
        name="March",
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 31),
        amount=Decimal("1000000"),
        spent=Decimal("30000"),
        reserved=Decimal("10000"),
    )
    BudgetFactory(
        name="March CJ",
        carrier=cj,
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 31),
        amount=Decimal("500000"),
        spent=Decimal("100000"),
    )
    BudgetFactory(
        name="February",
        period_start=date(2025, 2, 1),
        period_end=date(2025, 2, 28),
        amount=Decimal("1000000"),
    )
    return Known(cj=cj, hanjin=hanjin, alice=alice, bob=bob)
