"""The one channel rule: how a customer is reached, for every kind of message.

Parcel stages, ticket messages, offers, surveys and follow-ups all ask `channels_choose`, so a
customer is reached the same way whatever the message is about.
"""

from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.notifications.models import NotificationChannel


class PreferredChannel(models.TextChoices):
    """What a customer chose to be reached by."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    BOTH = "both", _("Email and SMS")


class Reachable(Protocol):
    """What the rule reads of a customer: a Customer row or any lighter stand-in."""

    channel: str
    email: str
    phone: str


def channels_choose(*, preferred: str, email: str, phone: str) -> list[tuple[str, str]]:
    """(channel, address) pairs to send one message to.

    The chosen channels that have an address; when none has one, the customer still hears from
    us by whatever address exists — email first, else SMS — because a parcel or ticket message
    that reaches nobody is worse than one on the other channel. No address at all: nobody.
    """
    wanted = []
    if preferred in (PreferredChannel.EMAIL, PreferredChannel.BOTH) and email:
        wanted.append((NotificationChannel.EMAIL.value, email))
    if preferred in (PreferredChannel.SMS, PreferredChannel.BOTH) and phone:
        wanted.append((NotificationChannel.SMS.value, phone))
    if not wanted:
        if email:
            wanted.append((NotificationChannel.EMAIL.value, email))
        elif phone:
            wanted.append((NotificationChannel.SMS.value, phone))
    return wanted


def customer_channels(customer: Reachable) -> list[tuple[str, str]]:
    """`channels_choose` for a customer (or anything with channel, email and phone)."""
    return channels_choose(preferred=customer.channel, email=customer.email, phone=customer.phone)
