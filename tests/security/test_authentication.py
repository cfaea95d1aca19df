"""Passwords, lockout (429 on every login path), idle sessions, logout, CSRF, API authentication and
throttling, the shared cache they count in, and the production settings passing `check --deploy`."""

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from eldercare.accounts.models import Role
from eldercare.accounts.tokens import token_issue
from eldercare.core.models import AuditEvent
from project.settings import base

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ADMIN_INDEX = "/admin/"
LOGIN = "/admin/login/"


def test_passwords_are_hashed_with_argon2_and_validated():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    names = {validator["NAME"].rsplit(".", 1)[1] for validator in base.AUTH_PASSWORD_VALIDATORS}
    assert {"MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"} <= names


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    from axes.models import AccessAttempt

    yield
    AccessAttempt.objects.all().delete()


def _log_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password, "next": ADMIN_INDEX})


def test_repeated_failed_logins_lock_the_account_even_with_the_right_password(world, axes_on):
    user = world.users[Role.DISTRICT_OFFICIAL]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(3):
        response = _log_in(client, user.username, "wrong-password")
    assert response.status_code == 429
    response = _log_in(client, user.username, PASSWORD)
    assert response.status_code == 429
    content = response.content.decode()
    assert "Too many failed logins" in content
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT, username=user.username).exists()


def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(world, axes_on):
    user = world.users[Role.DISTRICT_OFFICIAL]
    client = Client()
    for number in range(4):
        response = client.post(
            LOGIN,
            {"username": user.username, "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{number}",
        )
    assert response.status_code == 429


def test_a_good_login_before_the_limit_works_and_is_logged(world, axes_on):
    user = world.users[Role.DISTRICT_OFFICIAL]
    client = Client()
    _log_in(client, user.username, "wrong-password")
    response = _log_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    failed = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED, username=user.username)
    assert failed.ip_address == "127.0.0.1"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, user=user, ip_address="127.0.0.1").exists()


def test_a_session_ends_after_thirty_idle_minutes_but_not_while_in_use(world, settings, time_machine):
    settings.SESSION_COOKIE_AGE = base.SESSION_COOKIE_AGE
    assert base.SESSION_COOKIE_AGE == 30 * 60 and base.SESSION_SAVE_EVERY_REQUEST
    time_machine.move_to(timezone.now(), tick=False)
    client = world.client_for(Role.DISTRICT_OFFICIAL)
    start = timezone.now()
    for minutes in (20, 40, 60):  # a request every 20 minutes keeps the session alive
        time_machine.move_to(start + dt.timedelta(minutes=minutes), tick=False)
        assert client.get(ADMIN_INDEX).status_code == 200, minutes
    time_machine.move_to(start + dt.timedelta(minutes=60 + 31), tick=False)
    response = client.get(ADMIN_INDEX)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_logout_ends_the_session_on_the_server(world):
    user = world.users[Role.DISTRICT_OFFICIAL]
    client = world.client_for(Role.DISTRICT_OFFICIAL)
    session_key = client.session.session_key
    stolen = Client()
    stolen.cookies["sessionid"] = session_key
    assert stolen.get(ADMIN_INDEX).status_code == 200
    assert client.post(reverse("admin:logout")).status_code in (200, 302)
    assert not Session.objects.filter(session_key=session_key).exists()
    assert stolen.get(ADMIN_INDEX).status_code == 302  # the copied cookie is worth nothing now
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, user=user).exists()


def test_admin_forms_refuse_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[Role.PROVIDER_STAFF])
    recipient = world.own.recipient
    response = client.post(reverse("admin:recipients_recipient_change", args=[recipient.pk]), {"name": "改名"})
    assert response.status_code == 403
    recipient.refresh_from_db()
    assert recipient.name != "改名"


def test_the_login_form_refuses_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = _log_in(client, world.users[Role.DISTRICT_OFFICIAL].username, PASSWORD)
    assert response.status_code == 403


def test_session_authenticated_api_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[Role.PROVIDER_STAFF])
    recipient = world.own.recipient
    address = reverse("api:recipient-detail", kwargs={"pk": recipient.pk})
    assert client.get(address).status_code == 200  # reads need no token
    response = client.patch(address, data=json.dumps({"name": "改名"}), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.name != "改名"


def test_the_api_takes_a_token_and_refuses_anonymous_callers(world):
    user = world.users[Role.DISTRICT_OFFICIAL]
    _token, text = token_issue(user=user)
    address = reverse("api:recipient-list")
    assert Client().get(address).status_code == 401
    response = Client().get(address, HTTP_AUTHORIZATION=f"Token {text}")
    assert response.status_code == 200
    authentication = base.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert "eldercare.accounts.tokens.ExpiringTokenAuthentication" in authentication
    assert (
        "rest_framework.authentication.SessionAuthentication" in base.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    )


def test_the_api_throttles_a_user_and_an_anonymous_caller(world, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    assert set(base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]) == {
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    }
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "2/minute"})
    cache.clear()
    address = reverse("api:recipient-list")
    client = world.client_for(Role.DISTRICT_OFFICIAL)
    statuses = [client.get(address).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    cache.clear()


def test_the_token_endpoint_throttles_password_guessing(world, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "2/minute"})
    cache.clear()
    username = world.users[Role.DISTRICT_OFFICIAL].username
    statuses = [_token_login(Client(), username, "wrong").status_code for _ in range(3)]
    cache.clear()
    assert statuses == [400, 400, 429]


def _token_login(client, username, password, **headers):
    body = json.dumps({"username": username, "password": password})
    return client.post(reverse("api:token"), body, content_type="application/json", **headers)


