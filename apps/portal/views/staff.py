"""Downloads for signed-in staff: any attachment, internal notes' too, by permission."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.portal.views.common import attachment_response
from apps.tickets.models import Attachment


@never_cache
@require_GET
@login_required
@permission_required("tickets.view_attachment", raise_exception=True)
def attachment(request, attachment_id: int):
    return attachment_response(get_object_or_404(Attachment, pk=attachment_id))
