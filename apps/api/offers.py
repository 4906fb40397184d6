"""/api/v1/offers/ — the desk and integrations list, propose, approve and reject compensation.

The same rules as the desk's pages, checked twice: the view asks for the model permission
(view_offer to read, propose_offer to propose, approve_offer to decide) and the service asks
again and refuses the proposer their own approval, so a token can do nothing a person could not.
One class per operation, each with its serializers nested; the list and the proposal share a URL
through a small joining class.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.api.permissions import ModelPermissions
from apps.api.schema import ERRORS as _ERRORS
from apps.api.tickets import NamedChoiceField
from apps.compensation.models import ActionKind, Offer, OfferStatus
from apps.compensation.services import (
    offer_approve,
    offer_propose_manual,
    offer_reject,
    offers_propose,
)
from apps.shipments.models import Shipment
from apps.tickets.models import Ticket

OFFER_NOT_FOUND = {404: OpenApiResponse(description="No offer with this id.")}
DECISION_REFUSED = {
    403: OpenApiResponse(
        description="The token's user lacks approve_offer, or proposed this offer themselves "
        "(four eyes: the proposer never decides)."
    ),
    409: OpenApiResponse(
        description="The offer is no longer proposed (already decided, issued or expired), or "
        "no budget holds it."
    ),
}


class OfferPermissions(ModelPermissions):
    """Reading offers needs view_offer; proposing one needs propose_offer, not add_offer."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["compensation.propose_offer"]}


