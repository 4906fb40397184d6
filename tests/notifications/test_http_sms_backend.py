"""The HTTP SMS gateway backend against a real local HTTP server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from apps.notifications.sms import HttpSmsBackend, SmsGatewayError


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    answer = 202

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            {"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))}
        )
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _Gateway.received = []
    _Gateway.answer = 202
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms", _Gateway
    server.shutdown()
    server.server_close()


def test_a_message_is_posted_with_the_token_and_the_idempotency_key(gateway):
    url, handler = gateway

    HttpSmsBackend(url=url, token="gw-token").send(
        to="+821012345678", body="택배가 출발했습니다", idempotency_key="notification-7"
    )

    [request] = handler.received
    assert request["body"] == {"to": "+821012345678", "body": "택배가 출발했습니다"}
    assert request["headers"]["Idempotency-Key"] == "notification-7"
    assert request["headers"]["Authorization"] == "Bearer gw-token"


def test_a_gateway_error_raises_so_the_outbox_retries(gateway):
    url, handler = gateway
    handler.answer = 503

    with pytest.raises(SmsGatewayError, match="503"):
        HttpSmsBackend(url=url, token="").send(to="+8210", body="x", idempotency_key="k")


def test_an_unreachable_gateway_raises():
    with pytest.raises(SmsGatewayError, match="unreachable"):
        HttpSmsBackend(url="http://127.0.0.1:9/sms", timeout=1).send(
            to="+8210", body="x", idempotency_key="k"
        )


def test_a_missing_gateway_url_is_a_clear_error(settings):
    settings.SMS_GATEWAY_URL = ""

    with pytest.raises(SmsGatewayError, match="SMS_GATEWAY_URL"):
        HttpSmsBackend()
