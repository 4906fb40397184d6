"""manage.py create_integration_token NAME [--rotate] — an API token for a carrier or shop system.

The token alone goes to standard output, so a script can capture it; what was done goes to
standard error.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import transaction
from rest_framework.authtoken.models import Token

from apps.accounts.roles import INTEGRATIONS

USERNAME_PREFIX = "integration-"


class Command(BaseCommand):
    help = (
        "Create (or reuse) the non-staff user integration-NAME in the Integrations group and "
        "print its API token; --rotate replaces the token."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="A slug naming the system, e.g. cj or shop-kr")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the token: the old one stops working at once",
        )

    def handle(self, *args, name: str, rotate: bool, **options):
        username = self._username(name)
        group = Group.objects.filter(name=INTEGRATIONS).first()
        if group is None:
            raise CommandError(f"The {INTEGRATIONS} group does not exist yet: run migrate first.")

        users = get_user_model().objects.select_for_update()
        with transaction.atomic():
            user, created = users.get_or_create(username=username, defaults={"is_staff": False})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            elif user.is_staff or user.is_superuser:
                raise CommandError(
                    f"The user {username} exists and is staff; an integration token is only "
                    "issued to a non-staff user. Pick another name."
                )
            elif not user.is_active:
                raise CommandError(
                    f"The user {username} is deactivated; reactivate it in the desk first."
                )
            user.groups.add(group)
            if rotate:
                Token.objects.filter(user=user).delete()
            token, token_created = Token.objects.get_or_create(user=user)

        if created:
            note = f"Created {username} in {INTEGRATIONS} with a new token."
        elif rotate:
            note = f"Rotated the token of {username}; the old one no longer works."
        elif token_created:
            note = f"Gave {username} a new token."
        else:
            note = f"{username} already had this token (use --rotate to replace it)."
        self.stderr.write(note)
        self.stdout.write(token.key)

    def _username(self, name: str) -> str:
        name = name.strip().lower()
        try:
            validate_slug(name)
        except ValidationError as exc:
            raise CommandError(
                f"'{name}' is not a valid name: use letters, digits, hyphens and underscores "
                "only (e.g. cj or shop-kr)."
            ) from exc
        username = USERNAME_PREFIX + name
        max_length = get_user_model()._meta.get_field("username").max_length
        if len(username) > max_length:
            raise CommandError(
                f"The name is too long: at most {max_length - len(USERNAME_PREFIX)} characters."
            )
        return username
