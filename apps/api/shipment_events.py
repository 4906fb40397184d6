"""/api/v1/shipments/<id>/events/ — integrations read and post a shipment's tracking events.

One class per operation, each with its serializers nested; the list and the create share a URL
through a small joining class.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.api.schema import ERRORS as _ERRORS
from apps.api.schema import NOT_FOUND as _NOT_FOUND
from apps.api.tracking_events import ShipmentEventDocument
from apps.shipments.intake import events_parse
from apps.shipments.models import (
    Shipment,
    TrackingEvent,
)
from apps.shipments.services import tracking_receive

MAX_EVENTS = 1000


# --- Operations ------------------------------------------------------------------------------


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


class ShipmentEventCreateApi(GenericAPIView):
    queryset = TrackingEvent.objects.all()
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="shipment_events_create",
        summary="Add tracking events to a shipment (one object or a list of up to 1,000)",
        description=(
            "The events take the shipment's tracking number and order reference. Idempotent on "
            "`event_id`: a repeat is counted as a duplicate. A batch with any invalid event "
            "stores nothing and names each bad event (by index) and field."
        ),
        request=ShipmentEventDocument(many=True),
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
        result = tracking_receive(carrier=shipment.carrier, events=events)
        return Response(result.as_dict())


# The URLs: list and create share /shipments/, the two events operations share /events/.


class ShipmentEventsApi(ShipmentEventListApi, ShipmentEventCreateApi):
    pass
