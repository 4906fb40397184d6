from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions that also guards reads: listing needs the model's view permission.

    DRF's own class lets any signed-in user read; integrations and staff see only what their
    role grants.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


def can_see_internal_notes(user) -> bool:
    """Agents and managers — who read the ticket's timeline — see internal notes; nobody else.

    Being signed in is not enough: an integration's token reads tickets for a customer-facing
    system, and whatever it reads may reach the customer. The same rule decides who writes as
    the desk (agent replies and notes) rather than as the customer.
    """
    return user.is_authenticated and user.has_perm("tickets.view_ticketevent")
