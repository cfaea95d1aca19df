"""API tokens: stored as digests, expiring when idle and at a fixed latest time, revoked by their user or
an administrator with an audit event each time, refused when malformed (never a 500); and the request
rates and login failures counted in a Redis every process shares."""

import datetime as dt
import json
import logging
import secrets

import pytest
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from eldercare.accounts.models import ApiToken, Role
from eldercare.accounts.tokens import token_issue
from eldercare.core.models import AuditEvent
from tests.services import redis_is_up, redis_url, require

from .conftest import PASSWORD

REVOKED = AuditEvent.Action.TOKEN_REVOKED
RECIPIENTS = "/api/v1/recipients/"
NO_BODY = {"content_type": "application/json"}  # the test client sends "{}", an app sends nothing


@pytest.fixture
def official(world):
    return world.users[Role.DISTRICT_OFFICIAL]


def login(client: Client, username: str, password: str = PASSWORD, **headers):
    body = json.dumps({"username": username, "password": password})
    return client.post(reverse("api:token"), body, content_type="application/json", **headers)


def get(path: str, token: str, **headers):
    return Client().get(path, HTTP_AUTHORIZATION=f"Token {token}", **headers)


def test_a_login_gives_a_token_stored_only_as_its_digest_with_both_expiry_times(official, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    now = timezone.now()
    response = login(Client(), official.username)
    assert response.status_code == 200
    body = response.json()
    token = body["token"]
    assert len(token) == 64
    assert dt.datetime.fromisoformat(body["expiry"]) == now + dt.timedelta(hours=12)
    assert dt.datetime.fromisoformat(body["max_expiry"]) == now + dt.timedelta(days=7)
    stored = ApiToken.objects.get(user=official)
    assert token not in {stored.digest, stored.token_key} and len(stored.digest) == 128
    assert get(RECIPIENTS, token).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, user=official).exists()


def test_a_token_expires_after_the_idle_period_and_says_so(official, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    start = timezone.now()
    _token, text = token_issue(user=official)
    time_machine.move_to(start + dt.timedelta(hours=11, minutes=59), tick=False)
    assert get(RECIPIENTS, text).status_code == 200  # used: the idle clock starts again
    time_machine.move_to(start + dt.timedelta(hours=23, minutes=58), tick=False)
    assert get(RECIPIENTS, text).status_code == 200
    time_machine.move_to(start + dt.timedelta(hours=36), tick=False)
    response = get(RECIPIENTS, text, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["detail"] == "The token has expired: log in again for a new one."
    assert response["WWW-Authenticate"] == "Token"
    assert not ApiToken.objects.filter(user=official).exists()
    assert get(RECIPIENTS, text).json()["detail"] == "令牌无效。"  # gone for good


def test_a_token_in_daily_use_still_expires_at_its_latest_time(official, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    start = timezone.now()
    _token, text = token_issue(user=official)
    for hours in range(10, 7 * 24, 10):
        time_machine.move_to(start + dt.timedelta(hours=hours), tick=False)
        assert get(RECIPIENTS, text).status_code == 200, hours
    stored = ApiToken.objects.get(user=official)
    assert stored.expiry == start + dt.timedelta(days=7)  # moved on, never past the latest time
    time_machine.move_to(start + dt.timedelta(days=7, seconds=1), tick=False)
    assert get(RECIPIENTS, text).status_code == 401


def test_the_idle_expiry_is_written_at_most_once_a_minute(official, time_machine, django_assert_num_queries):
    time_machine.move_to(timezone.now(), tick=False)
    _token, text = token_issue(user=official)
    before = ApiToken.objects.get(user=official).expiry
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=30), tick=False)
    assert get(RECIPIENTS, text).status_code == 200
    assert ApiToken.objects.get(user=official).expiry == before
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=61), tick=False)
    assert get(RECIPIENTS, text).status_code == 200
    assert ApiToken.objects.get(user=official).expiry > before


def test_the_lifetimes_are_settings(official, settings, time_machine):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(minutes=5)}
    time_machine.move_to(timezone.now(), tick=False)
    _token, text = token_issue(user=official)
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=6), tick=False)
    assert get(RECIPIENTS, text).status_code == 401


