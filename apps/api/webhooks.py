"""POST /api/v1/webhooks/tracking/<carrier>/ — carriers push tracking events here.

Order of checks: unknown carrier 404 → signature 401 (over the raw bytes, before parsing) →
body 400 (naming each bad event and field; nothing of the batch is written) → store, fold and
tell, all in `services.tracking_receive`.
"""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.tracking_events import TrackingEventDocument
from apps.shipments.intake import events_parse
from apps.shipments.models import Carrier
from apps.shipments.services import tracking_receive
from apps.shipments.signing import SignatureInvalid, signature_verify

MAX_EVENTS = 1000
MAX_WEBHOOK_ID = 128  # WebhookDelivery.webhook_id


class TrackingWebhookApi(APIView):
    authentication_classes = []  # the signature is the authentication
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="tracking_webhook",
        summary="Push tracking events (one object or a list of up to 1,000)",
        description=(
            "Signed in the Standard Webhooks form: headers `webhook-id`, `webhook-timestamp`, "
            "`webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the carrier's "
            "secret; 5-minute tolerance. Idempotent on the delivery id and on each `event_id`."
        ),
        parameters=[
            OpenApiParameter("webhook-id", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("webhook-timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("webhook-signature", str, OpenApiParameter.HEADER, required=True),
        ],
        request={"application/json": TrackingEventDocument(many=True)},
        responses={
            200: inline_serializer(
                "TrackingWebhookResult",
                {
                    "received": serializers.IntegerField(),
                    "created": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "unmatched": serializers.IntegerField(),
                    "duplicate_delivery": serializers.BooleanField(),
                },
            )
        },
    )
    def post(self, request, carrier_code: str):
        carrier = Carrier.objects.filter(code=carrier_code, is_active=True).first()
        if carrier is None:
            return Response({"detail": "Unknown carrier."}, status=404)
        try:
            body = request._request.body
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return Response({"detail": f"The body is over {limit} bytes."}, status=413)
        if len(request.headers.get("webhook-id", "")) > MAX_WEBHOOK_ID:
            return Response(
                {"detail": f"webhook-id must be at most {MAX_WEBHOOK_ID} characters."}, status=400
            )
        try:
            signature_verify(
                secrets_text=carrier.webhook_secret, body=body, headers=request.headers
            )
        except SignatureInvalid as exc:
            return Response({"detail": f"Signature refused: {exc}."}, status=401)

        try:
            payload = json.loads(body)
        except ValueError:
            return Response({"detail": "The body is not valid JSON."}, status=400)
        items = payload if isinstance(payload, list) else [payload]
        if not items:
            return Response({"detail": "No events in the body."}, status=400)
        if len(items) > MAX_EVENTS:
            return Response(
                {"detail": f"At most {MAX_EVENTS} events per delivery; got {len(items)}."},
                status=400,
            )
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

        result = tracking_receive(
            carrier=carrier, events=events, webhook_id=request.headers["webhook-id"]
        )
        return Response({**result.as_dict(), "duplicate_delivery": result.duplicate_delivery})
