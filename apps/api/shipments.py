"""/api/v1/shipments/ — integrations read and create shipments and post their tracking events.

One class per operation, each with its serializers nested. Where two operations share a URL
(list and create, events list and events create), a small class joins them; each method still
lives on, and is documented by, its own operation class.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.validators import RegexValidator
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.api.schema import ERRORS as _ERRORS
from apps.api.schema import NOT_FOUND as _NOT_FOUND
from apps.api.shipment_events import ShipmentEventListApi
from apps.core.money import Currency
from apps.shipments.models import (
    Carrier,
    Channel,
    Customer,
    PromiseType,
    ServiceLevel,
    Shipment,
    ShipmentStatus,
)
from apps.shipments.selectors import shipment_get_with_events, shipment_list
from apps.shipments.services import shipment_create

DETAIL_EVENTS = 50


def _shipment_or_404(*, shipment_id: int) -> Shipment:
    shipment = shipment_get_with_events(shipment_id=shipment_id, limit=DETAIL_EVENTS)
    if shipment is None:
        raise Http404("No such shipment")
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
        page = self.paginate_queryset(shipment_list(filters=filters.validated_data))
        rows = ShipmentListApi.OutputSerializer(page, many=True).data
        return self.get_paginated_response(rows)


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
        shipment = _shipment_or_404(shipment_id=shipment_id)
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
        # The customer is found or created with the shipment: a refused one leaves none behind.
        shipment = shipment_create(customer=customer_fields, **fields)
        output = ShipmentDetailApi.OutputSerializer(
            _shipment_or_404(shipment_id=shipment.pk), context={"request": request}
        )
        return Response(output.data, status=201)


class ShipmentsApi(ShipmentListApi, ShipmentCreateApi):
    pass
