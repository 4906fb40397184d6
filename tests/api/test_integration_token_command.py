"""manage.py create_integration_token: a non-staff Integrations user with a DRF token."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.roles import INTEGRATIONS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_integration_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_creates_a_non_staff_integration_user_and_prints_its_token_alone():
    key, note = _run("cj")

    user = User.objects.get(username="integration-cj")
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [INTEGRATIONS]
    assert Token.objects.get(user=user).key == key
    assert len(key) == 40
    assert "Created integration-cj" in note


def test_the_printed_token_opens_the_api_for_shipments():
    key, _ = _run("shop-kr")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api.get("/api/v1/shipments/").status_code == 200


def test_running_again_reuses_the_user_and_the_token():
    first, _ = _run("cj")

    again, note = _run("cj")

    assert again == first
    assert User.objects.filter(username__startswith="integration-").count() == 1
    assert "already had this token" in note


def test_rotate_replaces_the_token_and_the_old_one_stops_working():
    old, _ = _run("cj")

    new, note = _run("cj", "--rotate")

    assert new != old
    assert list(Token.objects.values_list("key", flat=True)) == [new]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get("/api/v1/shipments/").status_code == 401
    assert "Rotated" in note


def test_the_name_is_folded_to_lower_case():
    _run("CJ")

    assert User.objects.filter(username="integration-cj").exists()


@pytest.mark.parametrize("name", ["has space", "semi;colon", "한진", "", "a/b"])
def test_a_name_that_is_not_a_slug_is_a_readable_error(name):
    with pytest.raises(CommandError, match="not a valid name: use letters, digits"):
        _run(name)

    assert not User.objects.exists()


def test_a_name_too_long_for_a_username_is_refused():
    with pytest.raises(CommandError, match="too long"):
        _run("x" * 200)


def test_a_staff_user_of_that_name_is_not_turned_into_an_integration():
    UserFactory(username="integration-cj", is_staff=True)

    with pytest.raises(CommandError, match="is staff"):
        _run("cj")

    assert not Token.objects.exists()


def test_a_deactivated_integration_gets_no_new_token():
    UserFactory(username="integration-cj", is_staff=False, is_active=False)

    with pytest.raises(CommandError, match="deactivated"):
        _run("cj", "--rotate")

    assert not Token.objects.exists()
