"""/api/v1/tickets/ — integrations and the desk list, read and open tickets.

One class per operation, each with its serializers nested; the list and the create share a URL
through a small joining class. A ticket's messages are in `ticket_messages`.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.api.schema import ERRORS as _ERRORS
from apps.api.shipments import ShipmentCreateApi
from apps.shipments.models import Customer, Shipment
from apps.shipments.services import customer_get_or_create
from apps.tickets.models import (
    DeliveryChangeRequest,
    DeliveryChangeStatus,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.services import ticket_open

TICKET_NOT_FOUND = {404: OpenApiResponse(description="No ticket with this id.")}
MAX_BODY = 10_000


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as an enum component of its own name.

    drf-spectacular names enums after the field, and `status` is now a shipment's, a ticket's
    and a delivery change's: the generated names collide, with a warning. (ENUM_NAME_OVERRIDES
    in the settings would do the same; these fields make that unnecessary.)
    """

    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        schema = build_choice_field(self.target)
        schema.pop("x-spec-enum-id", None)
        component = ResolvedComponent(
            name=self.target.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=self.target.enum_name,
            schema=schema,
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


# --- Reads (selectors: to move to apps/tickets/selectors.py) ---------------------------------


def _ticket_list(*, filters: dict) -> QuerySet[Ticket]:
    """Tickets with the customer, parcel, carrier and assignee a list row shows."""
    tickets = Ticket.objects.select_related("customer", "shipment__carrier", "assignee")
    for name in ("status", "priority", "category"):
        if filters.get(name) not in (None, ""):
            tickets = tickets.filter(**{name: filters[name]})
    if filters.get("assignee"):
        tickets = tickets.filter(assignee__username=filters["assignee"])
    if filters.get("reference"):
        tickets = tickets.filter(reference=filters["reference"].strip().upper())
    if filters.get("tracking_number"):
        tickets = tickets.filter(shipment__tracking_number=filters["tracking_number"].strip())
    if filters.get("customer_email"):
        tickets = tickets.filter(customer__email__iexact=filters["customer_email"])
    return tickets


def _ticket_get(*, ticket_id: int) -> Ticket | None:
    """One ticket with what its detail shows, its delivery-change requests newest first."""
    return (
        Ticket.objects.select_related("customer", "shipment__carrier", "assignee")
        .prefetch_related(
            Prefetch(
                "delivery_changes",
                queryset=DeliveryChangeRequest.objects.order_by("-created_at", "-id"),
            )
        )
        .filter(pk=ticket_id)
        .first()
    )


def _ticket_or_404(*, ticket_id: int) -> Ticket:
    ticket = _ticket_get(ticket_id=ticket_id)
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


def _hide_customer_unless_allowed(data: dict, request) -> dict:
    # Contact details are personal data: shown only to a role granted them, as for shipments.
    if not request.user.has_perm("shipments.view_customer"):
        data["customer"] = None
    return data


# --- Operations ------------------------------------------------------------------------------


class TicketListApi(GenericAPIView):
    queryset = Ticket.objects.all()
    # Newest first by when it was opened: a column that never changes, so a cursor never skips
    # or repeats a ticket. (The due time moves when the SLA pauses; it suits the queue, not
    # pages fetched minutes apart.)
    cursor_ordering = ("-created_at", "-id")

    @extend_schema_serializer(component_name="TicketRow")
    class OutputSerializer(serializers.ModelSerializer):
        @extend_schema_serializer(component_name="TicketRowCustomer")
        class CustomerSerializer(serializers.ModelSerializer):
            class Meta:
                model = Customer
                fields = ["name", "email"]

        @extend_schema_serializer(component_name="TicketShipment")
        class ShipmentSerializer(serializers.ModelSerializer):
            carrier = serializers.SlugRelatedField(slug_field="code", read_only=True)

            class Meta:
                model = Shipment
                fields = ["id", "carrier", "tracking_number"]

        customer = CustomerSerializer(
            read_only=True,
            allow_null=True,
            help_text="Null for a caller without the view_customer permission",
        )
        shipment = ShipmentSerializer(read_only=True, allow_null=True)
        status = NamedChoiceField(
            enum_name="TicketStatusEnum", choices=TicketStatus.choices, read_only=True
        )
        assignee = serializers.SlugRelatedField(
            slug_field="username",
            read_only=True,
            allow_null=True,
            help_text="The assigned agent's username; null when unassigned",
        )
        is_sla_breached = serializers.BooleanField(read_only=True)

        class Meta:
            model = Ticket
            fields = [
                "id",
                "reference",
                "subject",
                "status",
                "priority",
                "category",
                "language",
                "customer",
                "shipment",
                "assignee",
                "first_response_due_at",
                "resolution_due_at",
                "first_responded_at",
                "resolved_at",
                "is_sla_breached",
                "created_at",
            ]

        def to_representation(self, instance):
            data = super().to_representation(instance)
            return _hide_customer_unless_allowed(data, self.context["request"])

    @extend_schema_serializer(component_name="TicketFilters")
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
        priority = serializers.ChoiceField(choices=TicketPriority.choices, required=False)
        category = serializers.ChoiceField(choices=TicketCategory.choices, required=False)
        assignee = serializers.CharField(
            max_length=150, required=False, help_text="The assignee's username"
        )
        reference = serializers.CharField(max_length=16, required=False)
        tracking_number = serializers.CharField(max_length=64, required=False)
        customer_email = serializers.EmailField(required=False, help_text="Any case")

    @extend_schema(
        operation_id="tickets_list",
        summary="List tickets, newest first, in cursor pages",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **_ERRORS},
    )
    def get(self, request):
        filters = TicketListApi.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(_ticket_list(filters=filters.validated_data))
        rows = TicketListApi.OutputSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(rows.data)


