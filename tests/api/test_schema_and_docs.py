"""The OpenAPI contract and its offline documentation pages."""

import pytest
from django.core.management import call_command


def test_the_schema_lists_every_resource(as_national):
    schema = as_national.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/v1/areas/{area_code}/",
        "/api/v1/recipients/{id}/",
        "/api/v1/assessments/",
        "/api/v1/providers/{id}/",
        "/api/v1/caregivers/{id}/",
        "/api/v1/beds/{id}/accept/",
        "/api/v1/visits/bulk/",
        "/api/v1/exceptions/{id}/resolve/",
        "/api/v1/progress/areas/{area_code}/",
        "/api/v1/progress/national/",
        "/api/v1/auth/token/",
    ):
        assert path in paths
    assert "tokenAuth" in schema["components"]["securitySchemes"]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_load_their_scripts_from_this_server(page, as_national, client, national_official):
    client.force_login(national_official)
    html = client.get(page).content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_the_schema_validates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi:")
