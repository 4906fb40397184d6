from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.accounts.models import User
from apps.compensation.models import ActionKind, Budget, CompensationRule, Offer
from apps.core.tokens import token_hash
from apps.shipments.models import Carrier, Customer, Shipment, ShipmentStatus, TrackingEvent
from apps.tickets.models import Message, MessageAuthor, Ticket, TicketCategory


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@delaydesk.example")
    password = factory.django.Password("pass-for-tests")
    is_staff = True


class CarrierFactory(DjangoModelFactory):
    class Meta:
        model = Carrier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"carrier{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    country = "KR"


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"+8210{n:08d}")
    language = "en"


class ShipmentFactory(DjangoModelFactory):
    class Meta:
        model = Shipment

    carrier = factory.SubFactory(CarrierFactory)
    customer = factory.SubFactory(CustomerFactory)
    tracking_number = factory.Sequence(lambda n: f"TN{n:010d}")
    order_reference = factory.Sequence(lambda n: f"ORD-{n:06d}")
    shipping_fee = Decimal("3000")
    order_value = Decimal("45000")
    promised_start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    promised_end = factory.LazyAttribute(lambda o: o.promised_start + timedelta(days=1))
    status = ShipmentStatus.IN_TRANSIT


class TrackingEventFactory(DjangoModelFactory):
    class Meta:
        model = TrackingEvent

    shipment = factory.SubFactory(ShipmentFactory)
    carrier = factory.SelfAttribute("shipment.carrier")
    tracking_number = factory.SelfAttribute("shipment.tracking_number")
    carrier_event_id = factory.Sequence(lambda n: f"evt-{n}")
    raw_status = "InTransit"
    status = ShipmentStatus.IN_TRANSIT
    occurred_at = factory.LazyFunction(timezone.now)


class TicketFactory(DjangoModelFactory):
    """A ticket whose raw token is `<reference>-token` (see `token_for`)."""

    class Meta:
        model = Ticket

    reference = factory.Sequence(lambda n: f"DD-T{n:05d}")
    token_hash = factory.LazyAttribute(lambda o: token_hash(token_for(o.reference)))
    customer = factory.SubFactory(CustomerFactory)
    shipment = factory.SubFactory(ShipmentFactory, customer=factory.SelfAttribute("..customer"))
    subject = "Where is my parcel?"
    category = TicketCategory.LATE
    language = "en"
    first_response_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))
    resolution_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=48))


def token_for(reference: str) -> str:
    return f"{reference}-token-with-enough-length-for-tests"


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    author_kind = MessageAuthor.CUSTOMER
    body = factory.Faker("sentence")


class CompensationRuleFactory(DjangoModelFactory):
    class Meta:
        model = CompensationRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    action = ActionKind.FIXED_COUPON
    amount = Decimal("1000")


class BudgetFactory(DjangoModelFactory):
    class Meta:
        model = Budget

    name = factory.Sequence(lambda n: f"Budget {n}")
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    period_end = factory.LazyAttribute(lambda o: o.period_start + timedelta(days=30))
    amount = Decimal("1000000")


class OfferFactory(DjangoModelFactory):
    class Meta:
        model = Offer

    shipment = factory.SubFactory(ShipmentFactory)
    kind = ActionKind.FIXED_COUPON
    amount = Decimal("3000")
    explanation = "2 days late × ₩3,000 × 50% = ₩3,000"


class SurveyFactory(DjangoModelFactory):
    """A survey sent an hour after its ticket was resolved, open for 14 days, unanswered."""

    class Meta:
        model = "feedback.Survey"

    ticket = factory.SubFactory(
        TicketFactory,
        status="resolved",
        resolved_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2)),
    )
    nonce = factory.Sequence(lambda n: f"survey-nonce-{n:06d}-for-tests")
    language = factory.SelfAttribute("ticket.language")
    scheduled_for = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    sent_at = factory.SelfAttribute("scheduled_for")
    expires_at = factory.LazyAttribute(lambda o: o.scheduled_for + timedelta(days=14))


class SurveyResponseFactory(DjangoModelFactory):
    """An answer; its survey is marked answered at the same moment."""

    class Meta:
        model = "feedback.SurveyResponse"

    survey = factory.SubFactory(SurveyFactory, answered_at=factory.LazyFunction(timezone.now))
    csat = 4
    created_at = factory.SelfAttribute("survey.answered_at")
