"""The outbox: queue messages once, send them from tasks, retry with backoff."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.core.bulk import bulk_insert_values
from apps.notifications.models import Notification, NotificationChannel, NotificationStatus
from apps.notifications.quiet_hours import quiet_release
from apps.notifications.sms import get_sms_backend

logger = logging.getLogger(__name__)

# Wait before attempt n+1 after n failures; past the last, the notification is failed for good.
# Where a message's text says this, a freshly minted private link goes when it is sent.
LINK_MARK = "{ticket_link}"

RETRY_BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
]
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1

# What notifications_queue writes; the other columns take their defaults (pending, no attempts).
_QUEUE_FIELDS = [
    "channel",
    "recipient",
    "language",
    "stage",
    "subject_type",
    "subject_id",
    "dedupe_key",
    "title",
    "body",
    "urgent",
    "next_attempt_at",
    "created_at",
]


@dataclass(slots=True)
class Draft:
    channel: str
    recipient: str
    language: str
    stage: str
    subject_type: str
    subject_id: int
    urgent: bool
    time_zone: str
    # Empty: rendered at send time by the subject type's renderer (NOTIFICATION_RENDERERS).
    title: str = ""
    body: str = ""
    # Tells apart repeats of one stage that are news each time (a second new estimate).
    occurrence: str = ""

    @property
    def dedupe_key(self) -> str:
        key = f"{self.subject_type}:{self.subject_id}:{self.stage}:{self.channel}"
        return f"{key}:{self.occurrence}" if self.occurrence else key


def notifications_queue(*, drafts: list[Draft], now: datetime | None = None) -> int:
    """Insert drafts as pending notifications, once per (subject, stage, channel).

    Runs in the caller's transaction (the outbox row commits with the change it reports) and
    triggers a dispatch once that transaction commits. Returns how many drafts were new.
    """
    if not drafts:
        return 0
    now = now or timezone.now()
    # Plain tuples, not Notification instances: the promise watch queues thousands at a time.
    # Quiet hours depend only on the time zone here (one `now`): computed once per zone.
    releases: dict[str, datetime] = {}
    rows = []
    due_now = set()
    for draft in drafts:
        if draft.urgent:
            due = now
        else:
            due = releases.get(draft.time_zone)
            if due is None:
                due = releases[draft.time_zone] = quiet_release(
                    moment=now, time_zone=draft.time_zone
                )
        key = draft.dedupe_key
        if due <= now:
            due_now.add(key)
        rows.append(
            (
                draft.channel,
                draft.recipient,
                draft.language,
                draft.stage,
                draft.subject_type,
                draft.subject_id,
                key,
                draft.title[:200],
                draft.body,
                draft.urgent,
                due,
                now,
            )
        )
    inserted = bulk_insert_values(Notification, _QUEUE_FIELDS, rows, unique_field="dedupe_key")
    if not due_now.isdisjoint(inserted):
        transaction.on_commit(_enqueue_dispatch)
    return len(inserted)


def _enqueue_dispatch() -> None:
    from django_q.tasks import async_task

    async_task("apps.notifications.tasks.dispatch_due", group="notifications")


def _render(notification: Notification) -> None:
    if notification.body:
        return
    renderer = import_string(settings.NOTIFICATION_RENDERERS[notification.subject_type])
    notification.title, notification.body = renderer(notification)
    notification.title = notification.title[:200]


def _with_link(notification: Notification) -> str:
    """The body to send: a private link minted into this copy only, never into the outbox row."""
    body = notification.body
    minter = settings.NOTIFICATION_LINKS.get(notification.subject_type)
    if minter and LINK_MARK in body:
        body = body.replace(LINK_MARK, import_string(minter)(notification))
    return body


def _deliver(notification: Notification) -> None:
    # The notification id is the idempotency key: a re-run after a crash between sending and
    # recording does not make the gateway send twice.
    key = f"notification-{notification.pk}"
    body = _with_link(notification)
    if notification.channel == NotificationChannel.SMS:
        get_sms_backend().send(to=notification.recipient, body=body, idempotency_key=key)
    else:
        EmailMessage(
            subject=notification.title,
            body=body,
            to=[notification.recipient],
            headers={"Message-ID": f"<{key}@delaydesk>", "Idempotency-Key": key},
        ).send()


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one due notification under a row lock; returns its status afterwards.

    A row another worker holds is skipped (it is being sent); a sent, failed or suppressed one is
    left alone, so running this twice sends once. On failure: retry later with backoff.
    """
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if notification is None:
            return "skipped"
        notification.attempts += 1
        try:
            _render(notification)
            _deliver(notification)
        except Exception as exc:  # any gateway failure is retried, then recorded as failed
            logger.warning(
                "notification %s attempt %s failed: %s", notification.pk, notification.attempts, exc
            )
            notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
            else:
                notification.next_attempt_at = now + RETRY_BACKOFF[notification.attempts - 1]
        else:
            notification.status = NotificationStatus.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
        notification.save(
            update_fields=[
                "attempts",
                "status",
                "sent_at",
                "next_attempt_at",
                "last_error",
                "title",
                "body",
            ]
        )
        return notification.status


def notifications_dispatch_due(*, now: datetime | None = None, limit: int = 500) -> dict:
    """Send what is due (new, released from quiet hours, or due for a retry)."""
    now = now or timezone.now()
    due_ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for notification_id in due_ids:
        status = notification_send(notification_id=notification_id, now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts
