"""The load test: gunicorn serving the app on loopback, a Celery worker on Redis, locust headless.

50 caregivers upload visits and 10 officials read dashboards for a bounded time; then the worker
drains its queue and `verify_rollups` must be clean. Redis is started on 127.0.0.1:6379 if nothing
answers there (as .ci/run does) and stopped again afterwards; without redis-server the recounts
the worker would do are run here, and the result says so.
"""

import contextlib
import csv
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from bench.figures import Figure, unavailable
from bench.measure.context import drain_queue, home_providers_busiest_first, latest_areas, queue_depth
from bench.serving import BIN, ROOT, environment, start_gunicorn, stop, wait_for_port
from eldercare.providers.models import Caregiver
from eldercare.recipients.models import Recipient
from eldercare.rollups.verification import verify_all
from eldercare.visits.models import ServiceItem, Visit

CAREGIVERS = 50
NATIONAL_OFFICIALS = 2
DISTRICT_OFFICIALS = 8
REDIS_DB_URL = "redis://127.0.0.1:6379/13"  # a database of its own: the tests use 15
P95_TARGET_MS = 300
LAG_TARGET_SECONDS = 15
LAG_POLL_SECONDS = 0.2


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

    providers = list(home_providers_busiest_first())
    caregivers = []
    for number in range(CAREGIVERS):
        provider = providers[number % len(providers)]
        user = context.user("caregiver", provider_credit_code=provider.credit_code)
        caregiver = Caregiver.objects.filter(provider=provider).order_by("pk")[number // len(providers)]
        area = latest_areas().filter(providers=provider).order_by("pk").first()
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
    areas = list(latest_areas().select_related("region").order_by("region__code")[:DISTRICT_OFFICIALS])
    for area in areas:
        user = context.user("district_official", area_code=area.region.code)
        officials.append(
            {"session": _session_for(user), "url": f"/dashboards/areas/{area.region.code}/", "name": "area dashboard"}
        )
    items = list(ServiceItem.objects.select_related("category").order_by("code").values_list("category__code", "code"))
    profiles = {"caregivers": caregivers, "officials": officials, "items": items}
    path.write_text(json.dumps(profiles, ensure_ascii=False), encoding="utf-8")
    return profiles


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


def _wait_until_fresh(seconds: float) -> float | None:
    """Seconds until the durable recount queue is empty (every write's recount committed), or None."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if not queue_depth():
            return time.monotonic() - started
        time.sleep(LAG_POLL_SECONDS)
    return None


def _run_locust(env: dict, work: Path, *, users: int, seconds: int, port: int) -> None:
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


def run_load_test(context, *, seconds: int, database_url: str, log=print) -> dict:
    """Serve with gunicorn, run locust headless for `seconds`, time the roll-ups' catching up, verify them.

    `rollup_lag_after_load`: from locust's stop until the recount queue is empty, every upload's
    verification and recount committed by the worker. gunicorn is stopped first (it finishes the
    requests in flight, whose queue rows count too). verify_rollups then proves the figures equal
    a recount; without Redis there is no worker and the queue is drained here, which the figure says.
    """
    if not shutil.which("locust", path=str(BIN)) or not shutil.which("gunicorn", path=str(BIN)):
        return {"figures": [unavailable("load_test", "Load test", "locust or gunicorn is not installed")]}
    work = Path(tempfile.mkdtemp(prefix="eldercare-load-"))
    started_at = timezone.now()
    server = worker = None
    lag = drained = server_stop = None
    if queue_depth():
        drain_queue()  # the lag is the load test's own
    with redis_server(log) as have_redis:
        broker = REDIS_DB_URL if have_redis else "memory://"
        env = environment(database_url, broker)
        if have_redis:
            import redis

            redis.Redis.from_url(REDIS_DB_URL).flushdb()
        profiles = prepare_profiles(context, work / "profiles.json")
        env["BENCH_LOCUST_PROFILES"] = str(work / "profiles.json")
        try:
            server, port = start_gunicorn(env, work / "gunicorn.log")
            if have_redis:
                worker = subprocess.Popen(
                    [str(BIN / "celery"), "-A", "project", "worker", "--pool", "solo", "--loglevel", "warning"],
                    cwd=ROOT,
                    env=env,
                    stdout=open(work / "worker.log", "w"),  # noqa: SIM115
                    stderr=subprocess.STDOUT,
                )
            wait_for_port(port)
            users = len(profiles["caregivers"]) + len(profiles["officials"])
            log(
                f"  locust: {len(profiles['caregivers'])} caregivers, "
                f"{len(profiles['officials'])} officials, {seconds} s"
            )
            _run_locust(env, work, users=users, seconds=seconds, port=port)
            stopped = time.monotonic()
            stop(server, "gunicorn", log)
            server_stop = time.monotonic() - stopped  # the requests in flight at the stop, finished
            queued_at_stop = queue_depth()
            if have_redis:
                waited = _wait_until_fresh(300)
                lag = None if waited is None else time.monotonic() - stopped
                drained = _wait_for_worker(log)
            else:  # no worker: what it would have done, here
                drain_queue()
                lag = time.monotonic() - stopped
            stats = _read_stats(str(work / "locust"))
        finally:
            stop(server, "gunicorn", log)
            stop(worker, "celery worker", log)
    visits = Visit.objects.filter(created_at__gte=started_at).count()
    differences = verify_all()
    total = stats.get("Aggregated", {})
    log(
        f"  {total.get('requests', 0):,} requests ({total.get('requests_per_s', 0):.1f}/s), {visits:,} visits, "
        f"{total.get('failures', 0)} failures, p95 {total.get('p95_ms')} ms; {queued_at_stop:,} queue rows at the "
        f"stop, fresh after {lag if lag is None else round(lag, 2)} s; verify_rollups: "
        f"{'clean' if not differences else f'{len(differences)} differences'}"
    )
    result = {
        "seconds": seconds,
        "caregivers": len(profiles["caregivers"]),
        "officials": len(profiles["officials"]),
        "broker": "redis + celery worker" if have_redis else "none: drained here after the run",
        "worker_drained": drained,
        "visits_uploaded": visits,
        "queue_rows_at_stop": queued_at_stop,
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
            key="rollup_lag_after_load",
            label="Roll-up lag after the load test (locust stops → every figure equals a recount)",
            value=lag,
            unit="s",
            target=f"≤ {LAG_TARGET_SECONDS} s",
            met=lag is not None and lag <= LAG_TARGET_SECONDS and not differences,
            note=(
                ("" if have_redis else "no Redis: no worker, the queue drained in this process; ")
                + ("" if lag is not None else "the queue was not empty after 300 s; ")
                + (f"verify_rollups: {len(differences)} differences" if differences else "")
            ),
            detail={
                "server_stop_s": server_stop,
                "queue_rows_at_stop": queued_at_stop,
                "verify_rollups_differences": len(differences),
                "first_differences": [str(d) for d in differences[:10]],
                "worker": result["broker"],
            },
        ),
    ]
    return result
