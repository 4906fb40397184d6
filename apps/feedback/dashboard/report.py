"""The weekly report: the dashboard's figures for the last 7 days, mailed to the managers.

HTML with tables (no images, which mail clients hide) and a plain-text alternative, one message
per recipient in their desk language. `weekly_report_task` is what the schedule runs;
`manage.py weekly_report` runs the same by hand.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.roles import MANAGERS
from apps.feedback.dashboard.figures import (
    MANAGER_FIGURES,
    Figure,
    Source,
    figures_build,
    headline,
)
from apps.feedback.dashboard.period import Period
from apps.feedback.dashboard.selectors import dashboard_reads
from apps.feedback.models import WeeklyReportRun

REPORT_DAYS = 7


@dataclass(frozen=True)
class Sent:
    period: Period
    recipients: list[str]


def weekly_period(week_ending: date | None = None) -> Period:
    """The 7 days ending `week_ending` (default: yesterday, the last whole day in the desk)."""
    end = week_ending or timezone.localdate() - timedelta(days=1)
    return Period(start=end - timedelta(days=REPORT_DAYS - 1), end=end)


def managers_to_tell() -> list[tuple[str, str]]:
    """(email, language) of every active manager with an email address."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=MANAGERS)
        .exclude(email="")
        .order_by("email")
        .values_list("email", "preferred_language")
        .distinct()
    )


def _languages_of(emails: list[str]) -> list[tuple[str, str]]:
    """Addresses given by hand: a desk user's own language where we know it, else the default."""
    known = {
        email.casefold(): language
        for email, language in get_user_model()
        .objects.filter(email__in=emails)
        .values_list("email", "preferred_language")
    }
    return [(email, known.get(email.casefold(), settings.LANGUAGE_CODE)) for email in emails]


def weekly_report(*, recipients: list[str] | None = None, week_ending: date | None = None) -> Sent:
    """Mail the report for the 7 days ending `week_ending` to `recipients` (default: the active
    managers). Queries the figures once, renders them once per language, sends one message per
    recipient over one connection. Returns what was sent.
    """
    period = weekly_period(week_ending)
    addressed = managers_to_tell() if recipients is None else _languages_of(recipients)
    by_language: dict[str, list[str]] = defaultdict(list)
    for email, language in addressed:
        by_language[language or settings.LANGUAGE_CODE].append(email)
    if not by_language:
        return Sent(period=period, recipients=[])
    source = Source(period)
    with dashboard_reads():
        # Fetch every figure's rows once; each language below only renders them.
        figures_build(source, MANAGER_FIGURES)
        headline(source)
    messages = []
    for language, emails in sorted(by_language.items()):
        with translation.override(language):
            subject, text, html = report_render(source)
        for email in emails:
            message = EmailMultiAlternatives(
                subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[email]
            )
            message.attach_alternative(html, "text/html")
            messages.append(message)
    get_connection().send_messages(messages)
    return Sent(period=period, recipients=[email for email, _language in addressed])


def weekly_report_task() -> int:
    """Scheduled weekly (django-q2): the last 7 whole days to every active manager, once per
    week — the broker delivers at least once, so a week already sent is skipped."""
    period = weekly_period()
    with transaction.atomic():
        run, _created = WeeklyReportRun.objects.select_for_update().get_or_create(
            week_ending=period.end
        )
        if run.sent_at is not None:
            return 0
        sent = weekly_report(week_ending=period.end)
        run.recipients = len(sent.recipients)
        run.sent_at = timezone.now()
        run.save(update_fields=["recipients", "sent_at"])
    return run.recipients


def report_render(source: Source) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the report in the active language."""
    period = source.period
    figures = figures_build(source, MANAGER_FIGURES)
    span = f"{period.start.isoformat()} – {period.end.isoformat()}"
    subject = _("Delay Desk weekly report, %(span)s") % {"span": span}
    link = (
        settings.DELAYDESK["SITE_URL"].rstrip("/")
        + reverse("dashboard:index")
        + f"?start={period.start.isoformat()}&end={period.end.isoformat()}"
    )
    context = {
        "subject": subject,
        "span": span,
        "headline": headline(source),
        "figures": [
            {
                "figure": figure,
                "rows": figure.table.display_rows(),
                "total": figure.table.display_total(),
                "text": text_table(figure),
            }
            for figure in figures
        ],
        "link": link,
    }
    text = render_to_string("feedback/dashboard/report.txt", context)
    html = render_to_string("feedback/dashboard/report.html", context)
    return subject, text, html


def text_table(figure: Figure) -> str:
    """A table in fixed-width columns for the plain-text part."""
    table = figure.table
    lines = [[column.label for column in table.columns]]
    lines += [[text for text, _kind in row] for row in table.display_rows()]
    if table.total:
        lines.append([text for text, _kind in table.display_total()])
    if len(lines) == 1:
        return _("Nothing in this range.")
    widths = [max(len(line[n]) for line in lines) for n in range(len(lines[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if n == 0 else cell.rjust(width)
            for n, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    )
