"""Reading ids and times from query strings and form posts, refusing what is not plainly one.

`str.isdigit()` accepts "²" and "①", which `int()` then refuses; `datetime.fromisoformat`
accepts year 9999 with a zone, which overflows as soon as it is moved to UTC or a day added.
Each helper answers None for anything it would not stake a query on.
"""

import re
from datetime import UTC, date, datetime

_ID = re.compile(r"[0-9]{1,18}")
# Times and dates the desk ever shows or asks about; outside, an input is a mistake or a probe.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def id_from(text) -> int | None:
    """A positive database id from `text` (ASCII digits only), or None."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 < text < 10**18 else None
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    value = int(text)
    return value or None


def moment_from(text) -> datetime | None:
    """An aware datetime from ISO 8601 `text` between 2000 and 2100, or None."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    try:
        if not EARLIEST <= moment <= LATEST:
            return None
    except OverflowError:
        return None
    return moment


def date_in_range(day: date) -> bool:
    """True for a calendar day the desk can reason about (2000–2099)."""
    return EARLIEST.year <= day.year < LATEST.year


def keyset_from(text) -> tuple[datetime, int] | None:
    """`<iso time>_<id>`, a keyset page's last row (time, id), or None."""
    moment, _sep, pk = (text or "").rpartition("_")
    moment, pk = moment_from(moment), id_from(pk)
    return (moment, pk) if moment is not None and pk is not None else None