def test_a_locked_account_gets_429_and_the_lockout_message_from_the_token_endpoint(world, axes_on):
    username = world.users[Role.DISTRICT_OFFICIAL].username
    wrong = [_token_login(Client(), username, "wrong").status_code for _ in range(3)]
    assert wrong == [400, 400, 429]  # the third failure reaches the limit: locked at once
    for language, words in (("en", "Too many failed logins"), ("zh-hans", "登录失败次数过多")):
        response = _token_login(Client(), username, PASSWORD, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 429, language
        assert response["Content-Type"] == "application/json"
        assert words in response.json()["detail"], language
        assert int(response["Retry-After"]) == 3600
        assert "token" not in response.json()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT, username=username).exists()


def test_the_admin_login_and_the_token_endpoint_share_one_lockout(world, axes_on):
    user = world.users[Role.DISTRICT_OFFICIAL]
    for _ in range(2):
        _log_in(Client(), user.username, "wrong-password")
    assert _token_login(Client(), user.username, "wrong").status_code == 429
    assert _log_in(Client(), user.username, PASSWORD).status_code == 429
    assert _token_login(Client(), user.username, PASSWORD).status_code == 429


def test_a_good_token_login_clears_earlier_failures(world, axes_on):
    username = world.users[Role.DISTRICT_OFFICIAL].username
    for _ in range(2):
        assert _token_login(Client(), username, "wrong").status_code == 400
    assert _token_login(Client(), username, PASSWORD).status_code == 200
    assert [_token_login(Client(), username, "wrong").status_code for _ in range(2)] == [400, 400]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, username=username).count() == 1


def test_the_token_endpoint_takes_json_only(world):
    username = world.users[Role.DISTRICT_OFFICIAL].username
    form = Client().post(reverse("api:token"), {"username": username, "password": PASSWORD})
    assert form.status_code == 415
    assert _token_login(Client(), username, PASSWORD).status_code == 200


def _settings_in_a_process(**env) -> dict:
    """CACHES and the lockout handler as base settings build them from this environment, in a fresh process."""
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'cache': settings.CACHES['default'], 'axes': settings.AXES_HANDLER}))"
    )
    result = _manage(
        "shell", "-c", script, drop=("REDIS_URL", "CACHE_URL"), DJANGO_SETTINGS_MODULE="project.settings.base", **env
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_logins_and_request_rates_count_in_redis_when_it_is_configured_and_in_this_process_otherwise():
    embedded = _settings_in_a_process()
    assert embedded["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert embedded["axes"] == "axes.handlers.database.AxesDatabaseHandler"  # a table every process sees
    redis = _settings_in_a_process(REDIS_URL="redis://redis.internal:6379/0")
    assert redis["cache"]["BACKEND"] == "eldercare.accounts.cache.FailOpenRedisCache"
    assert redis["cache"]["LOCATION"] == "redis://redis.internal:6379/0"
    assert redis["axes"] == "axes.handlers.cache.AxesCacheHandler"
    own = _settings_in_a_process(REDIS_URL="redis://redis.internal:6379/0", CACHE_URL="redis://cache.internal:6379/1")
    assert own["cache"]["LOCATION"] == "redis://cache.internal:6379/1"


def _manage(*args, drop=(), **env):
    environment = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "ALLOWED_HOSTS", *drop)}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check_without_a_warning():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="project.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="eldercare.example.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key_or_hosts():
    no_key = _manage("check", DJANGO_SETTINGS_MODULE="project.settings.production", ALLOWED_HOSTS="example.gov.cn")
    assert no_key.returncode != 0 and "SECRET_KEY" in no_key.stderr
    no_hosts = _manage(
        "check", DJANGO_SETTINGS_MODULE="project.settings.production", SECRET_KEY=secrets.token_urlsafe(64)
    )
    assert no_hosts.returncode != 0 and "ALLOWED_HOSTS" in no_hosts.stderr


# --- What the README says about personal numbers in the API ------------------------------------------


def _api_get(world, role, path):
    _token, text = token_issue(user=world.users[role])
    response = Client().get(path, HTTP_AUTHORIZATION=f"Token {text}")
    assert response.status_code == 200, (role, path)
    return response


@pytest.mark.parametrize("role", [Role.PROVIDER_STAFF, Role.DISTRICT_OFFICIAL, Role.AUDITOR, Role.NATIONAL_OFFICIAL])
def test_the_api_never_returns_a_resident_id_number_whole_not_even_to_the_own_provider(world, role):
    recipient = world.own.recipient
    body = _api_get(world, role, reverse("api:recipient-detail", kwargs={"pk": recipient.pk})).content.decode()
    assert recipient.resident_id not in body
    assert json.loads(body)["masked_resident_id"] == recipient.resident_id[:6] + "*" * 8 + recipient.resident_id[-4:]
    assert recipient.phone not in body and recipient.guardian_phone not in body


def test_the_api_returns_a_caregivers_phone_whole_only_to_their_provider(world, admin_user):
    caregiver = world.own.caregiver
    path = reverse("api:caregiver-detail", kwargs={"pk": caregiver.pk})
    assert _api_get(world, Role.PROVIDER_STAFF, path).json()["phone"] == caregiver.phone
    for role in (Role.DISTRICT_OFFICIAL, Role.AUDITOR, Role.NATIONAL_OFFICIAL, Role.CAREGIVER):
        assert _api_get(world, role, path).json()["phone"] == "137****1111", role
    _token, text = token_issue(user=admin_user)
    assert Client().get(path, HTTP_AUTHORIZATION=f"Token {text}").json()["phone"] == caregiver.phone