def test_a_user_revokes_the_token_in_use_and_the_audit_log_says_so(official):
    first, kept = token_issue(user=official)[1], token_issue(user=official)[1]
    response = Client().post(
        reverse("api:token-revoke"), HTTP_AUTHORIZATION=f"Token {first}", REMOTE_ADDR="192.0.2.44", **NO_BODY
    )
    assert response.status_code == 204
    assert get(RECIPIENTS, first).status_code == 401
    assert get(RECIPIENTS, kept).status_code == 200  # the user's other devices stay signed in
    event = AuditEvent.objects.get(action=REVOKED)
    assert (event.user, event.object_type, event.object_id) == (official, "auth.user", str(official.pk))
    assert event.ip_address == "192.0.2.44" and event.reason == "由令牌持有人吊销。"
    assert event.details["count"] == 1 and len(event.details["tokens"][0]) == 12


def test_revoke_all_ends_every_token_of_the_user_from_a_token_or_a_browser_session(official, world):
    tokens = [token_issue(user=official)[1] for _ in range(3)]
    other = token_issue(user=world.users[Role.AUDITOR])[1]
    revoke_all = reverse("api:token-revoke-all")
    assert Client().post(revoke_all, HTTP_AUTHORIZATION=f"Token {tokens[0]}", **NO_BODY).status_code == 204
    assert all(get(RECIPIENTS, token).status_code == 401 for token in tokens)
    assert get(RECIPIENTS, other).status_code == 200
    event = AuditEvent.objects.get(action=REVOKED)
    assert event.details["count"] == 3

    lost_phone = token_issue(user=official)[1]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(official)
    assert browser.post(revoke_all, **NO_BODY).status_code == 403  # no CSRF token
    browser.get("/admin/")
    csrf = browser.cookies["csrftoken"].value
    assert browser.post(revoke_all, HTTP_X_CSRFTOKEN=csrf, **NO_BODY).status_code == 204
    assert get(RECIPIENTS, lost_phone).status_code == 401


def test_revoking_this_token_needs_the_token(official):
    browser = Client()
    browser.force_login(official)
    assert browser.post(reverse("api:token-revoke"), **NO_BODY).status_code == 401
    assert Client().post(reverse("api:token-revoke"), **NO_BODY).status_code == 401


def test_a_revocation_refuses_a_key_it_does_not_take_and_revokes_nothing(official):
    _token, text = token_issue(user=official)
    response = Client().post(
        reverse("api:token-revoke-all"),
        json.dumps({"user": 1}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {text}",
    )
    assert response.status_code == 400 and "user" in response.json()
    assert get(RECIPIENTS, text).status_code == 200


def test_an_administrator_revokes_tokens_in_the_admin_and_the_audit_log_says_who(official, admin_client, admin_user):
    token, text = token_issue(user=official)
    changelist = admin_client.get(reverse("admin:accounts_apitoken_changelist"))
    assert changelist.status_code == 200
    content = changelist.content.decode()
    assert official.username in content and text not in content and token.digest[:12] in content
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403  # tokens come from logins
    delete = reverse("admin:accounts_apitoken_delete", args=[token.pk])
    assert admin_client.post(delete, {"post": "yes"}, REMOTE_ADDR="198.51.100.7").status_code == 302
    assert get(RECIPIENTS, text).status_code == 401
    event = AuditEvent.objects.get(action=REVOKED)
    assert (event.user, event.object_id, event.ip_address) == (admin_user, str(official.pk), "198.51.100.7")
    assert event.reason == "由系统管理员吊销。"

    tokens = [token_issue(user=official)[0] for _ in range(2)]
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": [t.pk for t in tokens], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=official).exists()
    assert AuditEvent.objects.filter(action=REVOKED).latest("id").details["count"] == 2


@pytest.mark.parametrize("role", [Role.NATIONAL_OFFICIAL, Role.DISTRICT_OFFICIAL, Role.AUDITOR, Role.PROVIDER_STAFF])
def test_only_administrators_see_the_tokens_in_the_admin(world, role):
    token, _text = token_issue(user=world.users[role])
    client = world.client_for(role)
    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).status_code in (403, 404)
    assert client.post(reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"}).status_code in (
        403,
        404,
    )
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_user_holds_at_most_the_limit_and_a_new_token_revokes_the_oldest(official, settings, time_machine):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 3}
    time_machine.move_to(timezone.now(), tick=False)
    texts = []
    for minute in range(4):
        time_machine.move_to(timezone.now() + dt.timedelta(minutes=1), tick=False)
        texts.append(login(Client(), official.username).json()["token"])
        assert ApiToken.objects.filter(user=official).count() == min(minute + 1, 3)
    assert get(RECIPIENTS, texts[0]).status_code == 401
    assert all(get(RECIPIENTS, text).status_code == 200 for text in texts[1:])
    event = AuditEvent.objects.get(action=REVOKED)
    assert "3" in event.reason and event.user == official


