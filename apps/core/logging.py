"""Keeping customers' private links out of the logs.

A ticket link /t/<token>/ or a confirmation link /contact/confirm/<token>/ opens a customer's
request to whoever holds it, and log lines travel far (files, aggregators, support tickets):
Django's "Not Found: /t/…" warnings and runserver's request lines would carry the token.
"""

import logging
import re

# The token is one path segment: up to the next slash, or the end of the path (a quote, a
# space, a query string), so "/t/<token>/reply/" keeps its "/reply/".
_TOKEN_PATH = re.compile(r"(/t/|/contact/confirm/|/survey/)[^/\s\"'?#]+")
REDACTED = "<redacted>"


def redact_token_paths(text: str) -> str:
    return _TOKEN_PATH.sub(rf"\g<1>{REDACTED}", text)


def _redacted(value):
    if isinstance(value, str):
        return redact_token_paths(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    # Anything else is formatted with %s (a path-like object, a request line): redact its text
    # only when it holds a link, so numbers and other objects format exactly as before.
    text = str(value)
    redacted = redact_token_paths(text)
    return redacted if redacted != text else value


class RedactTokenPaths(logging.Filter):
    """Rewrites /t/<token>/ and /contact/confirm/<token>/ in a record's message and arguments
    to /t/<redacted>/; lets every record through. Put it on the handlers (a handler's filter
    sees records propagated from every logger; a logger's sees only its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True
