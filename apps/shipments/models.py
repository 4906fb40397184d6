from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.money import Currency, MoneyField
from apps.notifications.channels import PreferredChannel


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", _("Order received")
    INFO_RECEIVED = "info_received", _("Label created")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    ATTEMPT_FAILED = "attempt_failed", _("Delivery attempt failed")
    AVAILABLE_FOR_PICKUP = "available_for_pickup", _("Ready for pickup")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Problem in transit")
    RETURNED = "returned", _("Returned to sender")
    LOST = "lost", _("Lost")


# Statuses after which a parcel no longer moves: promise watch and stale-scan checks skip them.
FINAL_STATUSES = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED, ShipmentStatus.LOST})


OPEN_UNFLAGGED = ~Q(status__in=["delivered", "returned", "lost"]) & Q(is_delayed=False)


class Fault(models.TextChoices):
    """Who is at fault decides compensation: delay reasons group by fault (REASON_FAULT)."""

    CARRIER = "carrier", _("Carrier")
    RETAILER = "retailer", _("Retailer")
    CONSIGNEE = "consignee", _("Recipient")
    CUSTOMS = "customs", _("Customs")
    FORCE_MAJEURE = "force_majeure", _("Weather or force majeure")
    UNKNOWN = "unknown", _("Not yet known")


class DelayReason(models.TextChoices):
    SORTING_ERROR = "sorting_error", _("Sorting error or misroute at the carrier")
    CAPACITY = "capacity", _("Carrier over capacity")
    VEHICLE = "vehicle", _("Vehicle breakdown")
    LOST = "lost", _("Parcel lost")
    DAMAGED = "damaged", _("Parcel damaged")
    RETAILER = "retailer", _("Late dispatch by the shop")
    NOT_HOME = "not_home", _("Nobody at home")
    WRONG_ADDRESS = "wrong_address", _("Address problem")
    CUSTOMS = "customs", _("Held at customs")
    WEATHER = "weather", _("Weather")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    NO_SCAN = "no_scan", _("No scan for too long")
    WINDOW_PASSED = "window_passed", _("Promised window passed")
    ESTIMATE_LATE = "estimate_late", _("New estimate beyond the promise")
    UNKNOWN = "unknown", _("Delay reported by the carrier")


REASON_FAULT = {
    DelayReason.SORTING_ERROR: Fault.CARRIER,
    DelayReason.CAPACITY: Fault.CARRIER,
    DelayReason.VEHICLE: Fault.CARRIER,
    DelayReason.LOST: Fault.CARRIER,
    DelayReason.DAMAGED: Fault.CARRIER,
    DelayReason.NO_SCAN: Fault.CARRIER,
    DelayReason.RETAILER: Fault.RETAILER,
    DelayReason.NOT_HOME: Fault.CONSIGNEE,
    DelayReason.WRONG_ADDRESS: Fault.CONSIGNEE,
    DelayReason.CUSTOMS: Fault.CUSTOMS,
    DelayReason.WEATHER: Fault.FORCE_MAJEURE,
    DelayReason.FORCE_MAJEURE: Fault.FORCE_MAJEURE,
    DelayReason.WINDOW_PASSED: Fault.UNKNOWN,
    DelayReason.ESTIMATE_LATE: Fault.UNKNOWN,
    DelayReason.UNKNOWN: Fault.UNKNOWN,
}


class ServiceLevel(models.TextChoices):
    STANDARD = "standard", _("Standard")
    EXPRESS = "express", _("Express")
    SAME_DAY = "same_day", _("Same day")


class PromiseType(models.TextChoices):
    ESTIMATED = "estimated", _("Estimated date")
    GUARANTEED = "guaranteed", _("Guaranteed date")
    NEEDED_BY = "needed_by", _("Needed on a date")


# The customer's choice of channel; the rule that applies it is notifications.channels.
Channel = PreferredChannel


def default_stale_after_hours() -> int:
    return settings.DELAYDESK["STALE_SCAN_HOURS"]


