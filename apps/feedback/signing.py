"""The survey link: the survey's nonce, signed with a salt of its own and a time limit.

No personal data is in the token, only the nonce (random, stored on the survey). The signature
makes the link unguessable and unalterable; the timestamp inside it bounds how long a link
found in an old mailbox or a log line still opens anything. One-time use is the survey's
`answered_at`, set by a conditional update, not the token's business.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing

from apps.feedback.errors import SurveyClosed, SurveyLinkInvalid

SALT = "delaydesk.survey"
DEFAULT_VALID_DAYS = 14
# A nonce is 32 URL-safe characters; anything much longer is not one of ours.
_MAX_TOKEN_LENGTH = 200


def survey_valid_for() -> timedelta:
    return timedelta(days=settings.DELAYDESK.get("SURVEY_VALID_DAYS", DEFAULT_VALID_DAYS))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def survey_token_make(*, nonce: str) -> str:
    """`<nonce>:<timestamp>:<signature>`, URL-safe (base64url and colons)."""
    return _signer().sign(nonce)


def survey_token_read(*, token: str) -> str:
    """The nonce of a genuine, unexpired token.

    Raises SurveyClosed when the signature is right but older than the validity, and
    SurveyLinkInvalid for anything else (tampered, truncated, another salt's signature).
    """
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise SurveyLinkInvalid()
    try:
        return _signer().unsign(token, max_age=survey_valid_for())
    except signing.SignatureExpired as expired:
        raise SurveyClosed() from expired
    except signing.BadSignature as bad:
        raise SurveyLinkInvalid() from bad
