from rest_framework import serializers, viewsets

from apps.shipments.models import Carrier


class CarrierViewSet(viewsets.ReadOnlyModelViewSet):
    """Carriers known to Delay Desk (integrations use the code in webhook URLs)."""

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Carrier
            fields = ["code", "name", "country", "tracking_url_template", "is_active"]

    serializer_class = OutputSerializer
    queryset = Carrier.objects.order_by("code")
    lookup_field = "code"
    cursor_ordering = "code"
