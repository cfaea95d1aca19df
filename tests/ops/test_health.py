"""/health/: database, broker, recount queue, nightly reconcile and export disk; 200 or 503 naming the part."""

import datetime as dt
import socket

import pytest
from django.test import override_settings
from django.utils import timezone

import eldercare
from eldercare.core.models import RecountRequest
from eldercare.rollups.models import RollupRun
from tests.factories import RecipientFactory


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def finished_reconcile(hours_ago: float, differences: int | None = 0) -> RollupRun:
    finished = timezone.now() - dt.timedelta(hours=hours_ago)
    return RollupRun.objects.create(
        kind=RollupRun.Kind.RECONCILE,
        started_at=finished - dt.timedelta(minutes=20),
        finished_at=finished,
        areas=50,
        areas_done=50,
        differences=differences,
    )


def queued_recount(age_seconds: float) -> RecountRequest:
    entry = RecountRequest.objects.create(recipient_id=1, reason="test")
    RecountRequest.objects.filter(pk=entry.pk).update(enqueued_at=timezone.now() - dt.timedelta(seconds=age_seconds))
    return entry


@pytest.fixture
def embedded(settings):
    """The embedded default: SQLite (or the suite's database) and no broker, so Celery runs inline."""
    settings.CELERY_BROKER_URL = ""
    return settings


def test_it_is_healthy_in_the_embedded_default_and_says_the_broker_is_not_configured(client, db, embedded):
    finished_reconcile(hours_ago=3)

    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "healthy" and body["failing"] == [] and body["warnings"] == []
    assert body["version"] == eldercare.__version__
    checks = body["checks"]
    assert set(checks) == {
        "database",
        "database_replica",
        "broker",
        "recount_queue",
        "nightly_reconcile",
        "export_disk",
    }
    assert checks["database"]["status"] == "ok"
    assert checks["database_replica"]["status"] == "not_configured"
    assert checks["broker"]["status"] == "not_configured"
    assert checks["recount_queue"] == {
        **checks["recount_queue"],
        "status": "ok",
        "depth": 0,
        "oldest_age_seconds": None,
    }
    assert checks["nightly_reconcile"]["status"] == "ok" and checks["nightly_reconcile"]["age_seconds"] > 3 * 3600 - 60
    assert checks["export_disk"]["status"] == "ok" and checks["export_disk"]["free_mb"] > 0


def test_it_answers_503_naming_the_broker_when_the_broker_does_not_answer(client, db, settings):
    finished_reconcile(hours_ago=1)
    settings.CELERY_BROKER_URL = f"redis://:s3cret-password@127.0.0.1:{closed_port()}/0"

    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["status"] == "failing"
    assert body["checks"]["broker"]["duration_ms"] < 5000
    # The broker's address and password stay out of a public answer.
    assert "s3cret" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


def test_it_answers_503_naming_the_queue_when_its_oldest_entry_is_too_old(client, db, embedded):
    finished_reconcile(hours_ago=1)
    queued_recount(age_seconds=10)
    queued_recount(age_seconds=301)

    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["recount_queue"]
    queue = body["checks"]["recount_queue"]
    assert queue["status"] == "failing" and queue["depth"] == 2
    assert 300 < queue["oldest_age_seconds"] < 400 and queue["max_age_seconds"] == 300


def test_a_deep_but_young_queue_is_healthy(client, db, embedded):
    finished_reconcile(hours_ago=1)
    for _ in range(3):
        queued_recount(age_seconds=5)

    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["checks"]["recount_queue"]["depth"] == 3


def test_a_late_nightly_reconcile_is_a_warning_not_a_failure(client, db, embedded):
    finished_reconcile(hours_ago=27)

    response = client.get("/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["warnings"] == ["nightly_reconcile"]
    assert body["checks"]["nightly_reconcile"]["stale"] is True


def test_no_reconcile_yet_is_a_warning(client, db, embedded):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["warnings"] == ["nightly_reconcile"]


def test_differences_found_by_the_nightly_deep_sample_are_a_warning(client, db, embedded):
    finished_reconcile(hours_ago=2, differences=4)
    body = client.get("/health/").json()
    assert body["warnings"] == ["nightly_reconcile"]
    assert body["checks"]["nightly_reconcile"]["deep_sample_differences"] == 4


def test_it_answers_503_naming_the_export_disk_when_free_space_is_short(client, db, embedded):
    finished_reconcile(hours_ago=1)
    embedded.HEALTH_EXPORT_MIN_FREE_MB = 10**12

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["failing"] == ["export_disk"]


def test_a_failing_database_skips_the_checks_that_need_it(client, db, embedded):
    embedded.HEALTH_CHECKS = {**embedded.HEALTH_CHECKS, "database": "tests.ops.test_health.broken_database"}

    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database", "recount_queue", "nightly_reconcile"]
    assert body["checks"]["database"] == {**body["checks"]["database"], "error": "OperationalError"}
    assert "not checked" in body["checks"]["recount_queue"]["detail"]


def broken_database() -> dict:
    from django.db import OperationalError

    raise OperationalError('connection to server at "10.1.2.3", port 5432 failed: password authentication failed')


def test_the_answer_holds_no_personal_data(client, db, embedded):
    person = RecipientFactory()
    queued_recount(age_seconds=1)
    finished_reconcile(hours_ago=1)

    text = client.get("/health/").content.decode()

    for personal in (person.name, person.resident_id, person.address, str(person.home_latitude)):
        assert personal not in text


def test_it_needs_no_login_and_answers_a_probe_by_address_over_plain_http(client, db, embedded):
    """A load balancer probes http://10.0.0.5:8000/health/: no 400 for the Host, no 301 to HTTPS, no login."""
    finished_reconcile(hours_ago=1)
    with override_settings(ALLOWED_HOSTS=["eldercare.example.gov.cn"], SECURE_SSL_REDIRECT=True):
        response = client.get("/health/", HTTP_HOST="10.0.0.5:8000")
        live = client.get("/health/live/", HTTP_HOST="10.0.0.5:8000")
        other = client.get("/admin/", HTTP_HOST="10.0.0.5:8000")

    assert response.status_code == 200
    assert live.status_code == 200
    assert other.status_code == 400  # the rest of the site still checks the Host


def test_liveness_checks_the_database_alone(client, db, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    queued_recount(age_seconds=3600)

    response = client.get("/health/live/")

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database"}


def test_head_is_answered_and_writes_are_refused(client, db, embedded):
    assert client.head("/health/").status_code in (200, 503)
    assert client.post("/health/").status_code == 405


def test_a_broker_that_accepts_but_never_answers_fails_within_the_timeout(client, db, settings):
    """A hung broker (the port is open, nothing replies) must not hold the probe past the balancer's timeout."""
    settings.HEALTH_BROKER_TIMEOUT_SECONDS = 0.5
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever reads or writes
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = timezone.now()
        response = client.get("/health/")
        elapsed = (timezone.now() - started).total_seconds()

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert elapsed < 3


@pytest.mark.services
def test_a_running_redis_broker_is_ok(client, db, settings):
    from tests.services import redis_is_up, redis_url, require

    url = redis_url()
    require(redis_is_up(url), "needs Redis: set REDIS_URL=redis://… to a running server")
    settings.CELERY_BROKER_URL = url
    finished_reconcile(hours_ago=1)

    response = client.get("/health/")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"]["status"] == "ok"
    assert response.json()["checks"]["broker"]["transport"] == "redis"
