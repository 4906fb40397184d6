"""Standard Webhooks signatures for carrier pushes (docs/domain.md, "Webhooks in").

`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, per-carrier secret written
`whsec_<base64>`, 5-minute tolerance, compared in constant time by the reference library. A
carrier may hold several secrets (space-separated) while it rotates: any one of them verifies.
Anything malformed fails closed.
"""

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook


class SignatureInvalid(Exception):
    pass


def secret_generate() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signature_verify(*, secrets_text: str, body: bytes, headers) -> None:
    """Raise SignatureInvalid unless one of the secrets signed this body, recently."""
    candidates = secrets_text.split()
    if not candidates:
        raise SignatureInvalid("the carrier has no webhook secret configured")
    wanted = {
        name: headers.get(name, "")
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    if not all(wanted.values()):
        raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SignatureInvalid("body is not UTF-8") from exc
    for secret in candidates:
        try:
            Webhook(secret).verify(text, wanted, json_parse=False)
            return
        except Exception:  # noqa: S112 - any failure with this secret: try the next, then refuse
            continue
    raise SignatureInvalid("signature does not match or timestamp outside 5 minutes")


def signature_headers(*, secret: str, body: bytes, webhook_id: str, at: datetime | None = None):
    """Headers a sender puts on a delivery (used by clients, tests and benchmarks)."""
    # The library stamps the time as UTC without converting: hand it UTC.
    at = (at or datetime.now(tz=UTC)).astimezone(UTC)
    signature = Webhook(secret).sign(msg_id=webhook_id, timestamp=at, data=body.decode("utf-8"))
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
