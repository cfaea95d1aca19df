"""The load test: gunicorn serving the app on loopback, a Celery worker on Redis, locust headless.

50 caregivers upload visits and 10 officials read dashboards for a bounded time; then the worker
drains its queue and `verify_rollups` must be clean. Redis is started on 127.0.0.1:6379 if nothing
answers there (as .ci/run does) and stopped again afterwards; without redis-server the recounts
the worker would do are run here, and the result says so.
"""

import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count
from django.utils import timezone

from bench.figures import Figure, unavailable
from eldercare.areas.models import PilotArea
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import Recipient
from eldercare.rollups import services as rollups
from eldercare.rollups.verification import verify_all
from eldercare.visits.models import ServiceItem, Visit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CAREGIVERS = 50
NATIONAL_OFFICIALS = 2
DISTRICT_OFFICIALS = 8
REDIS_DB_URL = "redis://127.0.0.1:6379/13"  # a database of its own: the tests use 15
P95_TARGET_MS = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.3)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_DB_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.ConnectionError:
        return False


@contextlib.contextmanager
def redis_server(log):
    """Yield whether Redis is available; start it (and stop it after) if it was not running."""
    if _redis_up():
        yield True
        return
    if not shutil.which("redis-server"):
        yield False
        return
    log("  starting redis-server on 127.0.0.1:6379")
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"]
        + ["--save", "", "--appendonly", "no"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(30):
        if _redis_up():
            break
        time.sleep(0.3)
    try:
        yield _redis_up()
    finally:
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], check=False)


def _session_for(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def prepare_profiles(context, path: Path) -> dict:
    """Tokens, sessions and recipients for the simulated users, written as JSON for the locustfile."""
    from eldercare.accounts.tokens import token_issue

    tokens = {}  # one API token a user, as one app keeps its token

    def token_for(user) -> str:
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user)[1]
        return tokens[user.pk]

    providers = list(
        Provider.objects.filter(offers_home_visits=True).annotate(n=Count("recipients")).order_by("-n", "pk")
    )
    caregivers = []
    for number in range(CAREGIVERS):
        provider = providers[number % len(providers)]
        user = context.user("caregiver", provider_credit_code=provider.credit_code)
        caregiver = Caregiver.objects.filter(provider=provider).order_by("pk")[number // len(providers)]
        area = PilotArea.objects.filter(providers=provider).order_by("pk").first()
        recipients = Recipient.objects.filter(provider=provider).order_by("pk")[:200]
        caregivers.append(
            {
                "token": token_for(user),
                "caregiver": caregiver.pk,
                "first_day": (area.cycle_start).isoformat(),
                "recipients": [
                    {"id": pk, "latitude": str(latitude), "longitude": str(longitude)}
                    for pk, latitude, longitude in recipients.values_list("pk", "home_latitude", "home_longitude")
                ],
            }
        )
    officials = []
    for _ in range(NATIONAL_OFFICIALS):
        user = context.user("national_official")
        officials.append({"session": _session_for(user), "url": "/dashboards/national/", "name": "national dashboard"})
    areas = list(PilotArea.objects.select_related("region").order_by("region__code")[:DISTRICT_OFFICIALS])
    for area in areas:
        user = context.user("district_official", area_code=area.region.code)
        officials.append(
            {"session": _session_for(user), "url": f"/dashboards/areas/{area.region.code}/", "name": "area dashboard"}
        )
    items = list(ServiceItem.objects.select_related("category").order_by("code").values_list("category__code", "code"))
    profiles = {"caregivers": caregivers, "officials": officials, "items": items}
    path.write_text(json.dumps(profiles, ensure_ascii=False), encoding="utf-8")
    return profiles


def _environment(database_url: str, broker: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="project.settings.base",
        CELERY_BROKER_URL=broker,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
    )
    return env


def _stop(process: subprocess.Popen | None, name: str, log) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        log(f"  {name} did not stop in 30 s; killing it")
        process.kill()
        process.wait()


def _read_stats(prefix: str) -> dict:
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": float(row["Median Response Time"] or 0),
                "p95_ms": float(row["95%"] or 0) if row.get("95%") not in (None, "N/A") else None,
                "requests_per_s": float(row["Requests/s"] or 0),
            }
    return rows


def _wait_for_worker(log, seconds: float = 300) -> bool:
    """Wait until the worker has taken every message and acknowledged it (acks_late)."""
    import redis

    client = redis.Redis.from_url(REDIS_DB_URL)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pending = client.llen("celery") + client.hlen("unacked")
        if not pending:
            return True
        time.sleep(1)
    log("  the worker did not drain its queue in time")
    return False


