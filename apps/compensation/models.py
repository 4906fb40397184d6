from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.money import Currency, MoneyField
from apps.shipments.models import Carrier, Fault, PromiseType, ServiceLevel, Shipment
from apps.tickets.models import Ticket


class ActionKind(models.TextChoices):
    SHIPPING_REFUND = "shipping_refund", _("Refund of the shipping fee")
    FREE_SHIPPING = "free_shipping", _("Free-shipping coupon")
    FIXED_COUPON = "fixed_coupon", _("Coupon (fixed amount)")
    PERCENT_COUPON = "percent_coupon", _("Coupon (percent)")
    POINTS = "points", _("Loyalty points")
    STORE_CREDIT = "store_credit", _("Store credit")
    FARE_FORMULA = "fare_formula", _("Fare × days late × rate, capped")


class Preset(models.TextChoices):
    CUSTOM = "custom", _("Custom")
    KR_STANDARD_LATE = "kr_standard_late", _("Korean standard parcel terms: late")
    KR_STANDARD_NEEDED_BY = (
        "kr_standard_needed_by",
        _("Korean standard parcel terms: needed on a date"),
    )
    RETAIL_GUARANTEE = "retail_guarantee", _("Retail delivery guarantee")
    GOODWILL = "goodwill", _("Goodwill table")


class CompensationRule(TimeStampedModel):
    """A condition → action rule. Editing a rule bumps its version; offers keep the version."""

    name = models.CharField(max_length=120)
    preset = models.CharField(max_length=24, choices=Preset.choices, default=Preset.CUSTOM)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    priority = models.PositiveIntegerField(default=100, help_text=_("Lower runs first"))
    stacking_group = models.SlugField(
        max_length=40,
        default="delay",
        help_text=_("One offer per broken promise and group; different groups stack"),
    )
    choice_group = models.SlugField(
        max_length=40,
        blank=True,
        help_text=_(
            "Alternatives: offers whose rules share this label are shown as a choice, and "
            "accepting one declines the others"
        ),
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    # Conditions (empty = any).
    min_hours_late = models.PositiveIntegerField(default=0)
    max_hours_late = models.PositiveIntegerField(null=True, blank=True)
    min_business_days_late = models.PositiveIntegerField(default=0)
    promise_types = models.JSONField(
        default=list,
        blank=True,
        help_text=format_lazy(_("Any of {choices}"), choices=", ".join(PromiseType.values)),
    )
    exempt_faults = models.JSONField(
        default=list,
        blank=True,
        help_text=format_lazy(
            _("No offer when the fault is one of {choices}"), choices=", ".join(Fault.values)
        ),
    )
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, null=True, blank=True)
    service_level = models.CharField(max_length=16, choices=ServiceLevel.choices, blank=True)
    min_order_value = MoneyField(null=True, blank=True)
    max_order_value = MoneyField(null=True, blank=True)
    max_previous_grants = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Only when the customer had at most this many compensated delays before"),
    )

    # Action.
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.KRW)
    action = models.CharField(max_length=20, choices=ActionKind.choices)
    amount = MoneyField(default=0, help_text=_("Fixed amount, points or credit"))
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percent of the shipping fee or of the order"),
    )
    rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.50"),
        help_text=_("Formula: share of the fare per day late"),
    )
    cap_fare_multiple = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        help_text=_("Formula: the cap, in multiples of the fare"),
    )
    coupon_min_order = MoneyField(null=True, blank=True)
    valid_days = models.PositiveIntegerField(default=30, help_text=_("How long the voucher lasts"))
    per_order_cap = MoneyField(null=True, blank=True)
    approval_threshold = MoneyField(
        default=Decimal("10000"), help_text=_("Offers above this wait for a manager")
    )

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_hours_late__isnull=True)
                | Q(max_hours_late__gte=F("min_hours_late")),
                name="rule_hours_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=F("valid_from")),
                name="rule_validity_ordered",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="rule_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & Q(rate__gte=0)
                & Q(cap_fare_multiple__gte=0)
                & Q(approval_threshold__gte=0),
                name="rule_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return self.name


class CompensationRuleVersion(models.Model):
    """A rule as it was before an edit: every field, and what the edit changed, by whom and why.

    Offers name the version of the rule that made them (`Offer.rule_version`); with these rows
    the rule behind any offer can be read as it was. Written by services.rule_update only.
    """

    # A rule's history goes with it: a rule that made offers cannot be deleted (Offer.rule).
    # Indexed by (rule, version) below, which serves lookups by rule as well.
    rule = models.ForeignKey(
        CompensationRule, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    # The version this content was; the edit made version + 1.
    version = models.PositiveIntegerField()
    # Every field of the rule before the edit, as JSON (amounts and times as text).
    content = models.JSONField()
    # [{"field": name, "before": value, "after": value}] for each field the edit changed.
    changed_fields = models.JSONField(default=list)
    # Null when no person made the edit (a management command).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["rule", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="rule_version_kept_once"),
        ]

    def __str__(self):
        return f"{self.rule_id} v{self.version}"


