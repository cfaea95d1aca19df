"""/health/: is this deployment working? JSON, for monitoring and load balancers, without signing in.

Each check answers a status:

- `ok`;
- `not_configured`: the part is not used in this set-up (no broker: Celery runs tasks inline);
- `warning`: worth a look, but nothing a user sees is wrong (the nightly reconcile is late);
- `failing`: a user or a figure is affected now.

The answer is 200 unless a check is failing, then 503 with the failing parts named in `failing`.
The body holds statuses, counts, ages and sizes only: no personal data, no host names, addresses
or passwords (an error is named by its type; the full error goes to the log, with the request id).

The checks are listed in `settings.HEALTH_CHECKS` (name -> dotted path of a function returning a
dict with `status`), so the check of the nightly reconcile lives with the roll-ups
(`eldercare.rollups.health`) and `core` imports no domain app.

`/health/live/` checks the database alone: point a load balancer that takes nodes out of rotation
there, so a problem of the whole system (a stale queue) does not take out every web node at once;
point monitoring at `/health/`. Both are answered by `HealthCheckMiddleware` before host and HTTPS
checks, so a probe over plain HTTP with the node's address as Host gets an answer, not a redirect.
"""

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.utils.connection import ConnectionDoesNotExist
from django.utils.module_loading import import_string

import eldercare

from .selectors import recount_queue_status

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not_configured"
WARNING = "warning"
FAILING = "failing"

# The read replica's database alias (project.db_routers), present only when DATABASE_REPLICA_URL is set.
REPLICA_ALIAS = "replica"

HEALTH_PATH = "/health/"
LIVENESS_PATH = "/health/live/"

# An attribute marking the checks that query the database: they are skipped when it is down.
NEEDS_DATABASE = "health_needs_database"


def needs_database(check: Callable) -> Callable:
    setattr(check, NEEDS_DATABASE, True)
    return check


# --- The checks ------------------------------------------------------------------------------------


def check_database() -> dict:
    """One round trip to the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK, "vendor": connection.vendor}


def check_database_replica() -> dict:
    """The read replica of dashboards and exports (DATABASE_REPLICA_URL), if any: reachable, and how far behind.

    Failing when it does not answer (dashboards and exports read from it); a warning when it replays
    more than HEALTH_REPLICA_MAX_LAG_SECONDS behind the primary (their figures are that old).
    """
    try:
        replica = connections[REPLICA_ALIAS]
    except ConnectionDoesNotExist:
        return {"status": NOT_CONFIGURED}
    with replica.cursor() as cursor:
        if replica.vendor == "postgresql":
            # Caught up (everything received is replayed) means no lag, however long ago the last write was.
            cursor.execute(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
            )
        else:
            cursor.execute("SELECT NULL")
        lag = cursor.fetchone()[0]
    limit = settings.HEALTH_REPLICA_MAX_LAG_SECONDS
    lag = float(lag) if lag is not None else None
    return {
        "status": WARNING if lag is not None and lag > limit else OK,
        "lag_seconds": round(lag, 1) if lag is not None else None,
        "max_lag_seconds": limit,
    }


def check_broker() -> dict:
    """Connect to the Celery broker (a Redis PING), giving up after HEALTH_BROKER_TIMEOUT_SECONDS.

    Without a broker URL Celery runs every task inline (the embedded SQLite set-up): not configured, fine.
    """
    url = settings.CELERY_BROKER_URL
    if not url:
        return {"status": NOT_CONFIGURED, "detail": "no broker: tasks run inline"}
    from kombu import Connection

    timeout = settings.HEALTH_BROKER_TIMEOUT_SECONDS
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "socket_connect_timeout": timeout, "socket_timeout": timeout}
    with Connection(url, connect_timeout=timeout, transport_options=options) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout)
        transport = broker.transport.driver_name
    return {"status": OK, "transport": transport}


@needs_database
def check_recount_queue() -> dict:
    """The durable recount queue: failing when its oldest entry waited longer than the threshold.

    Depth alone is no failure (a bulk upload queues thousands at once); age is: work older than
    HEALTH_RECOUNT_QUEUE_MAX_AGE_SECONDS means no worker or no beat has drained it for ten ticks.
    """
    queue = recount_queue_status()
    age = queue.oldest_age_seconds
    limit = settings.HEALTH_RECOUNT_QUEUE_MAX_AGE_SECONDS
    return {
        "status": FAILING if age is not None and age > limit else OK,
        "depth": queue.depth,
        "oldest_age_seconds": round(age, 1) if age is not None else None,
        "max_age_seconds": limit,
    }


def check_export_disk() -> dict:
    """Free space where exports are written (EXPORT_ROOT, or its nearest existing parent) and that we may write."""
    folder = Path(settings.EXPORT_ROOT)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    usage = shutil.disk_usage(folder)
    writable = os.access(folder, os.W_OK)
    minimum = settings.HEALTH_EXPORT_MIN_FREE_MB
    free_mb = usage.free // 2**20
    return {
        "status": FAILING if free_mb < minimum or not writable else OK,
        "free_mb": free_mb,
        "total_mb": usage.total // 2**20,
        "free_percent": round(100 * usage.free / usage.total, 1) if usage.total else None,
        "min_free_mb": minimum,
        "writable": writable,
    }


# --- Running them ----------------------------------------------------------------------------------


def run_checks(names: list[str] | None = None) -> dict:
    """Run the configured checks (or the named ones) and say what is failing; never raises."""
    configured = settings.HEALTH_CHECKS
    results: dict[str, dict] = {}
    for name, path in configured.items():
        if names is not None and name not in names:
            continue
        check = import_string(path)
        if getattr(check, NEEDS_DATABASE, False) and results.get("database", {}).get("status") == FAILING:
            results[name] = {"status": FAILING, "detail": "not checked: the database is failing"}
            continue
        started = time.perf_counter()
        try:
            result = dict(check())
        except Exception as error:  # a check that breaks is a failing part, not a 500
            logger.warning("Health check %s failed", name, exc_info=True)
            result = {"status": FAILING, "error": type(error).__name__}
        result["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    failing = [name for name, result in results.items() if result["status"] == FAILING]
    warnings = [name for name, result in results.items() if result["status"] == WARNING]
    if failing:
        overall = "unhealthy"
    elif warnings:
        overall = "degraded"
    else:
        overall = "healthy"
    return {
        "status": overall,
        "failing": failing,
        "warnings": warnings,
        "version": eldercare.__version__,
        "checks": results,
    }


def _answer(request: HttpRequest, names: list[str] | None) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    report = run_checks(names)
    response = JsonResponse(report, status=503 if report["failing"] else 200, json_dumps_params={"indent": 2})
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def health(request: HttpRequest) -> JsonResponse:
    """Every check: 200 (healthy or degraded) or 503 naming what fails."""
    return _answer(request, None)


def liveness(request: HttpRequest) -> JsonResponse:
    """The database alone: for a load balancer deciding whether to send this node requests."""
    return _answer(request, ["database"])


class HealthCheckMiddleware:
    """Answer /health/ and /health/live/ before host validation, HTTPS redirects, sessions and login.

    A load balancer probes each node by its address over plain HTTP; ALLOWED_HOSTS and
    SECURE_SSL_REDIRECT would answer it 400 or 301. Nothing in the answer depends on the Host.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path == HEALTH_PATH:
            return health(request)
        if request.path == LIVENESS_PATH:
            return liveness(request)
        return self.get_response(request)
