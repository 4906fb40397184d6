"""Private links never reach a log line: /t/<token>/ and /contact/confirm/<token>/ are redacted."""

import logging

import pytest

from apps.core.logging import RedactTokenPaths
from tests.factories import TicketFactory, token_for

TOKEN = "Zq3vK1d9yXoP-_abcdefghijklmnopqrstuvwxyz0123"


def _through_filter(msg, args=()) -> tuple[bool, str]:
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, msg, args, None)
    kept = RedactTokenPaths().filter(record)
    return kept, record.getMessage()


def test_djangos_not_found_warning_is_redacted():
    kept, message = _through_filter("%s: %s", ("Not Found", f"/t/{TOKEN}/"))

    assert kept is True
    assert message == "Not Found: /t/<redacted>/"


def test_runservers_request_line_is_redacted_and_keeps_its_numbers():
    kept, message = _through_filter('"%s" %d %s', (f"POST /t/{TOKEN}/files/12/ HTTP/1.1", 404, 179))

    assert message == '"POST /t/<redacted>/files/12/ HTTP/1.1" 404 179'


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/t/{TOKEN}/", "/t/<redacted>/"),
        (f"/t/{TOKEN}/reply/", "/t/<redacted>/reply/"),
        (f"/t/{TOKEN}", "/t/<redacted>"),
        (f"/t/{TOKEN}?utm=mail", "/t/<redacted>?utm=mail"),
        (f"/contact/confirm/{TOKEN}/", "/contact/confirm/<redacted>/"),
        (f"https://desk.example/t/{TOKEN}/", "https://desk.example/t/<redacted>/"),
    ],
    ids=["page", "action", "no-slash", "query", "confirmation", "full-url"],
)
def test_a_link_written_into_the_message_is_redacted(path, expected):
    _, message = _through_filter(f"opened {path} twice")

    assert message == f"opened {expected} twice"


def test_a_link_in_named_arguments_is_redacted():
    _, message = _through_filter("%(path)s by %(who)s", {"path": f"/t/{TOKEN}/", "who": 3})

    assert message == "/t/<redacted>/ by 3"


def test_a_link_inside_another_object_is_redacted():
    class Request:
        def __str__(self):
            return f"<WSGIRequest: GET '/t/{TOKEN}/'>"

    _, message = _through_filter("%s failed", (Request(),))

    assert message == "<WSGIRequest: GET '/t/<redacted>/'> failed"


@pytest.mark.parametrize(
    "path", ["/track/parcel/12/", "/admin/tickets/ticket/3/change/", "/api/v1/tickets/"]
)
def test_other_paths_are_left_alone(path):
    _, message = _through_filter("Not Found: %s", (path,))

    assert message == f"Not Found: {path}"


@pytest.mark.django_db
def test_a_request_for_a_dead_link_logs_no_token(client):
    # Given the filter on a handler of Django's request logger, as the settings put it on the
    # console handler
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(RedactTokenPaths())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    ticket = TicketFactory()
    token = token_for(ticket.reference)
    try:
        # When a dead link and a refused write are requested
        client.get("/t/not-a-live-token/")
        client.post(f"/t/{token}/reply/", {"body": ""})
    finally:
        logger.removeHandler(handler)

    # Then the lines say what happened without the tokens
    assert lines == ["Not Found: /t/<redacted>/", "Bad Request: /t/<redacted>/reply/"]
