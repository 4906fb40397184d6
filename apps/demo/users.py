"""The demo logins: an agent and a manager, with passwords published on purpose."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.accounts.roles import AGENTS, MANAGERS

# Published in the README and printed by the command: demo logins are not secret.
DEMO_PASSWORDS = {"agent": "agent-demo-pass", "manager": "manager-demo-pass"}
# username, first name, last name, language, role, on duty
DEMO_USERS = (
    ("agent", "Jieun", "Park", "ko", AGENTS, True),
    ("manager", "Daniel", "Choi", "en", MANAGERS, False),
)


def users_ensure() -> dict:
    """The demo logins, given the printed passwords on every run so they always work."""
    user_model = get_user_model()
    users = {}
    for username, first, last, language, role, on_duty in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.email = f"{username}@delaydesk.example"
        user.preferred_language, user.is_staff, user.is_on_duty = language, True, on_duty
        user.set_password(DEMO_PASSWORDS[username])
        user.save()
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users