class TicketDetailApi(GenericAPIView):
    queryset = Ticket.objects.all()

    @extend_schema_serializer(component_name="TicketDetail")
    class OutputSerializer(TicketListApi.OutputSerializer):
        @extend_schema_serializer(component_name="TicketCustomer")
        class CustomerSerializer(serializers.ModelSerializer):
            class Meta:
                model = Customer
                fields = ["name", "email", "phone", "language"]

        @extend_schema_serializer(component_name="TicketDeliveryChange")
        class DeliveryChangeSerializer(serializers.ModelSerializer):
            status = NamedChoiceField(
                enum_name="DeliveryChangeStatusEnum",
                choices=DeliveryChangeStatus.choices,
                read_only=True,
            )

            class Meta:
                model = DeliveryChangeRequest
                fields = [
                    "id",
                    "kind",
                    "preferred_date",
                    "time_slot",
                    "place",
                    "note",
                    "status",
                    "created_at",
                ]

        customer = CustomerSerializer(
            read_only=True,
            allow_null=True,
            help_text="Null for a caller without the view_customer permission",
        )
        delivery_changes = DeliveryChangeSerializer(
            many=True,
            read_only=True,
            help_text="What the customer asked of the next delivery, newest first",
        )

        class Meta(TicketListApi.OutputSerializer.Meta):
            fields = [
                *TicketListApi.OutputSerializer.Meta.fields,
                "is_proactive",
                "sla_paused_at",
                "closed_at",
                "last_customer_message_at",
                "updated_at",
                "delivery_changes",
            ]

    @extend_schema(
        operation_id="tickets_retrieve",
        summary="A ticket with its customer and delivery-change requests",
        description="The messages are at `/api/v1/tickets/{ticket_id}/messages/`.",
        responses={200: OutputSerializer, **_ERRORS, **TICKET_NOT_FOUND},
    )
    def get(self, request, ticket_id: int):
        ticket = _ticket_or_404(ticket_id=ticket_id)
        return Response(TicketDetailApi.OutputSerializer(ticket, context={"request": request}).data)


class TicketCreateApi(GenericAPIView):
    queryset = Ticket.objects.all()
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="TicketCreate")
    class InputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="TicketCustomerIn")
        class CustomerSerializer(ShipmentCreateApi.InputSerializer.CustomerSerializer):
            """The same customer fields and checks as for a shipment."""

        customer = CustomerSerializer(
            required=False,
            help_text="Who asks; reused when known by email (any case) or, without one, phone. "
            "Give this or `shipment`.",
        )
        shipment = serializers.PrimaryKeyRelatedField(
            queryset=Shipment.objects.select_related("customer"),
            required=False,
            help_text="The parcel asked about; its customer is the ticket's. Give this or "
            "`customer`.",
        )
        category = serializers.ChoiceField(choices=TicketCategory.choices)
        subject = serializers.CharField(max_length=200)
        body = serializers.CharField(
            max_length=MAX_BODY,
            allow_blank=True,
            help_text="The customer's first message, stored as typed",
        )

        def validate(self, attrs):
            # Blank bodies go on to the service, whose EmptyMessage says the same as the pages.
            if "customer" in attrs and "shipment" in attrs:
                raise serializers.ValidationError(
                    {"shipment": "Give a shipment or a customer, not both."}
                )
            if "customer" not in attrs and "shipment" not in attrs:
                raise serializers.ValidationError(
                    {"customer": "Give the customer, or the shipment whose customer asks."}
                )
            return attrs

    @extend_schema_serializer(component_name="TicketCreated")
    class OutputSerializer(TicketDetailApi.OutputSerializer):
        customer_link = serializers.URLField(
            read_only=True,
            help_text="The customer's private link to the ticket. Shown in this response "
            "only: just its hash is kept, so it cannot be read again. Give it to the customer "
            "and nobody else.",
        )

        class Meta(TicketDetailApi.OutputSerializer.Meta):
            fields = [*TicketDetailApi.OutputSerializer.Meta.fields, "customer_link"]

    @extend_schema(
        operation_id="tickets_create",
        summary="Open a ticket for a customer, or for a shipment's customer",
        description=(
            "The body is the customer's first message. The customer is told by email or SMS "
            "that the ticket is open. The response carries `customer_link`, the private link "
            "for the customer, **only this once**: it is not stored and no later response "
            "shows it."
        ),
        request=InputSerializer,
        responses={201: OutputSerializer, **_ERRORS},
    )
    def post(self, request):
        data = TicketCreateApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        # One transaction: a refused ticket leaves no customer behind.
        with transaction.atomic():
            shipment = fields.get("shipment")
            customer = (
                shipment.customer if shipment else customer_get_or_create(**fields["customer"])
            )
            ticket, token = ticket_open(
                customer=customer,
                shipment=shipment,
                category=fields["category"],
                subject=fields["subject"],
                body=fields["body"],
                actor=request.user,
            )
        created = _ticket_or_404(ticket_id=ticket.pk)
        path = reverse("portal:ticket", kwargs={"token": token})
        created.customer_link = settings.DELAYDESK["SITE_URL"].rstrip("/") + path
        output = TicketCreateApi.OutputSerializer(created, context={"request": request})
        return Response(output.data, status=201)


class TicketsApi(TicketListApi, TicketCreateApi):
    pass
