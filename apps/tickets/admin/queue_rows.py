"""The queue table's rows, written once per page in Python rather than by the template.

Fifty rows of a dozen cells each cost the template engine more than the rest of the page; here
no model method, `reverse()`, date filter or translation tag runs per row. The output is what
the template gave: labels and sentences translated once per page (same message ids), dates in
the current time zone and the active language's SHORT_DATETIME_FORMAT, every text from the
database HTML-escaped (`html.escape`, as Django's `escape`).
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from html import escape

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from apps.tickets.models import TicketPriority
from apps.tickets.queue import SLA_AT_RISK, SLA_BREACHED, QueueRow

# Format characters written here directly; a format using any other goes through Django.
_QUICK_FORMAT = {
    "d": lambda dt: f"{dt.day:02d}",
    "j": lambda dt: str(dt.day),
    "m": lambda dt: f"{dt.month:02d}",
    "n": lambda dt: str(dt.month),
    "Y": lambda dt: f"{dt.year:04d}",
    "y": lambda dt: f"{dt.year % 100:02d}",
    "H": lambda dt: f"{dt.hour:02d}",
    "G": lambda dt: str(dt.hour),
    "i": lambda dt: f"{dt.minute:02d}",
    "s": lambda dt: f"{dt.second:02d}",
}
# Every character Django's date format reads as a format character (dateformat.re_formatchars).
_FORMAT_CHARACTERS = set("aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ")


@lru_cache(maxsize=16)
def datetime_formatter(format_string: str) -> Callable[[datetime], str]:
    """`dateformat.format(dt, format_string)` for a local datetime, quicker for common formats.

    Numeric formats such as "m/d/Y H:i" (English) or "Y-n-j H:i" (Korean) are put together
    directly; anything else (names of months, a.m./p.m., escapes) is left to Django.
    """
    if "\\" in format_string or any(
        char in _FORMAT_CHARACTERS and char not in _QUICK_FORMAT for char in format_string
    ):
        return lambda dt: dateformat.format(dt, format_string)
    pieces = [_QUICK_FORMAT.get(char, char) for char in format_string]
    return lambda dt: "".join(piece if type(piece) is str else piece(dt) for piece in pieces)


def _work_url_maker() -> Callable[[int], str]:
    """The workspace URL of a ticket id, from one `reverse()` for the whole page."""
    head, _, tail = reverse("admin:tickets_ticket_work", args=[0]).rpartition("/0/")
    return lambda ticket_id: f"{head}/{ticket_id}/{tail}"


def queue_rows_html(rows: Iterable[QueueRow], *, status_labels: dict, can_change: bool) -> str:
    """The queue table's rows (<tr>…</tr> each), in the current language and time zone.

    Every text from the database is HTML-escaped here; the rest is this module's markup and
    the desk's own translated words.
    """
    zone = timezone.get_current_timezone()
    short = datetime_formatter(get_format("SHORT_DATETIME_FORMAT"))
    work_url = _work_url_maker()
    statuses = {value: escape(str(label)) for value, label in status_labels.items()}
    priorities = {value: escape(str(label)) for value, label in TicketPriority.choices}
    select = gettext("Select %(reference)s")
    first_answer_by = gettext("first answer by %(due)s")
    # Translated outside the f-strings below, where makemessages would not find them.
    replied_title = gettext("The customer wrote after the last reply")
    replied_word = gettext("Customer replied")
    change_word = gettext("Delivery change to arrange")
    delayed_word = gettext("Delayed")
    breached_word = gettext("SLA breached")
    at_risk_word = gettext("Due within an hour")
    unassigned_word = gettext("Unassigned")
    replied = (
        f' <span class="desk-badge desk-badge-reply" title="{escape(replied_title)}">'
        f"{escape(replied_word)}</span>"
    )
    change = f' <span class="desk-badge desk-badge-change">{escape(change_word)}</span>'
    delayed = f' <span class="desk-badge desk-badge-late">{escape(delayed_word)}</span>'
    sla_badges = {
        SLA_BREACHED: (
            f' <span class="desk-badge desk-badge-breached">{escape(breached_word)}</span>'
        ),
        SLA_AT_RISK: f' <span class="desk-badge desk-badge-risk">{escape(at_risk_word)}</span>',
    }
    unassigned = f'<span class="desk-muted">{escape(unassigned_word)}</span>'

    html = []
    for row in rows:
        reference = escape(row.reference)
        css = f"priority-{row.priority}"
        if row.sla_state:
            css += f" sla-{escape(row.sla_state)}"
        check = ""
        if can_change:
            label = escape(select % {"reference": row.reference})
            check = (
                f'<td><input type="checkbox" name="tickets" value="{row.pk}" '
                f'aria-label="{label}"></td>'
            )
        if row.shipment_id is None:
            parcel = "—"
        else:
            parcel = (
                f"{escape(row.carrier_name)}<br>"
                f'<span class="desk-muted">{escape(row.tracking_number)}</span>'
                f"{delayed if row.is_delayed else ''}"
            )
        due = row.resolution_due_at.astimezone(zone)
        first_answer = ""
        if row.first_responded_at is None and row.is_open:
            first_due = short(row.first_response_due_at.astimezone(zone))
            first_answer = (
                f'<br><span class="desk-muted">{escape(first_answer_by % {"due": first_due})}'
                "</span>"
            )
        assignee = escape(row.assignee_name) if row.assignee_id is not None else unassigned
        contact = escape(row.customer_email or row.customer_phone)
        html.append(
            f'<tr class="{css}">{check}'
            f'<td><a href="{escape(work_url(row.pk))}" class="desk-reference">{reference}</a></td>'
            f"<td>{escape(row.subject)}{replied if row.customer_replied else ''}"
            f"{change if row.delivery_change_pending else ''}</td>"
            f"<td>{escape(row.customer_name)}<br>"
            f'<span class="desk-muted">{contact}</span></td>'
            f"<td>{parcel}</td>"
            f"<td>{statuses.get(row.status) or escape(row.status)}</td>"
            f"<td>{priorities.get(row.priority) or escape(str(row.priority))}</td>"
            f'<td><time datetime="{due.isoformat()}">{escape(short(due))}</time>{first_answer}'
            f"{sla_badges.get(row.sla_state, '')}</td>"
            f"<td>{assignee}</td></tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 (every text above is escaped)
