"""The dashboard's reads: one grouped query per figure, whatever the size of the data.

Every function takes a `Period` (days in the desk's time zone, maybe one carrier) and returns
plain rows (dicts) grouped by the database: `GROUP BY` on the day (`TruncDate` in the desk's
zone) with conditional counts, never a loop over tickets or shipments in Python. The carrier
filter reaches each table through its shipment.
"""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate

from apps.compensation.models import Budget, Offer, OfferStatus
from apps.feedback.dashboard.period import Period
from apps.feedback.models import SurveyResponse
from apps.feedback.sql import median, transaction_jit_off
from apps.notifications.models import Notification, NotificationStatus
from apps.shipments.models import Shipment
from apps.tickets.models import Ticket

# What tells a customer their parcel is late: the delay notice, or the exception notice that
# comes at once for a carrier's problem code.
TOLD_STAGES = ("delayed", "exception")
NO_COMPENSATION = "none"


@contextmanager
def dashboard_reads():
    """Run the dashboard's queries in one transaction with PostgreSQL's JIT compiler off.

    The grouped queries over a million shipments cost enough for the planner to JIT-compile
    them, and compiling took 3 s for a query that runs in 0.2 s (bench/dashboard.py); see
    `transaction_jit_off`.
    """
    with transaction.atomic():
        transaction_jit_off()
        yield


def _day(field: str, period: Period) -> TruncDate:
    return TruncDate(field, tzinfo=period.zone)


def _in_period(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.since, f"{field}__lt": period.until})


def _carrier(path: str, period: Period) -> Q:
    return Q(**{path: period.carrier.pk}) if period.carrier else Q()


def delays_per_day(period: Period) -> list[dict]:
    """Shipments whose delay was detected on each day, by carrier and reason.

    A delivered parcel's flag clears but its reason and detection time stay, so this counts
    every delay, not only the parcels still late now.
    """
    return list(
        Shipment.objects.filter(
            _in_period("delay_detected_at", period), _carrier("carrier_id", period)
        )
        .annotate(day=_day("delay_detected_at", period))
        .values("day", "carrier_id", "carrier__name", "delay_reason")
        .annotate(shipments=Count("pk"))
        .order_by("day", "carrier__name", "delay_reason")
    )


def told_first_per_day(period: Period) -> list[dict]:
    """Delayed shipments per day of detection, and how many customers we told first.

    Told first: a delay or exception notice to the customer was sent before the customer's first
    ticket on the parcel, or sent and no ticket came at all. Tickets we opened ourselves
    (proactive) are not the customer complaining. Written as "some notice was sent with no
    complaint at or before it", which the database answers with two nested EXISTS per shipment.
    """
    complaint_by_then = Ticket.objects.filter(
        shipment_id=OuterRef(OuterRef("pk")),
        is_proactive=False,
        created_at__lte=OuterRef("sent_at"),
    )
    told_before_complaint = Notification.objects.filter(
        ~Exists(complaint_by_then),
        subject_type="shipment",
        subject_id=OuterRef("pk"),
        stage__in=TOLD_STAGES,
        status=NotificationStatus.SENT,
    )
    return list(
        Shipment.objects.filter(
            _in_period("delay_detected_at", period), _carrier("carrier_id", period)
        )
        .annotate(day=_day("delay_detected_at", period), told=Exists(told_before_complaint))
        .values("day")
        .annotate(delayed=Count("pk"), told_first=Count("pk", filter=Q(told=True)))
        .order_by("day")
    )


def _tickets(period: Period, assignee) -> Q:
    where = _carrier("shipment__carrier_id", period)
    if assignee is not None:
        where &= Q(assignee=assignee)
    return where


def tickets_opened_per_day(period: Period, *, assignee=None) -> list[dict]:
    return list(
        Ticket.objects.filter(_in_period("created_at", period), _tickets(period, assignee))
        .annotate(day=_day("created_at", period))
        .values("day")
        .annotate(opened=Count("pk"))
        .order_by("day")
    )


# SLA kept, over tickets resolved: resolved by the resolution due time, and first answered by
# the first-response due time (a ticket resolved without any answer did not keep it).
RESOLUTION_KEPT = Q(resolved_at__lte=F("resolution_due_at"))
FIRST_RESPONSE_KEPT = Q(
    first_responded_at__isnull=False, first_responded_at__lte=F("first_response_due_at")
)


