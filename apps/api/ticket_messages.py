"""/api/v1/tickets/<id>/messages/ — a ticket's conversation, read and added to.

Who reads internal notes, and who writes as the desk, is one rule: `can_see_internal_notes`.
Agents and managers see every message, notes flagged, and write replies or notes as themselves.
Everyone else — integrations, the shop and carrier systems — is customer-facing: whatever they
read may reach the customer, so they never get a note, and what they post is the customer's.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.api.permissions import can_see_internal_notes
from apps.api.schema import ERRORS as _ERRORS
from apps.api.tickets import MAX_BODY, TICKET_NOT_FOUND
from apps.tickets.models import Message, MessageAuthor, Ticket
from apps.tickets.services import REOPEN_DAYS, ticket_reply


def _message_list(*, ticket: Ticket, include_internal: bool) -> QuerySet[Message]:
    """A ticket's messages with their authors; internal notes only when asked for.

    To move to apps/tickets/selectors.py.
    """
    messages = Message.objects.filter(ticket=ticket).select_related("author")
    if not include_internal:
        messages = messages.filter(is_internal=False)
    return messages


# --- Operations ------------------------------------------------------------------------------


class TicketMessageListApi(GenericAPIView):
    queryset = Message.objects.all()
    # Oldest first, as a conversation reads.
    cursor_ordering = ("created_at", "id")

    @extend_schema_serializer(component_name="TicketMessage")
    class OutputSerializer(serializers.ModelSerializer):
        author = serializers.SlugRelatedField(
            slug_field="username",
            read_only=True,
            allow_null=True,
            help_text="The agent, or the system that posted for the customer",
        )

        class Meta:
            model = Message
            fields = ["id", "author_kind", "author", "is_internal", "body", "created_at"]
            extra_kwargs = {"body": {"help_text": "Exactly as typed: escape it to show it"}}

    @extend_schema(
        operation_id="ticket_messages_list",
        summary="A ticket's messages, oldest first, in cursor pages",
        description=(
            "Agents and managers also see internal notes (`is_internal`: true). Integrations "
            "never do: they read only what the customer may read."
        ),
        responses={200: OutputSerializer(many=True), **_ERRORS, **TICKET_NOT_FOUND},
    )
    def get(self, request, ticket_id: int):
        ticket = get_object_or_404(Ticket.objects.only("pk"), pk=ticket_id)
        messages = _message_list(
            ticket=ticket, include_internal=can_see_internal_notes(request.user)
        )
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(
            TicketMessageListApi.OutputSerializer(page, many=True).data
        )


class TicketMessageCreateApi(GenericAPIView):
    queryset = Message.objects.all()
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="TicketMessageIn")
    class InputSerializer(serializers.Serializer):
        # Blank bodies go on to the service, whose EmptyMessage names the field.
        body = serializers.CharField(max_length=MAX_BODY, allow_blank=True)
        is_internal = serializers.BooleanField(
            default=False,
            help_text="An internal note for the desk; agents and managers only (403 otherwise)",
        )

    @extend_schema(
        operation_id="ticket_messages_create",
        summary="Add a message to a ticket",
        description=(
            "An agent's or manager's message is theirs: a public reply the customer is told of, "
            "or with `is_internal` a note for the desk; like the desk's ticket page, it needs "
            "the change_ticket permission. An integration's message is the "
            f"customer's: it reopens a ticket waiting on the customer, or resolved within "
            f"{REOPEN_DAYS} days."
        ),
        request=InputSerializer,
        responses={
            201: TicketMessageListApi.OutputSerializer,
            409: OpenApiResponse(description="The ticket is closed, or too long resolved."),
            **_ERRORS,
            **TICKET_NOT_FOUND,
        },
    )
    def post(self, request, ticket_id: int):
        ticket = get_object_or_404(Ticket.objects.only("pk"), pk=ticket_id)
        data = TicketMessageCreateApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        is_internal = data.validated_data["is_internal"]
        for_the_desk = can_see_internal_notes(request.user)
        if is_internal and not for_the_desk:
            raise PermissionDenied("Only agents and managers add internal notes.")
        # As on the desk's ticket page, answering for the desk takes the right to work tickets.
        if for_the_desk and not request.user.has_perm("tickets.change_ticket"):
            raise PermissionDenied("Replying for the desk needs the change_ticket permission.")
        message = ticket_reply(
            ticket=ticket,
            body=data.validated_data["body"],
            author_kind=MessageAuthor.AGENT if for_the_desk else MessageAuthor.CUSTOMER,
            # For a customer's message, the system that posted it: the audit trail's actor.
            author=request.user,
            is_internal=is_internal,
        )
        output = TicketMessageListApi.OutputSerializer(message)
        return Response(output.data, status=201)


class TicketMessagesApi(TicketMessageListApi, TicketMessageCreateApi):
    pass
