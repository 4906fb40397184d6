"""Domain errors become 400/409 with the message a person can read, and the field if any."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        if exc.extra:
            body.update(exc.extra)
        return Response(body, status=exc.status_code)
    return drf_exception_handler(exc, context)