def tickets_resolved_per_day(period: Period, *, assignee=None) -> list[dict]:
    return list(
        Ticket.objects.filter(_in_period("resolved_at", period), _tickets(period, assignee))
        .annotate(day=_day("resolved_at", period))
        .values("day")
        .annotate(
            resolved=Count("pk"),
            resolution_kept=Count("pk", filter=RESOLUTION_KEPT),
            first_response_kept=Count("pk", filter=FIRST_RESPONSE_KEPT),
        )
        .order_by("day")
    )


def _survey_counts() -> dict:
    # CSAT: share of 4 and 5. NPS: promoters (9–10) minus detractors (0–6) over those who gave one.
    return {
        "responses": Count("pk"),
        "satisfied": Count("pk", filter=Q(csat__gte=4)),
        "nps_answers": Count("nps"),
        "promoters": Count("pk", filter=Q(nps__gte=9)),
        "detractors": Count("pk", filter=Q(nps__lte=6)),
    }


def _responses(period: Period, assignee=None):
    rows = SurveyResponse.objects.filter(
        _in_period("created_at", period), _carrier("survey__ticket__shipment__carrier_id", period)
    )
    if assignee is not None:
        rows = rows.filter(survey__ticket__assignee=assignee)
    return rows


def feedback_per_day(period: Period, *, assignee=None) -> list[dict]:
    """Survey answers by the day they came in."""
    return list(
        _responses(period, assignee)
        .annotate(day=_day("created_at", period))
        .values("day")
        .annotate(**_survey_counts())
        .order_by("day")
    )


def feedback_by_compensation(period: Period) -> list[dict]:
    """Survey answers by the kind of compensation the customer accepted for the ticket's parcel.

    "none" when nothing was accepted (or the ticket has no parcel); of several accepted offers
    (different stacking groups) the first accepted counts.
    """
    accepted = (
        Offer.objects.filter(
            shipment_id=OuterRef("survey__ticket__shipment_id"), status=OfferStatus.ACCEPTED
        )
        .order_by("responded_at", "pk")
        .values("kind")[:1]
    )
    return list(
        _responses(period)
        .annotate(kind=Coalesce(Subquery(accepted), Value(NO_COMPENSATION)))
        .values("kind")
        .annotate(**_survey_counts())
        .order_by("kind")
    )


def budgets_in_period(period: Period) -> list[dict]:
    """Compensation budgets whose period overlaps the range: amount against spent and reserved."""
    return list(
        Budget.objects.filter(
            period_start__lte=period.end,
            period_end__gte=period.start,
            **({"carrier": period.carrier} if period.carrier else {}),
        )
        .values(
            "pk",
            "name",
            "period_start",
            "period_end",
            "carrier__name",
            "currency",
            "amount",
            "spent",
            "reserved",
        )
        # The general budget first, then the carriers' (NULL sorts differently per database).
        .order_by("period_start", "currency", F("carrier__name").asc(nulls_first=True), "pk")
    )


def agents_resolution(period: Period, *, assignee=None) -> list[dict]:
    """Per agent: tickets resolved in the range, resolution time (mean, median) and SLA kept."""
    duration = F("resolved_at") - F("created_at")
    return list(
        Ticket.objects.filter(
            _in_period("resolved_at", period),
            _tickets(period, assignee),
            assignee__isnull=False,
        )
        .values("assignee_id")
        .annotate(
            resolved=Count("pk"),
            mean_resolution=Avg(duration),
            median_resolution=median(duration),
            resolution_kept=Count("pk", filter=RESOLUTION_KEPT),
            first_response_kept=Count("pk", filter=FIRST_RESPONSE_KEPT),
        )
        .order_by("assignee_id")
    )


def agents_feedback(period: Period, *, assignee=None) -> list[dict]:
    """Per agent: survey answers on the tickets they were assigned."""
    return list(
        _responses(period, assignee)
        .filter(survey__ticket__assignee__isnull=False)
        .values(assignee_id=F("survey__ticket__assignee_id"))
        .annotate(**_survey_counts())
        .order_by("assignee_id")
    )


def agents_named(ids) -> dict[int, str]:
    """Display names of the agents in a figure: one query for all of them."""
    ids = set(ids)
    if not ids:
        return {}
    users = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .only("pk", "username", "first_name", "last_name")
    )
    return {user.pk: user.get_full_name() or user.username for user in users}
