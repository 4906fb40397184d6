"""Where every choice and every time comes from: seeded generators and the anchor."""

import random
from datetime import datetime, timedelta

SEED = 20240917


def rng_for(part: str) -> random.Random:
    # One generator per part, so changing one part leaves the others' data as it was.
    return random.Random(f"{SEED}-{part}")  # noqa: S311 - demo data, not secrets


class Clock:
    """Times relative to the anchor (the start of today); scans never later than just before it."""

    def __init__(self, anchor: datetime, rng: random.Random):
        self.anchor = anchor
        self.rng = rng
        self.limit = anchor - timedelta(minutes=30)

    def at(self, day: int, hour: int, minute: int | None = None) -> datetime:
        if minute is None:
            minute = self.rng.randrange(60)
        return self.anchor + timedelta(days=day, hours=hour, minutes=minute)

    def between(self, day: int, first_hour: int, last_hour: int) -> datetime:
        return self.at(day, self.rng.randint(first_hour, last_hour))

    def day_end(self, day: int) -> datetime:
        return self.at(day, 23, 59)