def run_load_test(context, *, seconds: int, database_url: str, log=print) -> dict:
    """Serve with gunicorn, run locust headless for `seconds`, drain the worker, verify the roll-ups."""
    if not shutil.which("locust", path=str(BIN)) or not shutil.which("gunicorn", path=str(BIN)):
        return {"figures": [unavailable("load_test", "Load test", "locust or gunicorn is not installed")]}
    work = Path(tempfile.mkdtemp(prefix="eldercare-load-"))
    started_at = timezone.now()
    server = worker = None
    with redis_server(log) as have_redis:
        broker = REDIS_DB_URL if have_redis else "memory://"
        env = _environment(database_url, broker)
        if have_redis:
            import redis

            redis.Redis.from_url(REDIS_DB_URL).flushdb()
        profiles = prepare_profiles(context, work / "profiles.json")
        env["BENCH_LOCUST_PROFILES"] = str(work / "profiles.json")
        port = _free_port()
        try:
            # Two workers with four threads each: the two cores are shared with PostgreSQL and locust.
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "project.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--log-level", "warning"],
                cwd=ROOT,
                env=env,
                stdout=open(work / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
                stderr=subprocess.STDOUT,
            )
            if have_redis:
                worker = subprocess.Popen(
                    [str(BIN / "celery"), "-A", "project", "worker", "--pool", "solo", "--loglevel", "warning"],
                    cwd=ROOT,
                    env=env,
                    stdout=open(work / "worker.log", "w"),  # noqa: SIM115
                    stderr=subprocess.STDOUT,
                )
            _wait_for_port(port)
            users = len(profiles["caregivers"]) + len(profiles["officials"])
            log(
                f"  locust: {len(profiles['caregivers'])} caregivers, "
                f"{len(profiles['officials'])} officials, {seconds} s"
            )
            subprocess.run(
                [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
                + ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}"]
                + ["--csv", str(work / "locust"), "--only-summary", "--loglevel", "WARNING"],
                cwd=ROOT,
                env=env,
                check=False,
                stdout=open(work / "locust.log", "w"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
            stats = _read_stats(str(work / "locust"))
            drained = _wait_for_worker(log) if have_redis else None
        finally:
            _stop(server, "gunicorn", log)
            _stop(worker, "celery worker", log)
    uploaded = Visit.objects.filter(created_at__gte=started_at)
    visits = uploaded.count()
    if not have_redis:  # what the worker would have done
        rollups.recount_recipients(uploaded.values_list("recipient_id", flat=True).distinct())
    differences = verify_all()
    total = stats.get("Aggregated", {})
    log(
        f"  {total.get('requests', 0):,} requests ({total.get('requests_per_s', 0):.1f}/s), {visits:,} visits, "
        f"{total.get('failures', 0)} failures, p95 {total.get('p95_ms')} ms; verify_rollups: "
        f"{'clean' if not differences else f'{len(differences)} differences'}"
    )
    result = {
        "seconds": seconds,
        "caregivers": len(profiles["caregivers"]),
        "officials": len(profiles["officials"]),
        "broker": "redis + celery worker" if have_redis else "none: recounted after the run",
        "worker_drained": drained,
        "visits_uploaded": visits,
        "stats": stats,
        "verify_rollups_differences": len(differences),
        "logs": str(work),
    }
    p95 = total.get("p95_ms")
    result["figures"] = [
        Figure(
            key="load_test",
            label=f"Load test p95 ({len(profiles['caregivers'])} caregivers + {len(profiles['officials'])} officials)",
            value=p95,
            unit="ms",
            target=f"p95 ≤ {P95_TARGET_MS} ms, 0 errors",
            met=p95 is not None and p95 <= P95_TARGET_MS and total.get("failures", 1) == 0,
            note=f"{total.get('failures', '?')} failures",
            detail={"requests_per_s": total.get("requests_per_s"), "visits_per_s": visits / seconds},
        ),
        Figure(
            key="load_test_throughput",
            label="Load test throughput",
            value=total.get("requests_per_s"),
            unit="req/s",
            detail={"visits_per_s": visits / seconds, "errors": total.get("failures")},
        ),
        Figure(
            key="load_test_verify",
            label="verify_rollups after the load test",
            value=float(len(differences)),
            unit="differences",
            target="clean",
            met=not differences,
        ),
    ]
    return result
