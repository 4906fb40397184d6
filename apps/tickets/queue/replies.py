"""Reply templates on the desk: which are offered for a ticket, and how placeholders are filled."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import BooleanField, Case, IntegerField, Q, Value, When
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from apps.tickets.models import ReplyTemplate, Ticket


def reply_templates_for_ticket(*, ticket: Ticket) -> list[ReplyTemplate]:
    """Active templates, those fit for this ticket first, the most specific of them first.

    A template fits when it is in the ticket's language and its category and delay reason are
    the ticket's or empty (any). Each comes back with `fits` (bool) and `specificity` (0–2).
    """
    delay_reason = ticket.shipment.delay_reason if ticket.shipment_id else ""
    fits = (
        Q(language=ticket.language)
        & Q(category__in=[ticket.category, ""])
        & Q(delay_reason__in=[delay_reason, ""])
    )
    return list(
        ReplyTemplate.objects.filter(is_active=True)
        .annotate(
            fits=Case(
                When(fits, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            specificity=Case(
                When(category=ticket.category, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            + Case(
                When(~Q(delay_reason=""), delay_reason=delay_reason, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-fits", "-specificity", "name", "language", "id")
    )


TICKET_LINK = "{ticket_link}"
REPLY_PLACEHOLDERS = (
    "customer_name",
    "reference",
    "tracking_number",
    "carrier",
    "new_estimate",
    "delay_reason",
    "ticket_link",
)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def unknown_placeholders(text: str) -> list[str]:
    """Names in braces that no ticket fills in (a typo such as {custmer_name})."""
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in REPLY_PLACEHOLDERS})


def has_placeholders(text: str) -> bool:
    """Whether the text still has a placeholder to fill ({ticket_link} stays as it is)."""
    return any(
        name in REPLY_PLACEHOLDERS and name != "ticket_link" for name in _PLACEHOLDER.findall(text)
    )


def _estimate_text(ticket: Ticket) -> str:
    shipment = ticket.shipment
    if shipment is None or shipment.estimate_end is None:
        return gettext("not known yet")
    try:
        zone = ZoneInfo(shipment.destination_time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    end = date_format(timezone.localtime(shipment.estimate_end, zone), "DATE_FORMAT")
    if shipment.estimate_start is None:
        return end
    start = date_format(timezone.localtime(shipment.estimate_start, zone), "DATE_FORMAT")
    return end if start == end else f"{start} – {end}"


def reply_placeholder_values(*, ticket: Ticket) -> dict[str, str]:
    """What each placeholder says for this ticket, in the ticket's language."""
    shipment = ticket.shipment
    with translation.override(ticket.language):
        return {
            "customer_name": ticket.customer.name,
            "reference": ticket.reference,
            "tracking_number": shipment.tracking_number if shipment else "",
            "carrier": shipment.carrier.name if shipment else "",
            "new_estimate": _estimate_text(ticket),
            "delay_reason": str(shipment.get_delay_reason_display()) if shipment else "",
            "ticket_link": TICKET_LINK,
        }


def reply_text_fill(*, text: str, ticket: Ticket) -> str:
    """The text with each placeholder replaced, in one pass.

    One pass, and never `str.format`: a value that itself looks like a placeholder (a customer
    who calls themselves "{reference}") is inserted as written, and braces that name no
    placeholder stay as typed.
    """
    values = reply_placeholder_values(ticket=ticket)
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)