class OfferDecisionPermissions(ModelPermissions):
    """Approving or rejecting needs approve_offer (the service checks it again)."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["compensation.approve_offer"]}


# --- Reads (selectors: to move to apps/compensation/selectors.py) ------------------------------


def _offer_list(*, filters: dict | None = None) -> QuerySet[Offer]:
    """Offers with the parcel, ticket, people and voucher a row shows: one query a page."""
    offers = Offer.objects.select_related(
        "shipment", "ticket", "proposed_by", "decided_by", "voucher"
    )
    filters = filters or {}
    if filters.get("status"):
        offers = offers.filter(status=filters["status"])
    if filters.get("shipment"):
        offers = offers.filter(shipment_id=filters["shipment"])
    if filters.get("ticket"):
        offers = offers.filter(ticket_id=filters["ticket"])
    if filters.get("carrier"):
        offers = offers.filter(shipment__carrier__code=filters["carrier"])
    return offers


def _offer_or_404(*, offer_id: int) -> Offer:
    return get_object_or_404(_offer_list(), pk=offer_id)


def _serialize(offers, *, request, many: bool = False):
    # Decided once per response, not per row: the voucher code is the customer's money.
    context = {
        "request": request,
        "show_vouchers": request.user.has_perm("compensation.view_voucher"),
    }
    return OfferListApi.OutputSerializer(offers, many=many, context=context).data


# --- Operations ------------------------------------------------------------------------------


class OfferListApi(GenericAPIView):
    queryset = Offer.objects.all()
    permission_classes = [OfferPermissions]
    # Newest first by when it was proposed: a column that never changes, so a cursor never
    # skips or repeats an offer.
    cursor_ordering = ("-created_at", "-id")

    @extend_schema_serializer(component_name="Offer")
    class OutputSerializer(serializers.ModelSerializer):
        @extend_schema_serializer(component_name="OfferShipment")
        class ShipmentSerializer(serializers.ModelSerializer):
            class Meta:
                model = Shipment
                fields = ["id", "tracking_number"]

        @extend_schema_serializer(component_name="OfferTicket")
        class TicketSerializer(serializers.ModelSerializer):
            class Meta:
                model = Ticket
                fields = ["id", "reference"]

        shipment = ShipmentSerializer(read_only=True)
        ticket = TicketSerializer(
            read_only=True,
            allow_null=True,
            help_text="The ticket the customer sees the offer on; null until there is one",
        )
        kind = NamedChoiceField(
            enum_name="OfferKindEnum", choices=ActionKind.choices, read_only=True
        )
        status = NamedChoiceField(
            enum_name="OfferStatusEnum", choices=OfferStatus.choices, read_only=True
        )
        rule = serializers.PrimaryKeyRelatedField(
            read_only=True,
            allow_null=True,
            help_text="The rule that granted the offer; null for a manual offer",
        )
        proposed_by = serializers.SlugRelatedField(
            slug_field="username",
            read_only=True,
            allow_null=True,
            help_text="The proposer's username; null when the rules proposed it",
        )
        decided_by = serializers.SlugRelatedField(
            slug_field="username",
            read_only=True,
            allow_null=True,
            help_text="The manager who approved or rejected it; null while undecided or when "
            "approved automatically",
        )
        voucher_code = serializers.SerializerMethodField(
            help_text="Once issued, and only for a caller with the view_voucher permission; "
            "null otherwise"
        )

        class Meta:
            model = Offer
            fields = [
                "id",
                "shipment",
                "ticket",
                "kind",
                "currency",
                "amount",
                "explanation",
                "status",
                "stacking_group",
                "choice_group",
                "rule",
                "rule_version",
                "proposed_by",
                "manual_reason",
                "decided_by",
                "decision_reason",
                "created_at",
                "decided_at",
                "issued_at",
                "expires_at",
                "responded_at",
                "voucher_code",
            ]
            read_only_fields = fields
            extra_kwargs = {
                "amount": {"help_text": "A decimal string, in the currency's units"},
                "explanation": {
                    "help_text": "How the amount was reached, in the customer's language"
                },
            }

        def get_voucher_code(self, offer) -> str | None:
            if not self.context.get("show_vouchers"):
                return None
            # A voucher exists from the issue on; the reverse one-to-one was joined.
            voucher = getattr(offer, "voucher", None)
            return voucher.code if voucher else None

    @extend_schema_serializer(component_name="OfferFilters")
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=OfferStatus.choices, required=False)
        shipment = serializers.IntegerField(min_value=1, required=False, help_text="Shipment id")
        ticket = serializers.IntegerField(min_value=1, required=False, help_text="Ticket id")
        carrier = serializers.SlugField(required=False, help_text="Carrier code")

    @extend_schema(
        operation_id="offers_list",
        summary="List compensation offers, newest first, in cursor pages",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **_ERRORS},
    )
    def get(self, request):
        filters = OfferListApi.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(_offer_list(filters=filters.validated_data))
        return self.get_paginated_response(_serialize(page, request=request, many=True))


class OfferDetailApi(GenericAPIView):
    queryset = Offer.objects.all()
    permission_classes = [OfferPermissions]

    @extend_schema(
        operation_id="offers_retrieve",
        summary="One compensation offer",
        responses={200: OfferListApi.OutputSerializer, **_ERRORS, **OFFER_NOT_FOUND},
    )
    def get(self, request, offer_id: int):
        return Response(_serialize(_offer_or_404(offer_id=offer_id), request=request))


class OfferProposeApi(GenericAPIView):
    queryset = Offer.objects.all()
    permission_classes = [OfferPermissions]
    parser_classes = [JSONParser]

    class ModeSerializer(serializers.Serializer):
        by_rules = serializers.BooleanField(default=False)

    class _ForShipment(serializers.Serializer):
        shipment = serializers.PrimaryKeyRelatedField(
            queryset=Shipment.objects.all(), help_text="The delayed shipment's id"
        )
        ticket = serializers.PrimaryKeyRelatedField(
            queryset=Ticket.objects.only("pk", "shipment_id"),
            required=False,
            allow_null=True,
            help_text="The customer's ticket about this shipment, to show the offer on; "
            "without one, the shipment's open ticket (or, on issue, a new one)",
        )

        def validate(self, attrs):
            ticket = attrs.get("ticket")
            if ticket is not None and ticket.shipment_id != attrs["shipment"].pk:
                raise serializers.ValidationError(
                    {"ticket": "This ticket is not about this shipment."}
                )
            return attrs

    @extend_schema_serializer(component_name="OfferProposalByRules")
    class RulesInputSerializer(_ForShipment):
        by_rules = serializers.BooleanField(help_text="true: the rules in force decide")

        def validate(self, attrs):
            # An amount sent with by_rules would be silently ignored: refuse it instead.
            for name in ("kind", "amount", "reason", "stacking_group"):
                if name in self.initial_data:
                    raise serializers.ValidationError(
                        {name: "Not used when by_rules is true: the rules decide."}
                    )
            return super().validate(attrs)

    @extend_schema_serializer(component_name="OfferProposalManual")
    class ManualInputSerializer(_ForShipment):
        by_rules = serializers.BooleanField(default=False, help_text="false or absent")
        kind = NamedChoiceField(enum_name="OfferKindEnum", choices=ActionKind.choices)
        amount = serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            help_text="A decimal string in the shipment's currency, more than zero",
        )
        reason = serializers.CharField(
            max_length=300, help_text="Why: kept with the offer and shown to the approver"
        )
        stacking_group = serializers.SlugField(
            max_length=40,
            default="manual",
            help_text="One open offer per shipment and group; offers in other groups stack",
        )

        def validate_amount(self, value):
            if value <= 0:
                raise serializers.ValidationError("The amount must be more than zero.")
            return value

    @extend_schema(
        operation_id="offers_create",
        summary="Propose compensation for a shipment: by the rules, or a manual offer",
        description=(
            "With `by_rules: true` the rules in force are evaluated for the shipment's delay "
            "and every offer they grant is stored (201); when they grant nothing the answer "
            "is 200 with an empty list. Asking again adds nothing unless the delay grew.\n\n"
            "Otherwise it is the caller's own offer, which needs `kind`, `amount` and a "
            "`reason`; it passes the same per-order cap, budget and approval checks, and waits "
            "for a manager other than the caller.\n\n"
            "Either way the answer is the list of offers created. Offers at or under their "
            "approval threshold, with budget to hold them, are approved at once and issued to "
            "the customer shortly after."
        ),
        request=PolymorphicProxySerializer(
            component_name="OfferProposal",
            serializers=[RulesInputSerializer, ManualInputSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: OfferListApi.OutputSerializer(many=True),
            200: OpenApiResponse(
                response=OfferListApi.OutputSerializer(many=True),
                description="The rules granted nothing: an empty list.",
            ),
            409: OpenApiResponse(
                description="The shipment already has an open offer in this stacking group."
            ),
            **_ERRORS,
        },
    )
    def post(self, request):
        mode = OfferProposeApi.ModeSerializer(data=request.data)
        mode.is_valid(raise_exception=True)
        if mode.validated_data["by_rules"]:
            data = OfferProposeApi.RulesInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            offers = offers_propose(
                shipment=data.validated_data["shipment"],
                ticket=data.validated_data.get("ticket"),
                actor=request.user,
            )
        else:
            data = OfferProposeApi.ManualInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = data.validated_data
            offers = [
                offer_propose_manual(
                    shipment=fields["shipment"],
                    ticket=fields.get("ticket"),
                    agent=request.user,
                    kind=fields["kind"],
                    amount=fields["amount"],
                    reason=fields["reason"],
                    stacking_group=fields["stacking_group"],
                )
            ]
        created = list(_offer_list().filter(pk__in=[offer.pk for offer in offers]))
        return Response(
            _serialize(created, request=request, many=True), status=201 if created else 200
        )


class _OffersSchema(AutoSchema):
    """Only the GET of /offers/ is paged; a proposal answers with a plain list of offers."""

    def _get_paginator(self):
        return super()._get_paginator() if self.method == "GET" else None


class OffersApi(OfferListApi, OfferProposeApi):
    schema = _OffersSchema()


class OfferApproveApi(GenericAPIView):
    queryset = Offer.objects.all()
    permission_classes = [OfferDecisionPermissions]

    @extend_schema(
        operation_id="offers_approve",
        summary="Approve a proposed offer (not one you proposed)",
        description=(
            "Reserves the offer's amount in the period's budget if the proposal could not, "
            "then issues the voucher to the customer shortly after. No body."
        ),
        request=None,
        responses={
            200: OfferListApi.OutputSerializer,
            **_ERRORS,
            **DECISION_REFUSED,
            **OFFER_NOT_FOUND,
        },
    )
    def post(self, request, offer_id: int):
        offer = get_object_or_404(Offer.objects.only("pk"), pk=offer_id)
        offer_approve(offer=offer.pk, manager=request.user)
        return Response(_serialize(_offer_or_404(offer_id=offer.pk), request=request))


class OfferRejectApi(GenericAPIView):
    queryset = Offer.objects.all()
    permission_classes = [OfferDecisionPermissions]
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="OfferRejection")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            max_length=300, help_text="Why: kept with the offer and in its audit trail"
        )

    @extend_schema(
        operation_id="offers_reject",
        summary="Reject a proposed offer with a reason (not one you proposed)",
        description="The amount it held in the budget is given back.",
        request=InputSerializer,
        responses={
            200: OfferListApi.OutputSerializer,
            **_ERRORS,
            **DECISION_REFUSED,
            **OFFER_NOT_FOUND,
        },
    )
    def post(self, request, offer_id: int):
        offer = get_object_or_404(Offer.objects.only("pk"), pk=offer_id)
        data = OfferRejectApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer_reject(offer=offer.pk, manager=request.user, reason=data.validated_data["reason"])
        return Response(_serialize(_offer_or_404(offer_id=offer.pk), request=request))
