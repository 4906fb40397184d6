"""Carrier statuses → our canonical status and delay reason (docs/domain.md, "Tracking statuses").

Both layers are kept on every event: the raw strings verbatim, and what they mean to us. Keys are
compared case-insensitively with spaces, hyphens and underscores folded.
"""

from functools import lru_cache

from apps.shipments.models import DelayReason, ShipmentStatus

S = ShipmentStatus


_FOLD = str.maketrans("", "", " -_")
_CLEAN = str.maketrans("", "", " -")


def _key(text: str) -> str:
    return text.strip().lower().translate(_FOLD)


_STATUS = {
    # Our own canonical names are always accepted.
    **{_key(status.value): status for status in ShipmentStatus},
    # AfterShip tags.
    "pending": S.PENDING,
    "inforeceived": S.INFO_RECEIVED,
    "intransit": S.IN_TRANSIT,
    "outfordelivery": S.OUT_FOR_DELIVERY,
    "availableforpickup": S.AVAILABLE_FOR_PICKUP,
    "attemptfail": S.ATTEMPT_FAILED,
    "exception": S.EXCEPTION,
    "delivered": S.DELIVERED,
    "expired": S.EXCEPTION,
    # EasyPost statuses.
    "unknown": S.PENDING,
    "pretransit": S.INFO_RECEIVED,
    "failure": S.EXCEPTION,
    "error": S.EXCEPTION,
    "returntosender": S.RETURNED,
    "cancelled": S.EXCEPTION,
    # Shopify fulfillment events.
    "confirmed": S.PENDING,
    "labelprinted": S.INFO_RECEIVED,
    "labelpurchased": S.INFO_RECEIVED,
    "readyforpickup": S.AVAILABLE_FOR_PICKUP,
    "attempteddelivery": S.ATTEMPT_FAILED,
    "delayed": S.IN_TRANSIT,
    # Korean carriers' scan texts.
    # Picked up by the carrier: the parcel has left the sender.
    "집화처리": S.IN_TRANSIT,
    "집하": S.IN_TRANSIT,
    "접수": S.INFO_RECEIVED,
    "발송": S.IN_TRANSIT,
    "도착": S.IN_TRANSIT,
    "오분류": S.IN_TRANSIT,
    "보관": S.AVAILABLE_FOR_PICKUP,
    "분실": S.LOST,
    "사고접수": S.EXCEPTION,
    "간선상차": S.IN_TRANSIT,
    "간선하차": S.IN_TRANSIT,
    "이동중": S.IN_TRANSIT,
    "배송출발": S.OUT_FOR_DELIVERY,
    "배달준비": S.OUT_FOR_DELIVERY,
    "배달완료": S.DELIVERED,
    "배송완료": S.DELIVERED,
    "미배달": S.ATTEMPT_FAILED,
    "반송": S.RETURNED,
    "배송지연": S.IN_TRANSIT,
}

_DETECTED_BY_US = {
    DelayReason.NO_SCAN,
    DelayReason.WINDOW_PASSED,
    DelayReason.ESTIMATE_LATE,
    DelayReason.UNKNOWN,
}

# AfterShip subtags and EasyPost status details that say why a parcel is late or in trouble.
_REASON = {
    "exception004": DelayReason.CUSTOMS,
    "exception005": DelayReason.UNKNOWN,
    "exception006": DelayReason.NOT_HOME,
    "exception007": DelayReason.WRONG_ADDRESS,
    "exception010": DelayReason.UNKNOWN,
    "exception011": DelayReason.UNKNOWN,
    "exception013": DelayReason.LOST,
    "exception014": DelayReason.DAMAGED,
    "exception016": DelayReason.SORTING_ERROR,
    "exception017": DelayReason.WEATHER,
    "delayed": DelayReason.UNKNOWN,
    "weatherdelay": DelayReason.WEATHER,
    "customshold": DelayReason.CUSTOMS,
    "addressissue": DelayReason.WRONG_ADDRESS,
    "lost": DelayReason.LOST,
    "damaged": DelayReason.DAMAGED,
    "misrouted": DelayReason.SORTING_ERROR,
    "vehiclebreakdown": DelayReason.VEHICLE,
    "capacity": DelayReason.CAPACITY,
    "배송지연": DelayReason.UNKNOWN,
    "오분류": DelayReason.SORTING_ERROR,
    "분실": DelayReason.LOST,
    "수취인부재": DelayReason.NOT_HOME,
    "주소불명": DelayReason.WRONG_ADDRESS,
    "물량증가": DelayReason.CAPACITY,
    "차량고장": DelayReason.VEHICLE,
    "기상악화": DelayReason.WEATHER,
    "파손": DelayReason.DAMAGED,
    # Our own reason names, except those only our promise watch detects.
    **{_key(reason.value): reason for reason in DelayReason if reason not in _DETECTED_BY_US},
}

# Substatuses that change the canonical status itself.
_SUBSTATUS_STATUS = {
    "exception010": S.RETURNED,
    "exception011": S.RETURNED,
    "exception013": S.LOST,
    "lost": S.LOST,
}


# Carriers use a handful of strings millions of times: both lookups are cached.
@lru_cache(maxsize=4096)
def canonical_status(raw_status: str, raw_substatus: str = "") -> ShipmentStatus | None:
    """Our status for a carrier's status/substatus, or None when we do not know the string."""
    by_substatus = _SUBSTATUS_STATUS.get(_key(raw_substatus)) if raw_substatus else None
    return by_substatus or _STATUS.get(_key(raw_status))


@lru_cache(maxsize=4096)
def delay_reason(raw_status: str, raw_substatus: str = "") -> str:
    """The delay reason an event states explicitly, or "" when it states none."""
    for text in (raw_substatus, raw_status):
        if text and (reason := _REASON.get(_key(text))):
            return reason
    return ""


def status_vocabulary() -> list[str]:
    """The carrier statuses we know (as compared: folded, see `_key`), each meaning one of ours."""
    return sorted(_STATUS)


def known_statuses() -> list[str]:
    return sorted({status.value for status in ShipmentStatus})


def tracking_number_clean(text: str) -> str:
    """How a customer's typed number is compared: no spaces or hyphens, upper case."""
    return text.translate(_CLEAN).upper()
