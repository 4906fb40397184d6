"""/api/v1/tickets/: integrations and the desk list, read and open tickets and their messages.

Internal notes are the desk's own: an integration is customer-facing and never reads one.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.roles import INTEGRATIONS
from apps.api.permissions import can_see_internal_notes
from apps.shipments.models import Customer
from apps.tickets.models import (
    DeliveryChangeKind,
    DeliveryChangeRequest,
    Message,
    MessageAuthor,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
)
from tests.factories import (
    CarrierFactory,
    MessageFactory,
    ShipmentFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TICKETS_URL = "/api/v1/tickets/"
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
NOTE = "Internal: customer sounds like a reseller, do not refund <b>twice</b>"

ROW_FIELDS = {
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
}
# Until the Integrations role holds them (apps/accounts/roles.py), the test integration is
# granted the ticket permissions these endpoints need one by one.
TICKET_PERMISSIONS = ["view_ticket", "add_ticket", "view_message", "add_message"]


def _detail_url(ticket) -> str:
    return f"{TICKETS_URL}{ticket.pk}/"


def _messages_url(ticket) -> str:
    return f"{TICKETS_URL}{ticket.pk}/messages/"


def _client_for(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def _integration_user(username: str):
    user = UserFactory(username=username, is_staff=False)
    user.groups.add(Group.objects.get(name=INTEGRATIONS))
    return user


@pytest.fixture
def integration(db):
    """The shop's system: an Integrations user, granted the ticket permissions explicitly."""
    user = _integration_user("integration-shop")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="tickets", codename__in=TICKET_PERMISSIONS
        )
    )
    return user


@pytest.fixture
def api(integration):
    return _client_for(integration)


@pytest.fixture
def desk(agent):
    return _client_for(agent)


@pytest.fixture
def shipment(customer):
    return ShipmentFactory(
        carrier=CarrierFactory(code="cj"), customer=customer, tracking_number="CJ1000"
    )


@pytest.fixture
def ticket(customer, shipment):
    return TicketFactory(customer=customer, shipment=shipment, subject="Late parcel")


@pytest.fixture
def conversation(ticket, agent):
    """A customer's message, an agent's internal note and the agent's public reply."""
    now = timezone.now()
    return [
        MessageFactory(ticket=ticket, body=HOSTILE, created_at=now - timedelta(minutes=3)),
        MessageFactory(
            ticket=ticket,
            author_kind=MessageAuthor.AGENT,
            author=agent,
            is_internal=True,
            body=NOTE,
            created_at=now - timedelta(minutes=2),
        ),
        MessageFactory(
            ticket=ticket,
            author_kind=MessageAuthor.AGENT,
            author=agent,
            body="We asked the carrier.",
            created_at=now - timedelta(minutes=1),
        ),
    ]


def _create_body(**overrides) -> dict:
    body = {
        "customer": {
            "name": "Lee Jiwoo",
            "email": "jiwoo@example.com",
            "phone": "+821012345678",
            "language": "en",
        },
        "category": "late",
        "subject": "Parcel not here",
        "body": "It was promised for Monday.",
    }
    body.update(overrides)
    return body


# --- Who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "list"),
        ("post", "list"),
        ("get", "detail"),
        ("get", "messages"),
        ("post", "messages"),
    ],
)
def test_anonymous_requests_are_refused_with_401(ticket, method, url):
    target = {
        "list": TICKETS_URL,
        "detail": _detail_url(ticket),
        "messages": _messages_url(ticket),
    }[url]

    response = getattr(APIClient(), method)(target, {}, format="json")

    assert response.status_code == 401


def test_staff_without_a_role_is_refused_with_403(stranger, ticket):
    api = _client_for(stranger)

    assert api.get(TICKETS_URL).status_code == 403
    assert api.get(_detail_url(ticket)).status_code == 403
    assert api.get(_messages_url(ticket)).status_code == 403
    assert api.post(TICKETS_URL, _create_body(), format="json").status_code == 403
    assert api.post(_messages_url(ticket), {"body": "hi"}, format="json").status_code == 403
    assert Ticket.objects.count() == 1
    assert not Message.objects.exists()


def test_reading_tickets_does_not_open_their_messages(ticket):
    # Given a system allowed tickets but not messages
    user = UserFactory(username="reader", is_staff=False)
    user.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    api = _client_for(user)

    assert api.get(_detail_url(ticket)).status_code == 200
    assert api.get(_messages_url(ticket)).status_code == 403


