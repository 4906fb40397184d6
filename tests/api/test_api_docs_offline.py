"""/api/docs/ works without internet: Swagger UI's files come from our own origin."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_swagger_ui_is_served_from_our_origin(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert not source.startswith(("http://", "https://", "//")), source
        assert "@latest" not in source and "cdn" not in source.lower()
    scripts = [source for source in sources if source.endswith(".js")]
    assert any("swagger-ui-bundle" in source for source in scripts)
    for source in scripts + [s for s in sources if s.endswith(".css")]:
        # Each one is a file we ship (drf-spectacular-sidecar), found by staticfiles.
        path = source.split("?")[0].removeprefix("/static/")
        assert finders.find(path), source


def test_the_schema_it_reads_is_ours(client):
    html = client.get("/api/docs/").content.decode()

    assert "/api/schema/" in html
    assert client.get("/api/schema/").status_code == 200
