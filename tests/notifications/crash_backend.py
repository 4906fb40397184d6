"""A stand-in SMS gateway for the worker-crash test, importable by a real qcluster process.

It writes each message's idempotency key to the file named by CRASH_GATEWAY_FILE *before* it
takes its time (CRASH_GATEWAY_DELAY seconds): a worker killed during that pause has handed the
message to the gateway without recording it as sent, the case the idempotency key exists for.
A real gateway would drop the second message with a key it has seen; this one keeps every line
so the test can count.
"""

import os
import time


class FileGatewaySms:
    def send(self, *, to: str, body: str, idempotency_key: str) -> None:
        with open(os.environ["CRASH_GATEWAY_FILE"], "a", encoding="utf-8") as gateway:
            gateway.write(idempotency_key + "\n")
            gateway.flush()
            os.fsync(gateway.fileno())
        time.sleep(float(os.environ.get("CRASH_GATEWAY_DELAY", "0.3")))