def test_only_the_desk_sees_internal_notes(agent, manager, stranger, integration):
    assert can_see_internal_notes(agent)
    assert can_see_internal_notes(manager)
    assert not can_see_internal_notes(integration)
    assert not can_see_internal_notes(stranger)
    assert not can_see_internal_notes(AnonymousUser())


def test_the_integrations_role_never_reads_the_ticket_timeline():
    # The rule for internal notes rests on this: whatever the role is granted, never this.
    integrations = Group.objects.get(name=INTEGRATIONS)

    assert not integrations.permissions.filter(codename="view_ticketevent").exists()


def test_the_integrations_role_opens_lists_and_answers_tickets(ticket):
    api = _client_for(_integration_user("integration-role-only"))

    created = api.post(TICKETS_URL, _create_body(), format="json")
    listed = api.get(TICKETS_URL)
    read = api.get(_messages_url(ticket))
    posted = api.post(_messages_url(ticket), {"body": "Any news?"}, format="json")

    assert created.status_code == 201
    assert listed.status_code == 200
    assert read.status_code == 200
    assert posted.status_code == 201


# --- List ------------------------------------------------------------------------------------


def test_list_rows_carry_the_customer_the_parcel_and_the_sla(api, ticket, agent):
    Ticket.objects.filter(pk=ticket.pk).update(
        assignee=agent, first_response_due_at=timezone.now() - timedelta(minutes=5)
    )

    response = api.get(TICKETS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    (row,) = body["results"]
    assert set(row) == ROW_FIELDS
    assert row["reference"] == ticket.reference
    assert row["status"] == "new"
    assert row["priority"] == TicketPriority.NORMAL
    assert row["customer"] == {"name": "Kim Minji", "email": "minji@example.com"}
    assert row["shipment"] == {
        "id": ticket.shipment_id,
        "carrier": "cj",
        "tracking_number": "CJ1000",
    }
    assert row["assignee"] == "alice"
    assert row["is_sla_breached"] is True


def test_a_ticket_without_a_parcel_has_a_null_shipment(api):
    TicketFactory(shipment=None)

    (row,) = api.get(TICKETS_URL).json()["results"]

    assert row["shipment"] is None


def test_customer_contacts_are_hidden_from_a_caller_without_view_customer(ticket):
    user = UserFactory(username="tickets-only", is_staff=False)
    user.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    api = _client_for(user)

    (row,) = api.get(TICKETS_URL).json()["results"]
    detail = api.get(_detail_url(ticket)).json()

    assert row["customer"] is None
    assert detail["customer"] is None


def test_list_is_newest_first_in_cursor_pages_never_by_offset(api):
    now = timezone.now()
    made = [TicketFactory(created_at=now - timedelta(hours=hours)) for hours in (5, 4, 3, 2, 1)]

    first = api.get(TICKETS_URL, {"page_size": 3}).json()
    second = api.get(first["next"]).json()

    query = parse_qs(urlparse(first["next"]).query)
    assert "cursor" in query
    assert not {"offset", "page", "limit"} & set(query)
    assert second["next"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [ticket.pk for ticket in reversed(made)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "open"}, {"open-urgent"}),
        ({"priority": "4"}, {"open-urgent"}),
        ({"category": "lost"}, {"lost-alice"}),
        ({"assignee": "alice"}, {"lost-alice"}),
        ({"reference": "dd-lost"}, {"lost-alice"}),
        ({"tracking_number": "CJ1000"}, {"new-minji"}),
        ({"customer_email": "MINJI@example.com"}, {"new-minji"}),
        ({"status": "new", "category": "late"}, {"new-minji"}),
        ({}, {"new-minji", "open-urgent", "lost-alice"}),
    ],
)
def test_list_filters_by_query_parameters(api, ticket, agent, params, expected):
    Ticket.objects.filter(pk=ticket.pk).update(subject="new-minji")
    TicketFactory(subject="open-urgent", status=TicketStatus.OPEN, priority=TicketPriority.URGENT)
    TicketFactory(subject="lost-alice", reference="DD-LOST", category="lost", assignee=agent)

    response = api.get(TICKETS_URL, params)

    assert response.status_code == 200
    assert {row["subject"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost-in-space"}, "status"),
        ({"priority": "9"}, "priority"),
        ({"customer_email": "not-an-email"}, "customer_email"),
    ],
)
def test_an_invalid_filter_is_400_naming_it(api, params, field):
    response = api.get(TICKETS_URL, params)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("count", [3, 30])
