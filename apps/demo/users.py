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
# Colleagues who appear in the demo (another manager proposes offers the demo manager may
# decide; another agent has tickets of their own) but cannot sign in: no password, not printed.
COLLEAGUES = (
    ("seoyeon", "Seoyeon", "Kim", "ko", MANAGERS, False),
    ("minho", "Minho", "Lee", "ko", AGENTS, False),
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
    for username, first, last, language, role, on_duty in COLLEAGUES:
        user, was_created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@delaydesk.example",
                "preferred_language": language,
                "is_staff": True,
                "is_on_duty": on_duty,
            },
        )
        if was_created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users
