"""The queue table's rows, written in Python: fifty rows of a dozen cells cost the template
engine more than the rest of the page. No model method, `reverse()` or translation runs per row;
every text from the database is HTML-escaped here (`html.escape`).

The SLA cell is a countdown ("in 42 min", "3 h overdue") in a <time> carrying the absolute due
time (ISO, and in the desk's time zone as its title). A ticket waiting for the customer has its
clock stopped: it says since when it waits, never "overdue".
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from apps.desk.queue_forms import STATUS_LABELS
from apps.tickets.models import OPEN_STATUSES, TicketPriority
from apps.tickets.queue import SLA_AT_RISK, SLA_BREACHED, QueueRow


def absolute_text(local: datetime) -> str:
    """The due time's title: date, time and the zone's abbreviation ("2026-12-03 14:05 KST")."""
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def duration_text(seconds: float) -> str:
    """A rounded span: "42 min", "3 h", "2 d" (minutes below 1 h, hours below 2 days)."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return gettext("%(count)d min") % {"count": max(minutes, 1)}
    hours = minutes // 60
    if hours < 48:
        return gettext("%(count)d h") % {"count": hours}
    return gettext("%(count)d d") % {"count": hours // 24}


def countdown_text(due: datetime, now: datetime) -> str:
    """ "in 42 min" before the due time, "3 h overdue" after it."""
    seconds = (due - now).total_seconds()
    if seconds >= 0:
        return gettext("in %(time)s") % {"time": duration_text(seconds)}
    return gettext("%(time)s overdue") % {"time": duration_text(seconds)}


def waiting_text(since: datetime, now: datetime) -> str:
    """ "waiting for the customer for 2 d" (the clock is stopped, nothing is overdue)."""
    return gettext("waiting for the customer for %(time)s") % {
        "time": duration_text((now - since).total_seconds())
    }


def effective_due(row: QueueRow) -> tuple[datetime, bool]:
    """The due time that counts now and whether it is the first answer's."""
    if row.first_responded_at is None:
        return row.first_response_due_at, True
    return row.resolution_due_at, False


def ticket_url_maker() -> Callable[[int], str]:
    """The workspace address of a ticket id, from one `reverse()` for the whole page."""
    try:
        head, _, tail = reverse("desk:ticket", args=[0]).rpartition("/0/")
    except NoReverseMatch:  # the workspace is not wired yet: its agreed address
        head, tail = "/desk/tickets", ""
    return lambda ticket_id: f"{head}/{ticket_id}/{tail}"


@dataclass
class _Words:
    """The page's translated words, looked up once per render."""

    statuses: dict
    priorities: dict
    select: str
    first_answer: str
    resolution: str
    replied: str
    replied_title: str
    change: str
    delayed: str
    breached: str
    at_risk: str
    unassigned: str
    paused: str

    @classmethod
    def now(cls) -> "_Words":
        return cls(
            statuses={value: escape(str(label)) for value, label in STATUS_LABELS.items()},
            priorities={value: escape(str(label)) for value, label in TicketPriority.choices},
            select=gettext("Select %(reference)s"),
            first_answer=escape(pgettext("queue due", "first answer")),
            resolution=escape(pgettext("queue due", "resolution")),
            replied=escape(gettext("Customer replied")),
            replied_title=escape(gettext("The customer wrote after the last reply")),
            change=escape(gettext("Delivery change to arrange")),
            delayed=escape(gettext("Delayed")),
            breached=escape(gettext("SLA breached")),
            at_risk=escape(gettext("Due within an hour")),
            unassigned=escape(gettext("Unassigned")),
            paused=escape(gettext("Clock stopped while the customer has the ticket")),
        )


def _due_cell(row: QueueRow, words: _Words, *, now, zone) -> str:
    if not row.is_open:
        return '<span class="desk-muted">—</span>'
    if row.sla_paused_at is not None:
        since = row.sla_paused_at.astimezone(zone)
        return (
            f'<time class="q-due q-paused" datetime="{since.isoformat()}" '
            f'title="{escape(absolute_text(since))} · {words.paused}">'
            f"{escape(waiting_text(row.sla_paused_at, now))}</time>"
        )
    due, first = effective_due(row)
    local = due.astimezone(zone)
    state = {SLA_BREACHED: words.breached, SLA_AT_RISK: words.at_risk}.get(row.sla_state, "")
    title = escape(absolute_text(local))
    if state:
        title += f" · {state}"
    return (
        f'<time class="q-due" datetime="{local.isoformat()}" title="{title}">'
        f"{escape(countdown_text(due, now))}</time>"
        f'<span class="q-due-kind">{words.first_answer if first else words.resolution}</span>'
    )


def queue_rows_html(
    rows: Iterable[QueueRow], *, can_change: bool, now: datetime | None = None
) -> str:
    """The queue's rows (<tr>…</tr> each), in the current language and time zone."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    words = _Words.now()
    url = ticket_url_maker()
    html = []
    for row in rows:
        reference = escape(row.reference)
        css = f"q-row q-priority-{row.priority}"
        if row.sla_paused_at is not None and row.status in OPEN_STATUSES:
            css += " q-waiting"
        elif row.sla_state:
            css += f" q-{escape(row.sla_state)}"
        check = ""
        if can_change:
            label = escape(words.select % {"reference": row.reference})
            check = (
                f'<td class="q-check"><input type="checkbox" name="tickets" value="{row.pk}" '
                f'aria-label="{label}"></td>'
            )
        badges = ""
        if row.customer_replied:
            badges += (
                f' <span class="desk-badge desk-badge-info" title="{words.replied_title}">'
                f"{words.replied}</span>"
            )
        if row.delivery_change_pending:
            badges += f' <span class="desk-badge desk-badge-warn">{words.change}</span>'
        if row.shipment_id is None:
            parcel = '<span class="desk-muted">—</span>'
        else:
            parcel = (
                f"{escape(row.carrier_name or '')} "
                f'<span class="desk-muted">{escape(row.tracking_number or "")}</span>'
            )
            if row.is_delayed:
                badges += f' <span class="desk-badge q-badge-late">{words.delayed}</span>'
        assignee = (
            escape(row.assignee_name)
            if row.assignee_id is not None
            else f'<span class="desk-muted">{words.unassigned}</span>'
        )
        status = words.statuses.get(row.status) or escape(row.status)
        priority = words.priorities.get(row.priority) or escape(str(row.priority))
        contact = escape(row.customer_email or row.customer_phone)
        html.append(
            f'<tr class="{css}" data-id="{row.pk}" tabindex="-1">{check}'
            f'<td class="q-ticket"><a href="{escape(url(row.pk))}" class="q-ref">{reference}</a>'
            f'<span class="q-subject">{escape(row.subject)}</span>{badges}'
            f'<span class="q-parcel-inline desk-muted">{parcel}</span></td>'
            f'<td class="q-customer"><span class="q-name" title="{escape(row.customer_name)}">'
            f"{escape(row.customer_name)}</span>"
            f'<span class="q-contact desk-muted">{contact}</span></td>'
            f'<td class="q-parcel">{parcel}</td>'
            f'<td class="q-status"><span class="desk-badge q-status-{escape(row.status)}">'
            f"{status}</span>"
            f'<span class="desk-badge q-prio q-prio-{row.priority}">{priority}</span></td>'
            f'<td class="q-sla">{_due_cell(row, words, now=now, zone=zone)}</td>'
            f'<td class="q-assignee">{assignee}</td></tr>\n'
        )
    return mark_safe("".join(html))  # noqa: S308 (every text above is escaped)