def test_list_runs_a_constant_number_of_queries(api, agent, count, django_assert_max_num_queries):
    for _ in range(count):
        TicketFactory(assignee=agent)

    # Expect 4 queries: token with user, user and group permissions, the page with customers,
    # parcels, carriers and assignees joined.
    with django_assert_max_num_queries(4):
        response = api.get(TICKETS_URL)

    assert len(response.json()["results"]) == count


# --- Detail ----------------------------------------------------------------------------------


def test_detail_shows_the_delivery_change_requests_newest_first(api, ticket):
    now = timezone.now()
    DeliveryChangeRequest.objects.create(
        ticket=ticket,
        kind=DeliveryChangeKind.SAFE_PLACE,
        place="Behind the blue door",
        created_at=now - timedelta(hours=1),
    )
    DeliveryChangeRequest.objects.create(
        ticket=ticket, kind=DeliveryChangeKind.NEW_SLOT, time_slot="evening", created_at=now
    )

    response = api.get(_detail_url(ticket))

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= ROW_FIELDS
    assert body["customer"]["phone"] == ticket.customer.phone
    assert [change["kind"] for change in body["delivery_changes"]] == ["new_slot", "safe_place"]
    assert body["delivery_changes"][1]["place"] == "Behind the blue door"
    assert body["delivery_changes"][1]["status"] == "requested"
    assert "customer_link" not in body
    assert not {"token_hash", "token_expires_at"} & set(body)


def test_detail_runs_a_constant_number_of_queries(api, ticket, django_assert_max_num_queries):
    for _ in range(5):
        DeliveryChangeRequest.objects.create(
            ticket=ticket, kind=DeliveryChangeKind.NEW_SLOT, time_slot="evening"
        )

    # Expect 5 queries: token with user, user and group permissions, the ticket with its
    # customer, parcel, carrier and assignee, its delivery changes.
    with django_assert_max_num_queries(5):
        response = api.get(_detail_url(ticket))

    assert len(response.json()["delivery_changes"]) == 5


def test_an_unknown_ticket_is_404(api):
    assert api.get(f"{TICKETS_URL}999999/").status_code == 404
    assert api.get(f"{TICKETS_URL}999999/messages/").status_code == 404
    assert api.post(f"{TICKETS_URL}999999/messages/", {"body": "x"}, format="json").status_code == (
        404
    )


# --- Create ----------------------------------------------------------------------------------


def test_create_opens_a_ticket_for_a_new_customer_and_gives_the_link_once(api, integration, client):
    response = api.post(TICKETS_URL, _create_body(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert body["reference"] == ticket.reference
    assert body["status"] == "new"
    assert body["customer"]["email"] == "jiwoo@example.com"
    assert body["shipment"] is None
    assert ticket.customer.name == "Lee Jiwoo"
    assert ticket.language == "en"
    first = ticket.messages.get()
    assert (first.author_kind, first.body) == (
        MessageAuthor.CUSTOMER,
        "It was promised for Monday.",
    )
    assert ticket.events.get(kind=TicketEventKind.CREATED).actor == integration
    # The link is the portal's, and works there.
    link = body["customer_link"]
    assert link.startswith(settings.DELAYDESK["SITE_URL"].rstrip("/") + "/t/")
    assert client.get(urlparse(link).path).status_code == 200
    # It is shown once: no later response carries it.
    again = api.get(_detail_url(ticket))
    assert "customer_link" not in again.json()
    assert link.rsplit("/t/", 1)[1].strip("/") not in again.content.decode()


def test_create_for_a_shipment_takes_its_customer(api, shipment, customer):
    body = _create_body(shipment=shipment.pk)
    del body["customer"]

    response = api.post(TICKETS_URL, body, format="json")

    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.shipment == shipment
    assert ticket.customer == customer
    assert ticket.language == customer.language
    assert response.json()["shipment"]["tracking_number"] == "CJ1000"


def test_create_reuses_a_customer_known_by_email(api, customer):
    body = _create_body(customer={"name": "M. Kim", "email": "MINJI@example.com"})

    response = api.post(TICKETS_URL, body, format="json")

    assert response.status_code == 201
    assert Customer.objects.count() == 1
    assert Ticket.objects.get().customer == customer


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"category": "bored"}, ["category"]),
        ({"subject": ""}, ["subject"]),
        ({"subject": "x" * 201}, ["subject"]),
        ({"body": "x" * 10_001}, ["body"]),
        ({"customer": None, "shipment": None}, ["customer"]),
        ({"customer": {"name": "No Contact"}}, ["customer", "email"]),
        ({"customer": {"name": "X", "email": "not-an-email"}}, ["customer", "email"]),
        ({"customer": {"name": "X", "phone": "010-1234"}}, ["customer", "phone"]),
        (
            {"customer": {"name": "X", "email": "x@example.com", "language": "fr"}},
            ["customer", "language"],
        ),
        ({"shipment": 999999}, ["shipment"]),
    ],
)
def test_invalid_input_is_400_naming_the_field_and_stores_nothing(api, change, path):
    body = {key: value for key, value in _create_body(**change).items() if value is not None}

    response = api.post(TICKETS_URL, body, format="json")

    assert response.status_code == 400
    errors = response.json()
    for key in path:
        assert key in errors, errors
        errors = errors[key]
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


