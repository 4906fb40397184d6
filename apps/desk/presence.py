"""Who else has a ticket open: each open workspace refreshes its row while it polls."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.desk.models import Presence

# A row not refreshed for this long is somebody who left (the page polls every few seconds).
PRESENCE_TTL = timedelta(seconds=30)


def presence_touch(*, ticket_id: int, user, composing: bool = False) -> None:
    """Mark `user` as looking at (or writing on) the ticket now.

    One UPDATE while the row exists (every poll after the first); the first time an INSERT, and
    should two tabs insert at once, the loser's UPDATE again.
    """
    values = {"seen_at": timezone.now(), "is_composing": composing}
    rows = Presence.objects.filter(ticket_id=ticket_id, user=user)
    if rows.update(**values):
        return
    try:
        with transaction.atomic():
            Presence.objects.create(ticket_id=ticket_id, user=user, **values)
    except IntegrityError:
        rows.update(**values)


def presence_leave(*, ticket_id: int, user) -> None:
    Presence.objects.filter(ticket_id=ticket_id, user=user).delete()


def presence_others(*, ticket_id: int, user) -> QuerySet[Presence]:
    """The others with the ticket open now, writers first; one query."""
    return (
        Presence.objects.filter(ticket_id=ticket_id, seen_at__gte=timezone.now() - PRESENCE_TTL)
        .exclude(user=user)
        .select_related("user")
        .order_by("-is_composing", "user__first_name", "user__username")
    )
