"""The OpenAPI components of tracking events posted to the webhook and the events endpoint.

Those bodies are validated by `intake.events_parse`, never by DRF. These serializers only name
the components; the extension gives each the schema `intake.event_schema` builds from the field
table the validator itself reads, so what is documented is what is checked.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from apps.shipments.intake import event_schema


class TrackingEventDocument(serializers.Serializer):
    """A carrier's tracking event, as the webhook takes it (documentation only)."""

    component_name = "TrackingEventIn"
    omitted: tuple[str, ...] = ()


class ShipmentEventDocument(TrackingEventDocument):
    """A tracking event posted under a shipment (documentation only)."""

    component_name = "ShipmentEventIn"
    # The shipment's own: whatever the body says, the endpoint sets them.
    omitted = ("tracking_number", "order_reference")


class TrackingEventDocumentExtension(OpenApiSerializerExtension):
    """drf-spectacular finds it by `target_class`; defining the class registers it."""

    target_class = TrackingEventDocument
    match_subclasses = True

    def get_name(self, auto_schema, direction):
        return self.target.component_name

    def map_serializer(self, auto_schema, direction):
        return event_schema(omit=self.target.omitted)
