"""kill -9 of the task worker in the middle of sending: no message lost, none sent twice.

A real `manage.py qcluster` runs against the test database with a file-backed SMS gateway
(tests/notifications/crash_backend.py). The ORM broker re-delivers a task whose worker died;
each notification carries its id as the gateway's idempotency key, so the one message that was
in flight when the worker died may reach the gateway twice, and the gateway drops the repeat.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ
from django_q.tasks import async_task

from apps.notifications.models import Notification, NotificationChannel, NotificationStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MESSAGES = 20
WORKERS = 2
# Each message takes 0.3 s at the gateway, so one dispatch of all 20 takes ~6 s: within the
# task timeout (10 s), which stays below the broker's retry (12 s) as the settings demand.
GATEWAY_DELAY = "0.3"
Q_TIMEOUT, Q_RETRY = "10", "12"


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{quote(db['USER'])}{password}@{host}:{port}/{db['NAME']}"


def _start_cluster(gateway: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "1",
        "SMS_BACKEND": "tests.notifications.crash_backend.FileGatewaySms",
        "CRASH_GATEWAY_FILE": str(gateway),
        "CRASH_GATEWAY_DELAY": GATEWAY_DELAY,
        "Q_WORKERS": str(WORKERS),
        "Q_TIMEOUT": Q_TIMEOUT,
        "Q_RETRY": Q_RETRY,
        "EMAIL_URL": "consolemail://",
    }
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg takes every worker with it
        )


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _keys(gateway: Path) -> list[str]:
    return gateway.read_text(encoding="utf-8").split() if gateway.exists() else []


def _wait_for(condition, *, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n--- qcluster log ---\n{tail}")


def _dispatch_enqueue() -> None:
    # The test settings run tasks inline (sync); this one must go through the ORM broker.
    async_task("apps.notifications.tasks.dispatch_due", sync=False)


def test_a_killed_worker_loses_no_message_and_the_key_stops_a_second_send(tmp_path):
    # Given: 20 SMS due now, waiting in the outbox.
    gateway, log = tmp_path / "gateway.txt", tmp_path / "qcluster.log"
    due = timezone.now() - timedelta(minutes=1)
    ids = [
        Notification.objects.create(
            channel=NotificationChannel.SMS,
            recipient=f"+8210{n:08d}",
            language="en",
            stage="out_for_delivery",
            subject_type="shipment",
            subject_id=n,
            dedupe_key=f"shipment:{n}:out_for_delivery:sms",
            title="Your parcel arrives today",
            body="Hello, your parcel is out for delivery today.",
            urgent=True,
            next_attempt_at=due,
        ).pk
        for n in range(1, MESSAGES + 1)
    ]
    expected = {f"notification-{pk}" for pk in ids}
    first = second = None
    try:
        # When: a cluster starts sending and is killed with -9 after a few messages...
        _dispatch_enqueue()
        first = _start_cluster(gateway, log)
        _wait_for(lambda: len(_keys(gateway)) >= 3, timeout=60, what="the first messages", log=log)
        _kill(first)
        at_kill = _keys(gateway)
        unrecorded = {
            f"notification-{pk}"
            for pk in Notification.objects.filter(
                pk__in=ids, status=NotificationStatus.PENDING
            ).values_list("pk", flat=True)
        }
        in_flight = set(at_kill) & unrecorded
        assert 0 < len(at_kill) < MESSAGES, "the kill came too late to test anything"

        # ...and a fresh cluster takes over.
        second = _start_cluster(gateway, log)
        _dispatch_enqueue()
        _wait_for(
            lambda: (
                not Notification.objects.filter(pk__in=ids)
                .exclude(status=NotificationStatus.SENT)
                .exists()
            ),
            timeout=90,
            what="every notification to be sent",
            log=log,
        )
        # The task the dead worker held is delivered again once its lock expires (Q_RETRY).
        _wait_for(lambda: not OrmQ.objects.exists(), timeout=60, what="the queue to drain", log=log)
    finally:
        for cluster in (first, second):
            if cluster is not None:
                _kill(cluster)

    # Then: nothing lost, and the gateway, deduplicating by key, sent each message once.
    sent = Counter(_keys(gateway))
    assert set(sent) == expected
    assert len(sent) == MESSAGES
    repeated = {key for key, times in sent.items() if times > 1}
    # Only what a dying worker had handed over but not recorded goes twice, and all of it does.
    assert repeated == in_flight
    assert len(in_flight) <= WORKERS
    assert all(times <= 2 for times in sent.values())
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