def test_a_deactivated_users_tokens_stop_working(official):
    _token, text = token_issue(user=official)
    official.is_active = False
    official.save(update_fields=["is_active"])
    assert get(RECIPIENTS, text).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Token " + "0" * 64,  # well formed, unknown
        "Token " + "g" * 64,  # not hexadecimal
        "Token " + "a" * 63,
        "Token " + "a" * 65,
        "Token " + "a" * 10_000,
        "Token abc\x00def",
        "Token \x7f\x01",
        "Token " + "é" * 64,
        "Token ÿÿÿÿ",
        "Token a b",
        "Token",
        "token " + "A" * 64,
    ],
)
def test_a_malformed_or_unknown_token_is_a_401_never_a_500(official, header):
    response = Client().get(RECIPIENTS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_another_scheme_in_the_header_is_not_a_token(official):
    assert Client().get(RECIPIENTS, HTTP_AUTHORIZATION="Bearer " + "a" * 64).status_code == 401


# --- The shared cache ---------------------------------------------------------------------------


@pytest.fixture
def shared_redis_cache(settings):
    """The default cache in Redis (REDIS_URL) under a key prefix of this test's own, as production has it."""
    url = redis_url()
    require(redis_is_up(url), "needs Redis: set REDIS_URL=redis://… to a running server")
    prefix = f"eldercare-test-{secrets.token_hex(4)}"
    settings.CACHES = {
        "default": {
            "BACKEND": "eldercare.accounts.cache.FailOpenRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    import redis

    server = redis.Redis.from_url(url)
    yield server, prefix
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


def _as_another_process():
    """Forget this process's connections to the cache, as a second gunicorn worker has its own."""
    from asgiref.local import Local

    caches["default"].close()
    caches._connections = Local(caches.thread_critical)  # new cache objects, new connections


def test_request_rates_are_counted_in_redis_across_processes(official, shared_redis_cache, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    server, prefix = shared_redis_cache
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "100/minute"})
    _token, text = token_issue(user=official)
    statuses = [get(RECIPIENTS, text).status_code for _ in range(2)]
    _as_another_process()
    statuses += [get(RECIPIENTS, text).status_code for _ in range(2)]
    assert statuses == [200, 200, 200, 429]
    assert list(server.scan_iter(f"{prefix}:*throttle_user_{official.pk}"))


def test_login_failures_are_counted_in_redis_across_processes(official, shared_redis_cache, settings):
    server, prefix = shared_redis_cache
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    assert login(Client(), official.username, "wrong").status_code == 400
    assert login(Client(), official.username, "wrong").status_code == 400
    _as_another_process()
    assert login(Client(), official.username, "wrong").status_code == 429
    assert login(Client(), official.username).status_code == 429
    assert list(server.scan_iter(f"{prefix}:*"))


def test_when_redis_does_not_answer_requests_still_work_and_the_log_says_why(official, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "eldercare.accounts.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    settings.AXES_ENABLED = True
    _token, text = token_issue(user=official)
    with caplog.at_level(logging.ERROR, logger="eldercare.cache"):
        assert get(RECIPIENTS, text).status_code == 200
        assert login(Client(), official.username, "wrong").status_code == 400
        assert login(Client(), official.username).status_code == 200
    assert "cache unreachable" in caplog.text
    cache.close()
