"""What the customer was told about a shipment, as a table for the shipment page.

The outbox (apps.notifications) knows a shipment only by subject type and id, so this is one
query by that pair, capped; the outbox's own list has every row.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from apps.notifications.models import Notification, NotificationStatus

# The outbox names a shipment by this subject type (apps.shipments.telling).
NOTIFICATION_SUBJECT = "shipment"
# Stages × channels plus each new estimate: a parcel rarely has more; the outbox list has all.
NOTIFICATIONS_SHOWN = 50

_HEADERS = (
    _("Created"),
    _("Stage"),
    _("Channel"),
    _("Recipient"),
    _("Status"),
    _("Attempts"),
    _("Next attempt"),
    _("Last error"),
    _("Sent at"),
)
_ROW = (
    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
    '<td title="{}">{}</td><td>{}</td></tr>'
)


def _cell(value) -> str:
    return display_for_value(value, admin.site.empty_value_display)


def _delivery_state(notification: Notification) -> str:
    """The status, saying plainly when a pending message has already failed and will retry."""
    if notification.status == NotificationStatus.PENDING and notification.attempts:
        return str(_("Retrying"))
    return notification.get_status_display()


def _row(notification: Notification) -> tuple:
    pending = notification.status == NotificationStatus.PENDING
    return (
        _cell(notification.created_at),
        notification.stage,
        notification.get_channel_display(),
        notification.recipient,
        _delivery_state(notification),
        notification.attempts,
        # Only a pending message has a next attempt; on the others the column is stale.
        _cell(notification.next_attempt_at if pending else None),
        notification.last_error,
        _cell(Truncator(notification.last_error).chars(120)),
        _cell(notification.sent_at),
    )


def outbox_url(*, shipment_id: int) -> str:
    params = urlencode({"subject_type": NOTIFICATION_SUBJECT, "subject_id": shipment_id})
    return f"{reverse('admin:notifications_notification_changelist')}?{params}"


def notifications_table(*, shipment_id: int) -> SafeString | str:
    """The newest notifications about the shipment, failures and retries included (1 query)."""
    notifications = list(
        Notification.objects.filter(subject_type=NOTIFICATION_SUBJECT, subject_id=shipment_id)
        .order_by("-created_at", "-id")
        .only(
            "created_at",
            "stage",
            "channel",
            "recipient",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "sent_at",
        )[: NOTIFICATIONS_SHOWN + 1]
    )
    if not notifications:
        return _("None yet.")
    more = ""
    if len(notifications) > NOTIFICATIONS_SHOWN:
        more = format_html(
            '<p><a href="{}">{}</a></p>',
            outbox_url(shipment_id=shipment_id),
            _("The newest %(count)d are shown: all of them in the outbox")
            % {"count": NOTIFICATIONS_SHOWN},
        )
    return format_html(
        '<table class="shipment-notifications"><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody></table>{}",
        format_html_join("", "<th>{}</th>", ((header,) for header in _HEADERS)),
        format_html_join("", _ROW, (_row(n) for n in notifications[:NOTIFICATIONS_SHOWN])),
        more,
    )
