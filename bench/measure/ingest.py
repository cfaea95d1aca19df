"""Bulk API ingest over HTTP: POST /api/v1/visits/bulk/ against gunicorn, with token auth.

The busiest providers' staff upload evening visits of the week from the benchmark day (one per
recipient a day, about API_BATCH per provider), in batches of API_BATCH, from CLIENT_THREADS
connections at once (several providers' apps syncing together). Every request is authenticated
by its API token, validated item by item, and stores its visits with history rows, audit events
and recount-queue rows; the verification and recount follow in the worker, which is drained
afterwards (not timed).

Beside it, the same service (visits_bulk_ingest) called in process on the week before, and the
floor: the database inserting the same visits and history rows again by INSERT … SELECT.
"""

import datetime as dt
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.figures import Figure, median, stopwatch, unavailable
from bench.measure.context import BenchContext, drain_queue, queue_depth, url
from bench.measure.day import as_uploads, insert_floor_seconds, plan_days
from bench.measure.incremental import ingest_uploads

API_BATCH = 500
# Each provider sends up to a week of evening visits, so its requests are full batches where its
# caregivers' evenings allow (at small scales a provider has too few caregivers to fill one).
UPLOAD_DAYS = 7
CLIENT_THREADS = 4
TARGET_RATE = 3000
LABEL = "Bulk API ingest over HTTP (gunicorn, token auth, POST /api/v1/visits/bulk/)"


def _post_all(base: str, path: str, jobs: list[tuple[str, bytes]]) -> tuple[dict, list[int], list[str], float]:
    """Send every (token, body) job from CLIENT_THREADS keep-alive connections; answers and elapsed time."""
    import requests

    lanes = [jobs[lane::CLIENT_THREADS] for lane in range(CLIENT_THREADS)]

    def send(lane: list[tuple[str, bytes]]) -> list:
        answers = []
        with requests.Session() as session:
            for token, body in lane:
                response = session.post(
                    base + path,
                    data=body,
                    headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
                    timeout=300,
                )
                answers.append((response.status_code, response.content))
        return answers

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        answered = [answer for answers in pool.map(send, lanes) for answer in answers]
    elapsed = time.perf_counter() - started
    statuses: dict[str, int] = {}
    created: list[int] = []
    failures: list[str] = []
    for status_code, content in answered:
        if status_code != 200:
            failures.append(f"HTTP {status_code}: {content[:300]!r}")
            continue
        answer = json.loads(content)
        for result in answer["results"]:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
            if result["status"] == "created":
                created.append(result["id"])
    return statuses, created, failures, elapsed


def _over_http(context: BenchContext, uploads, path: str) -> dict:
    import os

    import requests

    from bench.serving import environment, gunicorn

    jobs = []
    for provider, items in uploads:
        token = context.token(context.provider_staff(provider))
        for start in range(0, len(items), API_BATCH):
            jobs.append((token, json.dumps({"visits": items[start : start + API_BATCH]}).encode()))
    # The served app enqueues its wake-up messages nowhere: the queue is drained here afterwards.
    env = environment(os.environ["DATABASE_URL"], "memory://")
    work = Path(tempfile.mkdtemp(prefix="eldercare-api-"))
    with gunicorn(env, work / "gunicorn.log", log=context.log) as (_process, base):
        warm_token = jobs[0][0]
        for _ in range(4):  # each worker thread opens its database connection before the clock starts
            requests.get(base + "/api/v1/", headers={"Authorization": f"Token {warm_token}"}, timeout=60)
        statuses, created, failures, elapsed = _post_all(base, path, jobs)
    return {
        "statuses": statuses,
        "created": created,
        "failures": failures,
        "seconds": elapsed,
        "requests": len(jobs),
        "log": str(work),
    }


def measure_api_ingest(context: BenchContext) -> list[Figure]:
    path = url("api:visit-bulk")
    if path is None:
        return [unavailable("api_ingest", LABEL, "the bulk endpoint api:visit-bulk is not there yet")]
    if queue_depth():
        drain_queue()
    count = max(1000, min(10000, context.size.day_visits))
    day = context.bench_day
    planned = plan_days(context, day, count=count, per_provider=API_BATCH, days=UPLOAD_DAYS, salt="api")
    http = _over_http(context, as_uploads(planned), path)
    visits = http["statuses"].get("created", 0)
    rate = visits / http["seconds"] if http["seconds"] else 0
    worker_runs, _ = stopwatch(drain_queue)
    insert_runs = [insert_floor_seconds(http["created"]) for _ in range(3)] if http["created"] else []
    floor_rate = visits / median(insert_runs) if insert_runs else None

    # The same service in process, the week before (other visits, the same recipients and caregivers).
    before = day - dt.timedelta(days=UPLOAD_DAYS)
    in_process = as_uploads(
        plan_days(context, before, count=count, per_provider=API_BATCH, days=UPLOAD_DAYS, salt="api-in-process")
    )
    for provider, _items in in_process:
        context.provider_staff(provider)
    local_runs, (local_statuses, _ids, local_failures) = stopwatch(
        lambda: ingest_uploads(context, in_process, batch=API_BATCH)
    )
    local_rate = local_statuses.get("created", 0) / local_runs[0] if local_runs[0] else 0
    drain_queue()
    context.log(
        f"  HTTP: {visits:,} of {len(planned):,} visits in {http['requests']} requests of ≤ {API_BATCH} from "
        f"{CLIENT_THREADS} connections in {http['seconds']:.2f} s = {rate:,.0f}/s; in process {local_rate:,.0f}/s; "
        f"floor (INSERT … SELECT) {floor_rate or 0:,.0f}/s; statuses {http['statuses']}"
    )
    failures = http["failures"] + local_failures
    return [
        Figure(
            key="api_ingest",
            label=LABEL,
            value=rate,
            unit="visits/s",
            floor=floor_rate,
            floor_label="INSERT … SELECT of the same visits and history rows",
            target=f"≥ {TARGET_RATE:,} visits/s",
            met=rate >= TARGET_RATE and not failures,
            note="; ".join(failures[:2])[:300],
            detail={
                "visits": visits,
                "planned": len(planned),
                "requests": http["requests"],
                "batch": API_BATCH,
                "connections": CLIENT_THREADS,
                "server": "gunicorn 2 workers × 4 threads (gthread)",
                "seconds": http["seconds"],
                "statuses": http["statuses"],
                "failures": failures[:5],
                "in_process_visits_per_s": local_rate,
                "in_process_seconds": local_runs[0],
                "in_process_statuses": local_statuses,
                "insert_floor_runs_s": insert_runs,
                "worker_after_s": worker_runs[0],
                "gunicorn_log": http["log"],
            },
        )
    ]
