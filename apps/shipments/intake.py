"""Validation of incoming tracking events (webhook bodies, import rows) into `EventIn` values.

One place for both paths, so a webhook and an import file reject the same things with the same
words. The fields are defined once, in `EVENT_FIELDS`: the validator reads its limits and
required names from that table, and the API's OpenAPI description of an event is built from it
(`event_schema`), so the two cannot drift. Hand-written rather than a DRF serializer: it runs a
million times in an import.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.shipments.normalize import (
    canonical_status,
    delay_reason,
    status_vocabulary,
    tracking_number_clean,
)

STRING, DATETIME = "string", "datetime"


@dataclass(frozen=True, slots=True)
class EventField:
    """One field of a tracking event: what the validator takes and what the API documents."""

    name: str
    kind: str  # STRING or DATETIME (ISO 8601 with an offset)
    description: str
    required: bool = False
    max_length: int | None = None
    # Values we recognise, compared ignoring case, spaces, hyphens and underscores.
    known_values: tuple[str, ...] = ()


EVENT_FIELDS = (
    EventField(
        "event_id", STRING, "The carrier's id of the event, unique per carrier: a repeat is "
        "stored once.", required=True, max_length=128,
    ),
    EventField(
        "tracking_number", STRING, "Spaces and hyphens are dropped, letters upper-cased.",
        required=True, max_length=64,
    ),
    EventField(
        "order_reference", STRING, "Tells apart shipments that share a recycled tracking "
        "number; without it, the newest shipment with the number takes the event.",
        max_length=64,
    ),
    EventField(
        "status", STRING, "The carrier's status, verbatim. One we know (`x-known-values`, "
        "compared ignoring case, spaces, hyphens and underscores), unless the substatus alone "
        "says what happened.", required=True, max_length=120,
        known_values=tuple(status_vocabulary()),
    ),
    EventField("substatus", STRING, "The carrier's substatus, verbatim.", max_length=120),
    EventField(
        "occurred_at", DATETIME, "When it happened, ISO 8601 with an offset; at most an hour "
        "ahead of our clock.", required=True,
    ),
    EventField("location", STRING, "Where it happened.", max_length=120),
    EventField("message", STRING, "The carrier's text.", max_length=300),
    EventField(
        "estimate_start", DATETIME, "The carrier's new delivery window: start (ISO 8601 with "
        "an offset); given with estimate_end.",
    ),
    EventField(
        "estimate_end", DATETIME, "The carrier's new delivery window: end, not before "
        "estimate_start.",
    ),
)  # fmt: skip

KNOWN_FIELDS = tuple(spec.name for spec in EVENT_FIELDS)
_LIMITS = {spec.name: spec.max_length for spec in EVENT_FIELDS if spec.kind == STRING}
_REQUIRED = tuple(spec.name for spec in EVENT_FIELDS if spec.required)
# A scanner clock a little ahead is normal; a day ahead is a bad row.
_FUTURE_TOLERANCE = timedelta(hours=1)


@dataclass(slots=True)
class EventIn:
    carrier_event_id: str
    tracking_number: str
    order_reference: str
    raw_status: str
    raw_substatus: str
    status: str
    delay_reason: str
    occurred_at: datetime
    location: str = ""
    message: str = ""
    estimate_start: datetime | None = None
    estimate_end: datetime | None = None
    payload: dict = field(default_factory=dict)


@dataclass(slots=True)
class FieldError:
    index: int
    field: str
    error: str

    def as_dict(self) -> dict:
        return {"index": self.index, "field": self.field, "error": self.error}


def _datetime(value, name: str, errors: list, index: int) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = None
    if isinstance(value, str):
        text = value.strip()
        try:
            # The C parser takes the common forms in a fraction of the regex's time.
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = parse_datetime(text)
            except ValueError:
                parsed = None
    if parsed is None:
        errors.append(FieldError(index, name, "must be an ISO 8601 date and time"))
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        errors.append(FieldError(index, name, "needs a time zone offset (e.g. +09:00 or Z)"))
        return None
    return parsed


def event_parse(item, *, index: int, now: datetime) -> tuple[EventIn | None, list[FieldError]]:
    """Validate one event object; returns the event or the list of what is wrong with it."""
    if not isinstance(item, dict):
        return None, [FieldError(index, "", "each event must be a JSON object")]
    errors: list[FieldError] = []
    text = {}
    for name, limit in _LIMITS.items():
        value = item.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(FieldError(index, name, "must be a string"))
            continue
        value = value.strip()
        if len(value) > limit:
            errors.append(FieldError(index, name, f"must be at most {limit} characters"))
        text[name] = value
    for name in _REQUIRED:
        value = text.get(name, item.get(name))
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(FieldError(index, name, "is required"))

    occurred_at = _datetime(item.get("occurred_at"), "occurred_at", errors, index)
    if occurred_at and occurred_at > now + _FUTURE_TOLERANCE:
        errors.append(FieldError(index, "occurred_at", "is in the future"))
    estimate_start = _datetime(item.get("estimate_start"), "estimate_start", errors, index)
    estimate_end = _datetime(item.get("estimate_end"), "estimate_end", errors, index)
    if (estimate_start is None) != (estimate_end is None):
        errors.append(
            FieldError(index, "estimate_end", "estimate_start and estimate_end go together")
        )
    elif estimate_start and estimate_end and estimate_end < estimate_start:
        errors.append(FieldError(index, "estimate_end", "must not be before estimate_start"))

    status = None
    if text.get("status"):
        status = canonical_status(text["status"], text.get("substatus", ""))
        if status is None:
            errors.append(
                FieldError(index, "status", f"unknown carrier status '{text['status'][:40]}'")
            )
    if errors:
        return None, errors
    extra = {key: value for key, value in item.items() if key not in KNOWN_FIELDS}
    return (
        EventIn(
            carrier_event_id=text["event_id"],
            tracking_number=tracking_number_clean(text["tracking_number"]),
            order_reference=text.get("order_reference", ""),
            raw_status=text["status"],
            raw_substatus=text.get("substatus", ""),
            status=status,
            delay_reason=delay_reason(text["status"], text.get("substatus", "")),
            occurred_at=occurred_at,
            location=text.get("location", ""),
            message=text.get("message", ""),
            estimate_start=estimate_start,
            estimate_end=estimate_end,
            payload=extra,
        ),
        [],
    )


def events_parse(
    items: list, *, now: datetime | None = None
) -> tuple[list[EventIn], list[FieldError]]:
    now = now or timezone.now()
    events, errors = [], []
    for index, item in enumerate(items):
        event, item_errors = event_parse(item, index=index, now=now)
        if event is not None:
            events.append(event)
        errors.extend(item_errors)
    return events, errors


def event_schema(*, omit: Iterable[str] = ()) -> dict:
    """The OpenAPI (3.0) schema of one event object as `event_parse` takes it, from EVENT_FIELDS.

    `omit`: fields the endpoint fills in itself (the events endpoint takes the shipment's
    tracking number and order reference).
    """
    omitted = set(omit)
    properties = {}
    for spec in EVENT_FIELDS:
        if spec.name in omitted:
            continue
        schema: dict = {"type": "string", "description": spec.description}
        if spec.kind == DATETIME:
            schema["format"] = "date-time"
        if spec.max_length:
            schema["maxLength"] = spec.max_length
        if spec.required and spec.kind == STRING:
            schema["minLength"] = 1
        if not spec.required:
            # An absent, null or (for text) empty value all mean "not given".
            schema["nullable"] = True
        if spec.known_values:
            schema["x-known-values"] = list(spec.known_values)
        properties[spec.name] = schema
    required = [spec.name for spec in EVENT_FIELDS if spec.required and spec.name in properties]
    return {
        "type": "object",
        "description": "A tracking event. Other fields are kept with the event, as given.",
        "properties": properties,
        "required": required,
        "additionalProperties": True,
    }