def test_a_customer_and_a_shipment_together_are_refused(api, shipment):
    response = api.post(TICKETS_URL, _create_body(shipment=shipment.pk), format="json")

    assert response.status_code == 400
    assert "shipment" in response.json()
    assert not Ticket.objects.exists()


def test_missing_required_fields_are_each_named(api):
    response = api.post(TICKETS_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"category", "subject", "body"}


@pytest.mark.parametrize("blank", ["", "   \n  "])
def test_an_empty_first_message_is_400_naming_body_and_stores_nothing(api, blank):
    response = api.post(TICKETS_URL, _create_body(body=blank), format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "A message cannot be empty.", "field": "body"}
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


# --- Messages --------------------------------------------------------------------------------


def test_an_integration_never_sees_internal_notes(api, ticket, conversation):
    response = api.get(_messages_url(ticket))

    assert response.status_code == 200
    messages = response.json()["results"]
    assert [message["body"] for message in messages] == [HOSTILE, "We asked the carrier."]
    assert all(message["is_internal"] is False for message in messages)
    assert NOTE not in response.content.decode()
    assert "reseller" not in response.content.decode()


def test_an_agent_sees_internal_notes_flagged(desk, ticket, conversation):
    response = desk.get(_messages_url(ticket))

    messages = response.json()["results"]
    assert [(m["body"], m["is_internal"]) for m in messages] == [
        (HOSTILE, False),
        (NOTE, True),
        ("We asked the carrier.", False),
    ]
    assert messages[1]["author"] == "alice"
    assert messages[1]["author_kind"] == "agent"


def test_a_manager_signed_in_on_the_desk_sees_internal_notes_too(manager, ticket, conversation):
    session = APIClient()
    session.force_login(manager)

    response = session.get(_messages_url(ticket))

    assert response.status_code == 200
    assert NOTE in [message["body"] for message in response.json()["results"]]


def test_hostile_text_is_returned_verbatim_in_json(api, ticket):
    # JSON is not HTML: escaping is the job of whatever page shows it.
    MessageFactory(ticket=ticket, body=HOSTILE)

    response = api.get(_messages_url(ticket))

    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["body"] == HOSTILE
    assert "&lt;script&gt;" not in response.content.decode()


def test_messages_are_oldest_first_in_cursor_pages(api, ticket):
    now = timezone.now()
    for minutes_ago in (1, 4, 2, 5, 3):
        MessageFactory(
            ticket=ticket, body=f"{minutes_ago}", created_at=now - timedelta(minutes=minutes_ago)
        )
    MessageFactory(body="another ticket's")

    first = api.get(_messages_url(ticket), {"page_size": 3}).json()
    second = api.get(first["next"]).json()

    assert "cursor" in parse_qs(urlparse(first["next"]).query)
    assert second["next"] is None
    assert [m["body"] for m in first["results"] + second["results"]] == ["5", "4", "3", "2", "1"]


