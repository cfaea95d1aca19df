"""One version number, in pyproject.toml, shown by the API schema, the admin footer and /health/."""

import tomllib
from pathlib import Path

from django.contrib.auth import get_user_model

import eldercare

ROOT = Path(__file__).resolve().parent.parent.parent


def pyproject_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def test_the_package_version_is_the_one_in_pyproject():
    assert eldercare.__version__ == pyproject_version()
    assert eldercare.__version__ != "0+unknown"


def test_the_api_schema_shows_the_version(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.invalid", "a-long-password-1")
    client.force_login(user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["info"]["version"] == pyproject_version()


def test_the_admin_footer_shows_the_version(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.invalid", "a-long-password-1")
    client.force_login(user)
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    footer = html[html.index('<footer id="footer">') :]
    assert f"eldercare version {pyproject_version()}" in footer


def test_the_admin_login_page_keeps_the_site_header_and_shows_the_version(client, db):
    html = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "Home and Community Basic Elderly Care Service Improvement Action" in html
    assert pyproject_version() in html
