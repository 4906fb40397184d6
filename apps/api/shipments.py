"""/api/v1/shipments/ — integrations read and create shipments and post their tracking events.

One class per operation, each with its serializers nested. Where two operations share a URL
(list and create, events list and events create), a small class joins them; each method still
lives on, and is documented by, its own operation class.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.core.money import Currency
from apps.shipments.intake import events_parse
from apps.shipments.models import (
    Carrier,
    Channel,
    Customer,
    PromiseType,
    ServiceLevel,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from apps.shipments.selectors import shipment_timeline
from apps.shipments.services import customer_get_or_create, events_ingest, shipment_create
from apps.shipments.telling import stages_tell

MAX_EVENTS = 1000
DETAIL_EVENTS = 50

_ERRORS = {
    400: OpenApiResponse(description="Invalid input: the body names each bad field."),
    401: OpenApiResponse(description="No or unknown token (`Authorization: Token <key>`)."),
    403: OpenApiResponse(description="The token's user lacks the model permission."),
}
_NOT_FOUND = {404: OpenApiResponse(description="No shipment with this id.")}


# --- Reads and writes the services do not offer yet ------------------------------------------
# They belong in apps/shipments (selectors `shipment_list` and `shipment_get`, a service
# `customer_get_or_create`); they live here until that app takes them.


def _shipment_list(*, filters: dict) -> QuerySet[Shipment]:
    shipments = Shipment.objects.select_related("carrier")
    if filters.get("carrier"):
        shipments = shipments.filter(carrier__code=filters["carrier"])
    if filters.get("status"):
        shipments = shipments.filter(status=filters["status"])
    if filters.get("delayed") is not None:
        shipments = shipments.filter(is_delayed=filters["delayed"])
    for name in ("tracking_number", "order_reference"):
        if filters.get(name):
            shipments = shipments.filter(**{name: filters[name]})
    return shipments


def _shipment_get(*, shipment_id: int) -> Shipment:
    """The shipment with its carrier, customer and latest events, or 404."""
    shipment = get_object_or_404(
        Shipment.objects.select_related("carrier", "customer"), pk=shipment_id
    )
    shipment.latest_events = list(shipment_timeline(shipment=shipment, limit=DETAIL_EVENTS))
    return shipment


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise serializers.ValidationError("Unknown time zone.") from exc
    return value


# --- Operations ------------------------------------------------------------------------------


class ShipmentListApi(GenericAPIView):
    queryset = Shipment.objects.all()
    cursor_ordering = "-id"

    @extend_schema_serializer(component_name="ShipmentRow")
    class OutputSerializer(serializers.ModelSerializer):
        carrier = serializers.SlugRelatedField(slug_field="code", read_only=True)

        class Meta:
            model = Shipment
            fields = [
                "id",
                "carrier",
                "tracking_number",
                "order_reference",
                "status",
                "raw_status",
                "is_delayed",
                "delay_reason",
                "delay_hours",
                "delay_business_days",
                "promised_start",
                "promised_end",
                "estimate_start",
                "estimate_end",
                "last_event_at",
                "delivered_at",
                "service_level",
                "promise_type",
            ]

    @extend_schema_serializer(component_name="ShipmentFilters")
    class FilterSerializer(serializers.Serializer):
        carrier = serializers.SlugField(required=False, help_text="Carrier code")
        status = serializers.ChoiceField(choices=ShipmentStatus.choices, required=False)
        delayed = serializers.BooleanField(required=False, allow_null=True, default=None)
        tracking_number = serializers.CharField(max_length=64, required=False)
        order_reference = serializers.CharField(max_length=64, required=False)

    @extend_schema(
        operation_id="shipments_list",
        summary="List shipments, newest first, in cursor pages",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **_ERRORS},
    )
    def get(self, request):
        # A plain dict: in a QueryDict an absent boolean would read as "false".
        filters = ShipmentListApi.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(_shipment_list(filters=filters.validated_data))
        rows = ShipmentListApi.OutputSerializer(page, many=True).data
        return self.get_paginated_response(rows)


class ShipmentEventListApi(GenericAPIView):
    queryset = TrackingEvent.objects.all()
    # Newest *occurred* first: the order the status follows, not the order events reached us.
    cursor_ordering = ("-occurred_at", "-id")

    @extend_schema_serializer(component_name="ShipmentEvent")
    class OutputSerializer(serializers.ModelSerializer):
        event_id = serializers.CharField(source="carrier_event_id")

        class Meta:
            model = TrackingEvent
            fields = [
                "id",
                "event_id",
                "status",
                "raw_status",
                "raw_substatus",
                "delay_reason",
                "location",
                "message",
                "occurred_at",
                "received_at",
                "estimate_start",
                "estimate_end",
            ]

    @extend_schema(
        operation_id="shipment_events_list",
        summary="A shipment's tracking events, newest occurred first, in cursor pages",
        responses={200: OutputSerializer(many=True), **_ERRORS, **_NOT_FOUND},
    )
    def get(self, request, shipment_id: int):
        shipment = get_object_or_404(Shipment.objects.only("pk"), pk=shipment_id)
        page = self.paginate_queryset(TrackingEvent.objects.filter(shipment=shipment))
        events = ShipmentEventListApi.OutputSerializer(page, many=True).data
        return self.get_paginated_response(events)


class ShipmentDetailApi(GenericAPIView):
    queryset = Shipment.objects.all()

    @extend_schema_serializer(component_name="ShipmentDetail")
    class OutputSerializer(ShipmentListApi.OutputSerializer):
        @extend_schema_serializer(component_name="ShipmentCustomer")
        class CustomerSerializer(serializers.ModelSerializer):
            class Meta:
                model = Customer
                fields = ["name", "email", "phone", "language", "channel"]

        customer = CustomerSerializer(
            read_only=True,
            allow_null=True,
            help_text="Null for a caller without the view_customer permission",
        )
        events = ShipmentEventListApi.OutputSerializer(
            source="latest_events", many=True, read_only=True, help_text="The latest 50 events"
        )

        class Meta(ShipmentListApi.OutputSerializer.Meta):
            fields = [
                *ShipmentListApi.OutputSerializer.Meta.fields,
                "destination_city",
                "destination_postal_code",
                "destination_country",
                "destination_time_zone",
                "currency",
                "shipping_fee",
                "order_value",
                "created_at",
                "customer",
                "events",
            ]

        def to_representation(self, instance):
            data = super().to_representation(instance)
            # Contact details are personal data: shown only to a role granted them.
            if not self.context["request"].user.has_perm("shipments.view_customer"):
                data["customer"] = None
            return data

    @extend_schema(
        operation_id="shipments_retrieve",
        summary="A shipment with its customer and its latest 50 events",
        responses={200: OutputSerializer, **_ERRORS, **_NOT_FOUND},
    )
    def get(self, request, shipment_id: int):
        shipment = _shipment_get(shipment_id=shipment_id)
        output = ShipmentDetailApi.OutputSerializer(shipment, context={"request": request})
        return Response(output.data)


class ShipmentCreateApi(GenericAPIView):
    queryset = Shipment.objects.all()
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="ShipmentCreate")
    class InputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="ShipmentCustomerIn")
        class CustomerSerializer(serializers.Serializer):
            name = serializers.CharField(max_length=120)
            email = serializers.EmailField(allow_blank=True, default="")
            phone = serializers.CharField(
                max_length=32,
                allow_blank=True,
                default="",
                validators=[
                    RegexValidator(
                        r"^\+[1-9][0-9]{6,14}$", "Use the E.164 form, e.g. +821012345678."
                    )
                ],
            )
            language = serializers.ChoiceField(
                choices=settings.LANGUAGES, default="ko", help_text="For the messages we send"
            )
            channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)

            def validate(self, attrs):
                if not attrs.get("email") and not attrs.get("phone"):
                    raise serializers.ValidationError(
                        {"email": "Give an email or a phone number, so we can tell the customer."}
                    )
                return attrs

        carrier = serializers.SlugRelatedField(
            slug_field="code",
            queryset=Carrier.objects.filter(is_active=True),
            help_text="Carrier code, as in /api/v1/carriers/",
        )
        tracking_number = serializers.CharField(max_length=64)
        order_reference = serializers.CharField(max_length=64)
        customer = CustomerSerializer()
        destination_city = serializers.CharField(max_length=80, allow_blank=True, default="")
        destination_postal_code = serializers.CharField(max_length=16, allow_blank=True, default="")
        destination_country = serializers.CharField(min_length=2, max_length=2, default="KR")
        destination_time_zone = serializers.CharField(
            max_length=64, default="Asia/Seoul", validators=[_time_zone]
        )
        service_level = serializers.ChoiceField(
            choices=ServiceLevel.choices, default=ServiceLevel.STANDARD
        )
        promise_type = serializers.ChoiceField(
            choices=PromiseType.choices, default=PromiseType.ESTIMATED
        )
        promised_start = serializers.DateTimeField()
        promised_end = serializers.DateTimeField()
        shipping_fee = serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=0, default=0
        )
        order_value = serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=0, default=0
        )
        currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.KRW)

        def validate_destination_country(self, value):
            return value.upper()

    @extend_schema(
        operation_id="shipments_create",
        summary="Create a shipment (and its customer, or reuse theirs)",
        description=(
            "The customer is reused when one with the same email (any case) exists, or, without "
            "an email, the same phone. Events that arrived before the shipment are attached to "
            "it and the customer is told of the stages they show."
        ),
        request=InputSerializer,
        responses={
            201: ShipmentDetailApi.OutputSerializer,
            409: OpenApiResponse(description="This carrier, number and order already exist."),
            **_ERRORS,
        },
    )
    def post(self, request):
        data = ShipmentCreateApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        customer_fields = fields.pop("customer")
        # One transaction: a refused shipment leaves no customer behind.
        with transaction.atomic():
            shipment = shipment_create(customer=customer_get_or_create(**customer_fields), **fields)
        output = ShipmentDetailApi.OutputSerializer(
            _shipment_get(shipment_id=shipment.pk), context={"request": request}
        )
        return Response(output.data, status=201)


class ShipmentEventCreateApi(GenericAPIView):
    queryset = TrackingEvent.objects.all()
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="ShipmentEventIn")
    class InputSerializer(serializers.Serializer):
        """Documents the body; events_parse validates it, as for the webhook and the import."""

        event_id = serializers.CharField(
            max_length=128, help_text="Unique per carrier: a repeat is stored once"
        )
        status = serializers.CharField(max_length=120, help_text="The carrier's status, verbatim")
        substatus = serializers.CharField(max_length=120, required=False)
        occurred_at = serializers.DateTimeField(help_text="ISO 8601 with offset")
        location = serializers.CharField(max_length=120, required=False)
        message = serializers.CharField(max_length=300, required=False)
        estimate_start = serializers.DateTimeField(required=False)
        estimate_end = serializers.DateTimeField(required=False)

    @extend_schema(
        operation_id="shipment_events_create",
        summary="Add tracking events to a shipment (one object or a list of up to 1,000)",
        description=(
            "The events take the shipment's tracking number and order reference. Idempotent on "
            "`event_id`: a repeat is counted as a duplicate. A batch with any invalid event "
            "stores nothing and names each bad event (by index) and field."
        ),
        request=InputSerializer(many=True),
        responses={
            200: inline_serializer(
                "ShipmentEventsResult",
                {
                    "received": serializers.IntegerField(),
                    "created": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "unmatched": serializers.IntegerField(),
                },
            ),
            **_ERRORS,
            **_NOT_FOUND,
        },
    )
    def post(self, request, shipment_id: int):
        shipment = get_object_or_404(Shipment.objects.select_related("carrier"), pk=shipment_id)
        payload = request.data
        items = payload if isinstance(payload, list) else [payload]
        if not items:
            return Response({"detail": "No events in the body."}, status=400)
        if len(items) > MAX_EVENTS:
            return Response(
                {"detail": f"At most {MAX_EVENTS} events per request; got {len(items)}."},
                status=400,
            )
        for item in items:
            if isinstance(item, dict):
                # Posted under this shipment: they are its events, whatever the body says.
                item["tracking_number"] = shipment.tracking_number
                item["order_reference"] = shipment.order_reference
        events, errors = events_parse(items)
        if errors:
            return Response(
                {
                    "detail": f"{len({e.index for e in errors})} of {len(items)} events are "
                    "invalid; nothing was stored.",
                    "errors": [error.as_dict() for error in errors[:200]],
                },
                status=400,
            )
        with transaction.atomic():
            result = events_ingest(carrier=shipment.carrier, events=events)
            stages_tell(stages=result.stages)
        return Response(result.as_dict())


# The URLs: list and create share /shipments/, the two events operations share /events/.


class ShipmentsApi(ShipmentListApi, ShipmentCreateApi):
    pass


class ShipmentEventsApi(ShipmentEventListApi, ShipmentEventCreateApi):
    pass
