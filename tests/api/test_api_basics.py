"""The API's common ground: schema and docs, authentication, cursor pages, domain errors."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.api.exceptions import exception_handler
from apps.core.errors import ApplicationError, ConflictError, InvalidTransition
from apps.shipments.models import Carrier
from tests.factories import CarrierFactory

pytestmark = pytest.mark.django_db

CARRIERS_URL = "/api/v1/carriers/"


def _client_for(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_schema_is_an_openapi_document():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Delay Desk API"
    assert CARRIERS_URL in document["paths"]


def test_docs_page_answers(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200


def test_carriers_need_authentication():
    response = APIClient().get(CARRIERS_URL)

    assert response.status_code in (401, 403)


def test_carriers_refuse_an_unknown_token():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = api.get(CARRIERS_URL)

    assert response.status_code == 401


def test_agent_with_a_token_lists_carriers_in_cursor_pages(agent, django_assert_max_num_queries):
    assert agent.has_perm("shipments.view_carrier")
    CarrierFactory(code="cj", name="CJ Logistics")
    CarrierFactory(code="hanjin", name="Hanjin")
    api = _client_for(agent)

    # Expect 2 queries: the token with its user, the carriers. Up to 2 more: the user's and the
    # groups' permissions, since reading requires view_carrier.
    with django_assert_max_num_queries(4):
        response = api.get(CARRIERS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert [carrier["code"] for carrier in body["results"]] == ["cj", "hanjin"]
    assert set(body["results"][0]) == {
        "code",
        "name",
        "country",
        "tracking_url_template",
        "is_active",
    }


def test_carrier_pages_follow_the_cursor(agent):
    # Plain rows: the factory's get_or_create would run one `.get()` per carrier.
    Carrier.objects.bulk_create(
        Carrier(code=code, name=code.title(), country="KR") for code in ["cj", "hanjin", "lotte"]
    )
    api = _client_for(agent)

    first = api.get(CARRIERS_URL, {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert [c["code"] for c in first["results"] + second["results"]] == ["cj", "hanjin", "lotte"]


def test_staff_without_view_permission_cannot_list_carriers(stranger):
    response = _client_for(stranger).get(CARRIERS_URL)

    assert response.status_code == 403


def test_exception_handler_maps_an_application_error_to_400_with_its_field():
    response = exception_handler(ApplicationError("x", field="f"), {})

    assert response.status_code == 400
    assert response.data == {"detail": "x", "field": "f"}


def test_exception_handler_maps_a_conflict_to_409():
    response = exception_handler(ConflictError("Already decided."), {})

    assert response.status_code == 409
    assert response.data == {"detail": "Already decided."}


def test_exception_handler_includes_the_details_of_a_refused_transition():
    error = InvalidTransition(entity="ticket", from_status="closed", to_status="open")

    response = exception_handler(error, {})

    assert response.status_code == 409
    assert response.data == {
        "detail": "A ticket cannot move from 'closed' to 'open'.",
        "from": "closed",
        "to": "open",
    }
