"""Random access tokens for links sent to customers, stored only as hashes."""

import hashlib
import secrets

# 32 bytes = 256 bits of entropy; the URL-safe text form is 43 characters.
TOKEN_BYTES = 32


def token_generate() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 hex of the token. A fast hash is right here: the token is random, not a password."""
    return hashlib.sha256(token.encode()).hexdigest()


def reference_generate(prefix: str, length: int = 8) -> str:
    """A short reference people can read out on the phone (no 0/O, 1/I ambiguity)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))
