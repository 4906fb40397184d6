"""Task functions: thin and idempotent (the ORM broker delivers at least once)."""

from apps.shipments.watch import delays_sweep


def sweep_delays() -> dict:
    result = delays_sweep()
    return {"flagged": result.flagged, "remeasured": result.remeasured}