@pytest.mark.parametrize("count", [3, 30])
def test_messages_list_runs_a_constant_number_of_queries(
    desk, ticket, agent, count, django_assert_max_num_queries
):
    for n in range(count):
        MessageFactory(
            ticket=ticket, author_kind=MessageAuthor.AGENT, author=agent, is_internal=n % 2 == 0
        )

    # Expect 5 queries: token with user, user and group permissions, the ticket, the page with
    # its authors joined.
    with django_assert_max_num_queries(5):
        response = desk.get(_messages_url(ticket))

    assert len(response.json()["results"]) == count


def test_an_integration_posts_the_customers_message(api, integration, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(
        status=TicketStatus.PENDING_CUSTOMER, sla_paused_at=timezone.now()
    )

    response = api.post(_messages_url(ticket), {"body": "Any news?"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["author_kind"] == "customer"
    assert body["is_internal"] is False
    message = Message.objects.get(pk=body["id"])
    assert (message.author_kind, message.body) == (MessageAuthor.CUSTOMER, "Any news?")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.last_customer_message_at is not None
    assert TicketEvent.objects.get(kind=TicketEventKind.CUSTOMER_REPLIED).actor == integration


def test_an_integration_cannot_post_an_internal_note(api, ticket):
    response = api.post(_messages_url(ticket), {"body": NOTE, "is_internal": True}, format="json")

    assert response.status_code == 403
    # Never stored at all, least of all as a public message the customer would read.
    assert not Message.objects.exists()


def test_an_agent_posts_a_public_reply_as_themselves(desk, agent, ticket):
    response = desk.post(_messages_url(ticket), {"body": "It ships tomorrow."}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["author"] == "alice"
    message = Message.objects.get()
    assert (message.author_kind, message.author, message.is_internal) == (
        MessageAuthor.AGENT,
        agent,
        False,
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    assert ticket.status == TicketStatus.OPEN


def test_an_agent_posts_an_internal_note_the_integration_never_reads(desk, api, ticket):
    response = desk.post(_messages_url(ticket), {"body": NOTE, "is_internal": True}, format="json")

    assert response.status_code == 201
    assert response.json()["is_internal"] is True
    note = Message.objects.get()
    assert (note.author_kind, note.is_internal) == (MessageAuthor.AGENT, True)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    assert api.get(_messages_url(ticket)).json()["results"] == []


def test_a_desk_user_who_may_not_work_tickets_cannot_reply(ticket, conversation):
    # Given someone who reads the desk's notes but, as on the ticket page, may not answer
    user = UserFactory(username="auditor")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_ticketevent", "view_message", "add_message"])
    )
    api = _client_for(user)

    response = api.post(_messages_url(ticket), {"body": "Hi"}, format="json")

    assert response.status_code == 403
    assert Message.objects.count() == len(conversation)


def test_a_message_to_a_closed_ticket_is_409(api, ticket):
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        status=TicketStatus.CLOSED, resolved_at=now, closed_at=now
    )

    response = api.post(_messages_url(ticket), {"body": "Hello?"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "This request is closed. Please open a new one."}
    assert not Message.objects.exists()


@pytest.mark.parametrize("blank", ["", "  \n "])
def test_an_empty_message_is_400_naming_body(desk, ticket, blank):
    response = desk.post(_messages_url(ticket), {"body": blank}, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == "body"
    assert not Message.objects.exists()


# --- Schema ----------------------------------------------------------------------------------


def test_schema_documents_tickets_and_messages():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    components = response.json()["components"]["schemas"]
    assert set(paths[TICKETS_URL]) == {"get", "post"}
    assert set(paths[TICKETS_URL + "{ticket_id}/"]) == {"get"}
    assert set(paths[TICKETS_URL + "{ticket_id}/messages/"]) == {"get", "post"}
    list_parameters = {p["name"] for p in paths[TICKETS_URL]["get"]["parameters"]}
    assert {
        "status",
        "priority",
        "category",
        "assignee",
        "reference",
        "tracking_number",
        "customer_email",
        "cursor",
    } <= list_parameters
    assert {
        "TicketRow",
        "TicketDetail",
        "TicketCreate",
        "TicketCreated",
        "TicketMessage",
        "TicketMessageIn",
    } <= set(components)
    assert "only" in components["TicketCreated"]["properties"]["customer_link"]["description"]
    assert "customer_link" not in components["TicketDetail"]["properties"]
