"""The demo's customers: at home in Korea, speaking Korean or English, and a few abroad."""

import random

from apps.shipments.models import Channel

from ..texts.people import EN_FIRST, EN_LAST, KO_FAMILY, KO_GIVEN
from ..texts.places import DHL_ABROAD
from .clock import Clock
from .records import CustomerPlan


def plan_customers(rng: random.Random, clock: Clock) -> list[CustomerPlan]:
    """120 Korean- and 80 English-speaking customers in Korea, and a few abroad (DHL exports)."""
    customers = []
    for n in range(200):
        if n % 5 < 3:
            family, family_latin = rng.choice(KO_FAMILY)
            given, given_latin = rng.choice(KO_GIVEN)
            name, language, address = family + given, "ko", f"{family + given} 고객님"
            local = f"{given_latin}.{family_latin.lower()}"
            channel = rng.choices([Channel.SMS, Channel.BOTH, Channel.EMAIL], [4, 3, 3])[0]
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            name, language, address = f"{first} {last}", "en", first
            local = f"{first}.{last}".lower()
            channel = rng.choices([Channel.EMAIL, Channel.BOTH, Channel.SMS], [7, 2, 1])[0]
        phone = f"+8210{rng.randrange(2000, 10000)}{rng.randrange(10000):04d}"
        email = f"{local}{n + 1}@example.{rng.choice(['com', 'net', 'kr'])}"
        if channel == Channel.SMS and rng.random() < 0.5:
            email = ""  # some customers only ever gave a phone number
        elif channel == Channel.EMAIL and rng.random() < 0.3:
            phone = ""
        customers.append(
            CustomerPlan(
                name=name,
                email=email,
                phone=phone,
                language=language,
                channel=channel,
                since=clock.at(-rng.randint(40, 700), rng.randint(8, 23)),
                address=address,
            )
        )
    for n, abroad in enumerate(DHL_ABROAD):
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        customers.append(
            CustomerPlan(
                name=f"{first} {last}",
                email=f"{first}.{last}.{abroad[3]}{n + 1}@example.com".lower(),
                phone="",
                language="en",
                channel=Channel.EMAIL,
                address=first,
                since=clock.at(-rng.randint(40, 400), 12),
                time_zone=abroad[4],
                abroad=abroad,
            )
        )
    return customers
