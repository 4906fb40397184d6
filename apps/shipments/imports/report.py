"""What an import did: counts, and the first rejected lines with their reasons.

Only counts and a bounded sample are kept, whatever the file's length (constant memory).
"""

from dataclasses import dataclass, field

REJECTS_SHOWN = 20


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    unmatched: int = 0
    rejected: int = 0
    # Tracking events that were waiting unmatched and now belong to an imported shipment.
    attached: int = 0
    notified: int = 0
    rejects: list[str] = field(default_factory=list)

    def reject(self, line: int, errors: list[tuple[str, str]]) -> None:
        """Count a refused row; keep its reasons (`field: reason; ...`) if among the first 20."""
        self.rejected += 1
        if len(self.rejects) < REJECTS_SHOWN:
            reasons = "; ".join(f"{name}: {error}" if name else error for name, error in errors)
            self.rejects.append(f"line {line}: {reasons}")

    @property
    def rejects_not_shown(self) -> int:
        return self.rejected - len(self.rejects)
