"""Pluggable SMS backends, chosen by the SMS_BACKEND setting (dotted path)."""

import json
import sys
import urllib.error
import urllib.request
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


class SmsGatewayError(Exception):
    pass


class HttpSmsBackend(SmsBackend):
    """A generic HTTP gateway: POST {"to", "body"} as JSON to SMS_GATEWAY_URL.

    Sends `Authorization: Bearer <SMS_GATEWAY_TOKEN>` and `Idempotency-Key`, so the gateway can
    drop a repeat of a message the worker sent before it crashed. Any answer but 2xx raises, and
    the outbox retries later.
    """

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 10):
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout
        if not self.url:
            raise SmsGatewayError("SMS_GATEWAY_URL is not set")

    def send(self, *, to: str, body: str, idempotency_key: str) -> None:
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url,
            data=json.dumps({"to": to, "body": body}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": idempotency_key,
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsGatewayError(f"gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise SmsGatewayError(f"gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsGatewayError(f"gateway answered {status}")


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