class Budget(TimeStampedModel):
    """Money for compensation in a period: reserved on proposal, spent on issue.

    The check constraint makes "never exceeded" hold in the database, whatever races above it.
    """

    name = models.CharField(max_length=120)
    period_start = models.DateField()
    period_end = models.DateField()
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, null=True, blank=True)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.KRW)
    amount = MoneyField()
    reserved = MoneyField(default=0)
    spent = MoneyField(default=0)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="budget_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(spent__gte=0) & Q(amount__gte=0),
                name="budget_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=F("reserved") + F("spent")), name="budget_never_exceeded"
            ),
            models.UniqueConstraint(
                fields=["period_start", "currency"],
                condition=Q(carrier__isnull=True),
                name="budget_one_general_per_period",
            ),
            models.UniqueConstraint(
                fields=["period_start", "currency", "carrier"],
                condition=Q(carrier__isnull=False),
                name="budget_one_per_carrier_per_period",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def available(self) -> Decimal:
        return self.amount - self.reserved - self.spent


class OfferStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ISSUED = "issued", _("Offered to the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


OFFER_TRANSITIONS = {
    OfferStatus.PROPOSED: {OfferStatus.APPROVED, OfferStatus.REJECTED, OfferStatus.EXPIRED},
    OfferStatus.APPROVED: {OfferStatus.ISSUED, OfferStatus.EXPIRED},
    OfferStatus.ISSUED: {OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED},
    OfferStatus.REJECTED: set(),
    OfferStatus.ACCEPTED: set(),
    OfferStatus.DECLINED: set(),
    OfferStatus.EXPIRED: set(),
}

# An open offer is still on its way to the customer: at most one per broken promise and
# stacking group. The promise is immutable, so a shipment breaks it at most once; a grant the
# customer accepted is netted off any later offer for the same promise (a delay that grew).
LIVE_OFFER_STATUSES = ("proposed", "approved", "issued")
# What the customer was given (or is being given): counted against caps and netted off.
GRANTED_OFFER_STATUSES = ("issued", "accepted")


class Offer(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="offers")
    # The nullable foreign keys are indexed where set only (Meta.indexes): the engine's offers
    # have no proposer, most no decider yet and often no ticket, and a lookup by one of them
    # (`ticket_id = 7`) reads the partial index all the same.
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
        db_index=False,
    )
    rule = models.ForeignKey(
        CompensationRule, on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    rule_version = models.PositiveIntegerField(null=True, blank=True)
    budget = models.ForeignKey(
        Budget, on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    # No index of their own (a SlugField's default, with a second one for LIKE): no query
    # filters on them alone; offer_one_live_per_promise covers (shipment, stacking_group), and
    # each index is one more write per offer when thousands are proposed at once.
    stacking_group = models.SlugField(max_length=40, default="delay", db_index=False)
    choice_group = models.SlugField(max_length=40, blank=True, db_index=False)
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.KRW)
    amount = MoneyField()
    # What this offer holds in its budget: reserved on proposal (when it fits), moved to the
    # budget's spent on issue, given back on rejection, decline or expiry.
    reserved = MoneyField(default=0)
    # In the customer's language: how the amount was reached.
    explanation = models.TextField()

    status = models.CharField(
        max_length=12, choices=OfferStatus.choices, default=OfferStatus.PROPOSED
    )
    # Null proposer = the rule engine; a manual offer names the agent and the reason.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_offers",
        db_index=False,
    )
    manual_reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_offers",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("propose_offer", "Can propose compensation"),
            ("approve_offer", "Can approve or reject compensation"),
            ("export_compensation", "Can export compensation cost"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The dashboard's CSAT by compensation reads the first accepted offer of a parcel
            # per answer: index-only, in order, with its kind.
            models.Index(
                fields=["shipment", "responded_at", "id", "kind"],
                name="offer_accepted_idx",
                condition=Q(status="accepted"),
            ),
            models.Index(
                fields=["created_at", "id"],
                name="offer_awaiting_approval_idx",
                condition=Q(status="proposed"),
            ),
            models.Index(
                fields=["ticket"], name="offer_ticket_idx", condition=Q(ticket__isnull=False)
            ),
            models.Index(
                fields=["proposed_by"],
                name="offer_proposed_by_idx",
                condition=Q(proposed_by__isnull=False),
            ),
            models.Index(
                fields=["decided_by"],
                name="offer_decided_by_idx",
                condition=Q(decided_by__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "stacking_group"],
                condition=Q(status__in=LIVE_OFFER_STATUSES),
                name="offer_one_live_per_promise",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="offer_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("amount")),
                name="offer_reserved_within_amount",
            ),
            # Four eyes: whoever proposed an offer never decides it (NULL proposer = the engine).
            models.CheckConstraint(
                condition=~Q(decided_by=F("proposed_by")), name="offer_no_self_approval"
            ),
            models.CheckConstraint(
                condition=Q(proposed_by__isnull=True) | ~Q(manual_reason=""),
                name="offer_manual_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.status})"

    def can_transition_to(self, status: str) -> bool:
        return status in OFFER_TRANSITIONS.get(self.status, set())

    @property
    def is_manual(self) -> bool:
        return self.proposed_by_id is not None


class Voucher(models.Model):
    """What an issued offer gives the customer; one per offer, with an unguessable code."""

    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="voucher")
    code = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.code


class OfferEvent(models.Model):
    """Append-only audit of an offer: proposal, approval, rejection, issue, answer, expiry."""

    # Indexed by (offer, created_at) below, which serves lookups by offer as well.
    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    # Indexed where set only (Meta.indexes): the engine's own steps have no actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, db_index=False
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["offer", "created_at"]),
            models.Index(
                fields=["actor"], name="offer_event_actor_idx", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.offer_id}: {self.from_status or '—'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Offer events are append-only.")
        super().save(*args, **kwargs)
