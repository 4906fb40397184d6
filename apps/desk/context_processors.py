"""The desk's navigation on every desk page (only for those who may use the desk)."""

from apps.desk.access import is_desk_user
from apps.desk.nav import nav_for


def desk(request):
    user = getattr(request, "user", None)
    if user is None or not request.path.startswith("/desk/") or not is_desk_user(user):
        return {}
    return {"desk_nav": nav_for(user)}
