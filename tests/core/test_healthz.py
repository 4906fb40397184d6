"""/healthz tells a load balancer whether this process can serve: database and task broker."""

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


class _BrokenBroker:
    def queue_size(self):
        raise ConnectionError("broker unreachable")

    def ping(self):
        return True


def _refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("database is gone")


def test_healthz_answers_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": True, "broker": True}}


def test_healthz_answers_503_when_the_database_fails(client):
    with connection.execute_wrapper(_refuse_every_query):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] is False


def test_healthz_answers_503_when_the_broker_fails(client, monkeypatch):
    monkeypatch.setattr("django_q.brokers.get_broker", lambda *args, **kwargs: _BrokenBroker())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": True, "broker": False},
    }


def test_healthz_refuses_post(client):
    response = client.post("/healthz")

    assert response.status_code == 405