class Carrier(TimeStampedModel):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=2, help_text=_("ISO 3166 country code"))
    tracking_url_template = models.URLField(
        max_length=300, blank=True, help_text=_("With {tracking_number} where the number goes")
    )
    # Standard Webhooks secret ("whsec_<base64>"); several, space-separated, during a rotation.
    webhook_secret = models.CharField(max_length=400, blank=True)
    stale_after_hours = models.PositiveIntegerField(
        default=default_stale_after_hours,
        help_text=_("In transit with no scan for this long counts as delayed"),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Customer(TimeStampedModel):
    """The person parcels are sent to; contact details and how they want to hear from us."""

    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text=_("E.164, e.g. +821012345678"))
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="ko")
    time_zone = models.CharField(max_length=64, default="Asia/Seoul")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)

    class Meta:
        ordering = ["name"]
        indexes = [
            # Customers are found by email in any case (API, imports, the tracking page).
            models.Index(Lower("email"), name="customer_email_lower_idx"),
            models.Index(fields=["phone"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone=""), name="customer_has_contact"
            ),
        ]

    def __str__(self):
        return self.name


class Shipment(TimeStampedModel):
    # No index of its own: the unique (carrier, number, order) and (carrier, status) lead with it.
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="shipments", db_index=False
    )
    tracking_number = models.CharField(max_length=64)
    # Carriers recycle tracking numbers: the order reference tells two parcels apart.
    order_reference = models.CharField(max_length=64)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="shipments")
    service_level = models.CharField(
        max_length=16, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD
    )
    destination_city = models.CharField(max_length=80, blank=True)
    destination_postal_code = models.CharField(max_length=16, blank=True)
    destination_country = models.CharField(max_length=2, default="KR")
    destination_time_zone = models.CharField(max_length=64, default="Asia/Seoul")
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.KRW)
    shipping_fee = MoneyField(default=0)
    order_value = MoneyField(default=0)

    # What the customer was told at checkout; never changes, it is the basis of compensation.
    promise_type = models.CharField(
        max_length=16, choices=PromiseType.choices, default=PromiseType.ESTIMATED
    )
    promised_start = models.DateTimeField()
    promised_end = models.DateTimeField()
    # The window we show now (carrier's estimate or ours); revisions in EstimateRevision.
    estimate_start = models.DateTimeField(null=True, blank=True)
    estimate_end = models.DateTimeField(null=True, blank=True)
    estimate_source = models.CharField(max_length=16, blank=True)

    status = models.CharField(
        max_length=24, choices=ShipmentStatus.choices, default=ShipmentStatus.PENDING
    )
    raw_status = models.CharField(max_length=120, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    # "Delayed" is a flag beside the status: a parcel can be in transit and late at once.
    is_delayed = models.BooleanField(default=False)
    delay_reason = models.CharField(max_length=24, choices=DelayReason.choices, blank=True)
    delay_detected_at = models.DateTimeField(null=True, blank=True)
    delay_hours = models.PositiveIntegerField(default=0)
    delay_business_days = models.PositiveIntegerField(default=0)
    # When the size above was last measured; the promise watch refreshes it while the parcel moves.
    delay_measured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number", "order_reference"],
                name="shipment_unique_per_carrier_order",
            ),
            models.CheckConstraint(
                condition=Q(promised_end__gte=models.F("promised_start")),
                name="shipment_promise_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(estimate_start__isnull=True)
                | Q(estimate_end__isnull=True)
                | Q(estimate_end__gte=models.F("estimate_start")),
                name="shipment_estimate_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(is_delayed=False)
                | (~Q(delay_reason="") & Q(delay_detected_at__isnull=False)),
                name="shipment_delay_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(shipping_fee__gte=0) & Q(order_value__gte=0),
                name="shipment_money_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["tracking_number"]),
            models.Index(fields=["order_reference"]),
            models.Index(fields=["carrier", "status"]),
            # The promise watch scans only parcels still on their way and not yet flagged: partial
            # indexes keep each scan proportional to what is new (1M rows: 38 ms sequential,
            # 0.3 ms on such an index), and a sweep with nothing new reads an empty range.
            models.Index(
                fields=["promised_end"],
                name="shipment_watch_promise_idx",
                condition=OPEN_UNFLAGGED,
            ),
            # Predicted late: one exact range per (status, service level) of the promise ends
            # that can no longer be met; with nothing due, each reads an empty range.
            models.Index(
                fields=["status", "service_level", "promised_end"],
                name="shipment_watch_predict_idx",
                condition=OPEN_UNFLAGGED,
            ),
            models.Index(
                fields=["id"],
                name="shipment_watch_estimate_idx",
                condition=OPEN_UNFLAGGED & Q(estimate_end__gt=models.F("promised_end")),
            ),
            models.Index(
                fields=["carrier", "last_event_at"],
                name="shipment_watch_stale_idx",
                condition=Q(status="in_transit", is_delayed=False),
            ),
            models.Index(
                fields=["delay_measured_at"],
                name="shipment_delayed_open_idx",
                condition=Q(is_delayed=True) & ~Q(status__in=["delivered", "returned", "lost"]),
            ),
            # Delays by the day they were found: the managers' dashboard and the compensation
            # rule preview read only this index (with carrier and reason in it), never the table.
            models.Index(
                fields=["delay_detected_at"],
                name="shipment_delay_detected_idx",
                include=["id", "carrier", "delay_reason"],
                condition=Q(delay_detected_at__isnull=False),
            ),
            # Parcels delivered after a delay: the rules are asked once the size is final.
            models.Index(
                fields=["delivered_at"],
                name="shipment_delivered_late_idx",
                condition=Q(status="delivered") & ~Q(delay_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.carrier_id}:{self.tracking_number}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def delay_fault(self) -> str:
        if not self.delay_reason:
            return ""
        return REASON_FAULT.get(self.delay_reason, Fault.UNKNOWN)

    @property
    def is_promise_broken(self) -> bool:
        if self.delivered_at:
            return self.delivered_at > self.promised_end
        return timezone.now() > self.promised_end

    def tracking_url(self) -> str:
        template = self.carrier.tracking_url_template
        return template.format(tracking_number=self.tracking_number) if template else ""


class EstimateRevision(models.Model):
    """Each change of the shown estimate, with where it came from and why."""

    class Source(models.TextChoices):
        CARRIER = "carrier", _("Carrier")
        PREDICTION = "prediction", _("Our prediction")
        AGENT = "agent", _("Agent")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="estimates")
    estimate_start = models.DateTimeField()
    estimate_end = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shipment", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimate_end__gte=models.F("estimate_start")),
                name="estimate_revision_window_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.shipment_id}: {self.estimate_start:%Y-%m-%d}–{self.estimate_end:%Y-%m-%d}"


class TrackingEvent(models.Model):
    """One scan or status report from a carrier. Both layers are kept: raw and canonical."""

    # No single-column indexes on the two keys: the unique (carrier, event id) and the
    # (shipment, occurred) indexes lead with them, and every event would pay for two more.
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    # Null while unmatched: an event for a tracking number we do not know yet is kept, not dropped.
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
    )
    tracking_number = models.CharField(max_length=64)
    # The carrier's own id for the event: the dedupe key (deliveries are at-least-once).
    carrier_event_id = models.CharField(max_length=128)
    raw_status = models.CharField(max_length=120)
    raw_substatus = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=24, choices=ShipmentStatus.choices)
    delay_reason = models.CharField(max_length=24, choices=DelayReason.choices, blank=True)
    message = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=120, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    estimate_start = models.DateTimeField(null=True, blank=True)
    estimate_end = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        # Attaching an unmatched event to its shipment is resolving it, not editing history.
        permissions = [("attach_trackingevent", "Can attach unmatched events to shipments")]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "carrier_event_id"], name="tracking_event_unique_per_carrier"
            ),
        ]
        indexes = [
            models.Index(fields=["shipment", "-occurred_at"]),
            models.Index(
                fields=["carrier", "tracking_number"],
                name="tracking_event_unmatched_idx",
                condition=Q(shipment__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.tracking_number} {self.status} @ {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_matched(self) -> bool:
        return self.shipment_id is not None


class WebhookDelivery(models.Model):
    """One received webhook delivery (by its `webhook-id`): a repeat is answered, not re-applied."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(max_length=128)
    received_at = models.DateTimeField(default=timezone.now)
    event_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "webhook_id"], name="webhook_delivery_unique_per_carrier"
            ),
        ]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self):
        return f"{self.carrier_id}:{self.webhook_id}"
