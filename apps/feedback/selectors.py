"""Reads of the feedback app, shaped for the survey page and the managers' follow-up list."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.compensation.models import Offer, OfferStatus
from apps.feedback.errors import SurveyClosed, SurveyLinkInvalid
from apps.feedback.models import FollowUp, Survey
from apps.feedback.signing import survey_token_read

# Compensation the customer actually got: offered to them, or taken.
GIVEN_OFFER_STATUSES = (OfferStatus.ISSUED, OfferStatus.ACCEPTED)


def survey_get_for_token(*, token: str, now: datetime | None = None) -> Survey:
    """The survey a link opens, with its ticket and response.

    Raises SurveyLinkInvalid (tampered, or naming no survey) or SurveyClosed (the link or the
    survey is past its validity).
    """
    nonce = survey_token_read(token=token)
    survey = Survey.objects.select_related("ticket", "response").filter(nonce=nonce).first()
    if survey is None:
        raise SurveyLinkInvalid()
    if survey.expires_at <= (now or timezone.now()):
        raise SurveyClosed()
    return survey


def _given_offers() -> QuerySet:
    return Offer.objects.filter(status__in=GIVEN_OFFER_STATUSES).order_by("created_at", "pk")


def followup_list() -> QuerySet:
    """Follow-ups with what the desk shows beside each: the ticket, its customer (whom to call
    back), its agent, the parcel's
    carrier and delay reason, the answer, and the compensation given on the ticket or its
    parcel. A constant number of queries for any number of rows (two prefetches)."""
    return FollowUp.objects.select_related(
        "survey__response",
        "ticket__customer",
        "ticket__assignee",
        "ticket__shipment__carrier",
        "assignee",
        "closed_by",
    ).prefetch_related(
        Prefetch("ticket__offers", queryset=_given_offers(), to_attr="given_offers"),
        Prefetch("ticket__shipment__offers", queryset=_given_offers(), to_attr="given_offers"),
    )


def compensation_given(follow_up: FollowUp) -> list[Offer]:
    """Offers issued or accepted on the follow-up's ticket or on its parcel, each once.

    Reads the prefetched lists of `followup_list`; on another follow-up it queries."""
    ticket = follow_up.ticket
    offers = {}
    for_ticket = getattr(ticket, "given_offers", None)
    if for_ticket is None:
        for_ticket = list(_given_offers().filter(ticket=ticket))
    offers.update((offer.pk, offer) for offer in for_ticket)
    shipment = ticket.shipment
    if shipment is not None:
        for_shipment = getattr(shipment, "given_offers", None)
        if for_shipment is None:
            for_shipment = list(_given_offers().filter(shipment=shipment))
        offers.update((offer.pk, offer) for offer in for_shipment)
    return sorted(offers.values(), key=lambda offer: (offer.created_at, offer.pk))


def followup_title(follow_up: FollowUp) -> str:
    """ "Follow-up on T-… (open|done)" as the follow-up stands now: read it from the row the
    service returned, never from a copy taken before the change."""
    return _("Follow-up on %(ticket)s (%(status)s)") % {
        "ticket": follow_up.ticket.reference,
        "status": follow_up.get_status_display().lower(),
    }
