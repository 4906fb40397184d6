"""Pluggable SMS backends, chosen by the SMS_BACKEND setting (dotted path)."""

import sys
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string


class SmsBackend(ABC):
    """Send one text. `idempotency_key` lets a gateway drop a repeat of the same message."""

    @abstractmethod
    def send(self, *, to: str, body: str, idempotency_key: str) -> None: ...


class ConsoleSmsBackend(SmsBackend):
    """Development default: writes the message to standard output."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str, idempotency_key: str) -> None:
        self.stream.write(f"SMS to {to} [{idempotency_key}]\n{body}\n{'-' * 40}\n")
        self.stream.flush()


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
