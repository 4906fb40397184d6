"""Carrier codes of import rows → carriers, with a bounded cache (one query per code)."""

from apps.shipments.imports.files import ImportFailed
from apps.shipments.models import Carrier

# A file full of made-up codes must not grow the cache without bound.
_UNKNOWN_KEPT = 1000


class CarrierLookup:
    """`find(value)` → (carrier, None) or (None, (field, reason)) for a row's `carrier` value.

    An empty value falls back to the default carrier (the command's --carrier). Inactive
    carriers are accepted: an operator backfilling history may load a carrier no longer used.
    """

    def __init__(self, default_code: str | None = None):
        self._found: dict[str, Carrier] = {}
        self._unknown: set[str] = set()
        self.default = None
        if default_code:
            self.default = Carrier.objects.filter(code=default_code).first()
            if self.default is None:
                codes = Carrier.objects.order_by("code").values_list("code", flat=True)[:20]
                known = ", ".join(codes)
                raise ImportFailed(
                    f"unknown carrier '{default_code}' (known: {known or 'none yet'})"
                )
            self._found[self.default.code] = self.default

    def find(self, value) -> tuple[Carrier | None, tuple[str, str] | None]:
        if value is None or value == "":
            if self.default is None:
                return None, ("carrier", "is required (a carrier column or --carrier)")
            return self.default, None
        if not isinstance(value, str):
            return None, ("carrier", "must be a string")
        code = value.strip()
        carrier = self._found.get(code)
        if carrier is not None:
            return carrier, None
        if code not in self._unknown:
            carrier = Carrier.objects.filter(code=code).first()
            if carrier is not None:
                self._found[code] = carrier
                return carrier, None
            if len(self._unknown) < _UNKNOWN_KEPT:
                self._unknown.add(code)
        return None, ("carrier", f"unknown carrier '{code[:40]}'")
