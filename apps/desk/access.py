"""Who may open the desk: signed-in staff of the desk's roles, each page with its permission.

The pages check what they show; the services they call check again what they do (an agent's
request to approve an offer is refused by `offer_decide`, whatever a page lets through).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

# Every desk page needs at least this: agents and managers have it. Integrations (shop and
# carrier systems) read tickets through the API but never the timeline, whose view permission is
# what shows internal notes, so an integration account is kept out even if marked staff.
DESK_PERMISSION = "tickets.view_ticketevent"


def is_desk_user(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff) and user.has_perm(
        DESK_PERMISSION
    )


def desk_view(permission: str | None = None):
    """Decorate a desk view: sign-in first (back to the page after), then the role, then
    `permission` (a 403 page, never a hint of what is behind it)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_desk_user(user) or (permission and not user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
