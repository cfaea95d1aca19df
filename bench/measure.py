"""The measurements of `make bench`, each next to its floor measured in the same run on the same data.

Every measurement is one function `measure_<thing>(context) -> list[Figure]` listed in
MEASUREMENTS; one that needs a feature not built yet answers a Figure without a value saying so,
and starts measuring by itself once the feature lands.
"""

import datetime as dt
import importlib.util
import random
import time
import tracemalloc
import uuid
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench.figures import Figure, QueryProfile, median, percentile, stopwatch, unavailable
from bench.generate import SLOTS, VISIT_COLUMNS, VISIT_DATETIMES, WorldSize, _Clock
from bench.import_bombs import measure_import_bombs
from bench.loading import RowWriter, next_ids, reset_sequences
from eldercare.areas.models import PilotArea
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import Recipient
from eldercare.rollups import services as rollups
from eldercare.rollups.verification import verify_all
from eldercare.visits.models import Satisfaction, ServiceCategory, Visit, VisitStatus
from eldercare.visits.verification import verify_visits

GROUP_BY_FLOOR = (
    "SELECT recipient_id, COUNT(DISTINCT service_date) FROM visits_visit WHERE is_countable GROUP BY recipient_id"
)
# The fair floor of a full recompute: one plain SELECT computing, inside the database, the same
# per-recipient figures the recount stores (completed, rated and satisfied visits; counted days, the
# first, last and N-th of them), with nothing fetched but one summary row. Written here, apart from
# the app's SQL, so the floor does not follow the app's choices.
FAIR_FLOOR = """
SELECT count(*), sum(completed), sum(rated), sum(satisfied), sum(cardinality(days)),
       count(days[%(needed)s]), max(days[1]), max(days[cardinality(days)])
FROM (
    SELECT recipient_id, count(*) AS completed,
           count(*) FILTER (WHERE satisfaction <> '') AS rated,
           count(*) FILTER (WHERE satisfaction IN (%(satisfied)s, %(fairly)s)) AS satisfied,
           array_agg(DISTINCT service_date) FILTER (WHERE is_countable) AS days
    FROM visits_visit WHERE status = %(completed)s GROUP BY recipient_id
) per_recipient
"""
RECOUNT_FLOOR = (
    "SELECT recipient_id, COUNT(DISTINCT service_date) FROM visits_visit "
    "WHERE is_countable AND recipient_id = ANY(%s) GROUP BY recipient_id"
)
# Evening slots are free of generated visits (those end by 19:00), so uploads there overlap nothing.
EVENING_SLOTS = (19 * 60, 20 * 60 + 15, 21 * 60 + 30)
API_BATCH = 500
# Visits per verify_visits call after a day's insert (its own chunk size: a few queries a call).
VERIFY_CALL = 2000
DASHBOARD_REQUESTS = 30
DASHBOARD_WARMUP = 3


@dataclass
class BenchContext:
    size: WorldSize
    seed: int
    bench_day: dt.date
    log: object = print
    users: dict = field(default_factory=dict)

    def user(self, role: str, **scope):
        """A user with `role` over `scope` (role_grant), made once per run."""
        from eldercare.accounts.services import role_grant

        key = (role, tuple(sorted(scope.items())))
        if key not in self.users:
            username = f"bench-{role}-{len(self.users) + 1}"
            self.users[key] = role_grant(username=username, role=role, **scope).user
        return self.users[key]


def _fetch(sql: str, params=None) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def busiest_area() -> PilotArea:
    return (
        PilotArea.objects.select_related("region", "batch")
        .annotate(n=Count("recipients"))
        .order_by("-n", "region__code")
        .first()
    )


def busiest_home_provider() -> Provider:
    return Provider.objects.filter(offers_home_visits=True).annotate(n=Count("recipients")).order_by("-n", "pk").first()


# --- 1. Full roll-up recompute vs a plain GROUP BY ---------------------------------------------------


def _fair_floor() -> list:
    from eldercare.areas.models import Batch

    needed = Batch.objects.order_by("-year").values_list("visits_per_person_time", flat=True).first() or 1
    params = {
        "needed": needed,
        "satisfied": Satisfaction.SATISFIED,
        "fairly": Satisfaction.FAIRLY_SATISFIED,
        "completed": VisitStatus.COMPLETED,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # The same session settings the recount takes for itself (rollups.recount_sql).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '96MB'")
        cursor.execute(FAIR_FLOOR, params)
        return cursor.fetchall()


def measure_full_recompute(context: BenchContext) -> list[Figure]:
    """recompute_all (the nightly reconcile), first on empty roll-ups and then again, next to a fair floor
    (the same per-recipient figures in one SELECT) and the plain GROUP BY count, all in this run."""
    group_runs, rows = stopwatch(lambda: _fetch(GROUP_BY_FLOOR), repeat=3)
    fair_runs, _ = stopwatch(_fair_floor, repeat=3)
    context.log(
        f"  floors: fair {median(fair_runs):.2f} s, GROUP BY {median(group_runs):.2f} s ({len(rows):,} recipients)"
    )
    from eldercare.rollups.models import RecipientProgress

    RecipientProgress.objects.all().delete()
    first_runs, _ = stopwatch(rollups.recompute_all)
    context.log(f"  recompute_all, first (empty roll-ups): {first_runs[0]:.1f} s")
    with QueryProfile() as profile:
        steady_runs, _ = stopwatch(rollups.recompute_all)
    context.log(f"  recompute_all, again (nightly case): {steady_runs[0]:.1f} s")
    fair_after, _ = stopwatch(_fair_floor, repeat=2)
    group_after, _ = stopwatch(lambda: _fetch(GROUP_BY_FLOOR), repeat=2)
    fair, group_by = median(fair_runs + fair_after), median(group_runs + group_after)
    verify_runs, differences = stopwatch(verify_all)
    context.log(f"  verify_rollups: {verify_runs[0]:.1f} s, {len(differences)} differences")
    value = steady_runs[0]
    return [
        Figure(
            key="full_recompute",
            label="Full roll-up recompute (recompute_all, nightly case)",
            value=value,
            unit="s",
            floor=fair,
            floor_label="one SELECT of the same per-recipient figures",
            target="ratio ≤ 1.5",
            met=value / fair <= 1.5 if fair else None,
            detail={
                "first_run_s": first_runs[0],
                "first_run_ratio": first_runs[0] / fair if fair else None,
                "group_by_floor_s": group_by,
                "group_by_ratio": value / group_by if group_by else None,
                "fair_floor_runs_s": fair_runs + fair_after,
                "group_by_runs_s": group_runs + group_after,
                "recipients_counted": len(rows),
                "sql_seconds": round(profile.total, 3),
                "python_seconds": round(value - profile.total, 3),
                "slowest_queries": profile.top(6),
            },
        ),
        Figure(
            key="verify_rollups",
            label="verify_rollups (independent recount)",
            value=verify_runs[0],
            unit="s",
            floor=group_by,
            floor_label="SQL GROUP BY count",
            target="clean",
            met=not differences,
            detail={"differences": len(differences), "first": [str(d) for d in differences[:10]]},
        ),
    ]


# --- 2. Incremental roll-up after one day's visits ---------------------------------------------------


def _day_rows(context: BenchContext, recipients: list, *, first_id: int) -> list[tuple]:
    """Visit rows for `recipients` on the benchmark day: each provider's caregivers take them slot by slot.

    Built before the COPY starts: the connection cannot run a query while it streams one.
    """
    clock = _Clock()
    day = context.bench_day.toordinal()
    teams: dict[int, list[int]] = {}
    for provider_id, caregiver_id in Caregiver.objects.order_by("provider_id", "pk").values_list("provider_id", "pk"):
        teams.setdefault(provider_id, []).append(caregiver_id)
    categories = list(ServiceCategory.objects.order_by("sort_order").values_list("pk", flat=True))
    booked: dict[int, int] = {}
    rng = random.Random(f"{context.seed}:day")
    rows = []
    for recipient_id, area_id, provider_id, latitude, longitude in recipients:
        team = teams[provider_id]
        number = booked.get(provider_id, 0)
        if number >= len(team) * len(SLOTS):
            continue  # this provider's caregivers are fully booked that day
        booked[provider_id] = number + 1
        start = SLOTS[number // len(team)] + rng.randint(0, 20)
        end = start + rng.randint(45, 120)
        entered = clock.at(day, end + 5)
        rows.append(
            (
                first_id + len(rows),
                entered,
                entered,
                uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                recipient_id,
                area_id,
                provider_id,
                team[number % len(team)],
                categories[rng.randrange(len(categories))],
                clock.at(day, start),
                clock.at(day, end),
                context.bench_day.isoformat(),
                str(latitude),
                str(longitude),
                str(latitude),
                str(longitude),
                Satisfaction.SATISFIED.value,
                "",
                "",
                "",
                VisitStatus.COMPLETED.value,
                "",
                None,
                False,
            )
        )
    return rows


def measure_incremental(context: BenchContext) -> list[Figure]:
    """A day's visits (18,000 at scale 1) arrive; recount just the recipients they touch."""
    served = list(
        Recipient.objects.filter(provider__isnull=False)
        .order_by("pk")
        .values_list("pk", "area_id", "provider_id", "home_latitude", "home_longitude")
    )
    chosen = sorted(random.Random(context.seed).sample(served, min(len(served), context.size.day_visits)))
    first_id = next_ids(["visits_visit"])["visits_visit"]
    writer = RowWriter()
    rows = _day_rows(context, chosen, first_id=first_id)
    insert_runs, written = stopwatch(
        lambda: writer.write("visits_visit", VISIT_COLUMNS, rows, datetimes=VISIT_DATETIMES)
    )
    reset_sequences(["visits_visit"])
    new_ids = [row[0] for row in sorted(rows[:written], key=lambda row: (row[7], row[9]))]

    def verify_in_calls() -> set[int]:
        touched: set[int] = set()
        for start in range(0, len(new_ids), VERIFY_CALL):
            touched |= verify_visits(new_ids[start : start + VERIFY_CALL])
        return touched

    verify_runs, touched = stopwatch(verify_in_calls)
    recount_runs, _ = stopwatch(lambda: rollups.recount_recipients(touched))
    ids = sorted(touched)
    floor_runs, _ = stopwatch(lambda: _fetch(RECOUNT_FLOOR, [ids]), repeat=3)
    recount = recount_runs[0]
    context.log(
        f"  {written:,} visits on {context.bench_day}: insert {insert_runs[0]:.2f} s, verify_visits "
        f"{verify_runs[0]:.2f} s, recount_recipients {recount:.2f} s (floor {median(floor_runs):.3f} s)"
    )
    return [
        Figure(
            key="incremental_recount",
            label=f"Incremental recount after a day ({written:,} visits)",
            value=recount,
            unit="s",
            floor=median(floor_runs),
            floor_label="one SQL recount of those recipients",
            target="≤ 2 s",
            met=recount <= 2,
            detail={
                "visits": written,
                "recipients": len(ids),
                "insert_copy_s": insert_runs[0],
                "verify_visits_s": verify_runs[0],
                "verify_visits_calls_of": VERIFY_CALL,
                "end_to_end_s": verify_runs[0] + recount,
            },
        ),
        Figure(
            key="incremental_end_to_end",
            label="… verify_visits + recount (end to end)",
            value=verify_runs[0] + recount,
            unit="s",
            target="≤ 2 s",
            met=verify_runs[0] + recount <= 2,
        ),
    ]


# --- 3. Bulk API ingest ----------------------------------------------------------------------------


def _url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def api_payloads(context: BenchContext, count: int) -> list[tuple[Provider, list[dict]]]:
    """What providers upload: one evening visit per recipient on the benchmark day, busiest providers first.

    Evening slots are free of generated visits, so the uploads raise no overlap with them.
    """
    from eldercare.visits.models import ServiceItem

    items = list(ServiceItem.objects.select_related("category").order_by("code").values_list("category__code", "code"))
    tz = dt.timezone(dt.timedelta(hours=8))
    midnight = dt.datetime.combine(context.bench_day, dt.time(0), tzinfo=tz)
    rng = random.Random(f"{context.seed}:api")
    payloads, total = [], 0
    providers = Provider.objects.filter(offers_home_visits=True).annotate(n=Count("recipients")).order_by("-n", "pk")
    for provider in providers:
        team = list(Caregiver.objects.filter(provider=provider).order_by("pk").values_list("pk", flat=True))
        recipients = Recipient.objects.filter(provider=provider).order_by("pk")
        capacity = min(count - total, len(team) * len(EVENING_SLOTS))
        payload = []
        for number, (recipient_id, latitude, longitude) in enumerate(
            recipients.values_list("pk", "home_latitude", "home_longitude")[:capacity]
        ):
            started = midnight + dt.timedelta(minutes=EVENING_SLOTS[number // len(team)] + rng.randint(0, 10))
            category, item = items[rng.randrange(len(items))]
            payload.append(
                {
                    "client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "recipient": recipient_id,
                    "caregiver": team[number % len(team)],
                    "category": category,
                    "items": [item],
                    "started_at": started.isoformat(),
                    "ended_at": (started + dt.timedelta(minutes=rng.randint(45, 60))).isoformat(),
                    "checkin_latitude": str(latitude),
                    "checkin_longitude": str(longitude),
                    "satisfaction": Satisfaction.SATISFIED.value,
                }
            )
        if payload:
            payloads.append((provider, payload))
            total += len(payload)
        if total >= count:
            break
    return payloads


def _floor_bulk_create(payloads: list[tuple[Provider, list[dict]]]) -> float:
    """bulk_create of the same rows, in a transaction rolled back afterwards."""
    categories = dict(ServiceCategory.objects.values_list("code", "pk"))
    visits = []
    for provider, payload in payloads:
        areas = dict(Recipient.objects.filter(provider=provider).values_list("pk", "area_id"))
        for item in payload:
            started = dt.datetime.fromisoformat(item["started_at"])
            visits.append(
                Visit(
                    client_uuid=item["client_uuid"],
                    recipient_id=item["recipient"],
                    area_id=areas[item["recipient"]],
                    provider_id=provider.pk,
                    caregiver_id=item["caregiver"],
                    category_id=categories[item["category"]],
                    started_at=started,
                    ended_at=dt.datetime.fromisoformat(item["ended_at"]),
                    service_date=started.date(),
                    checkin_latitude=item["checkin_latitude"],
                    checkin_longitude=item["checkin_longitude"],
                    satisfaction=item["satisfaction"],
                )
            )
    with transaction.atomic():
        started = time.perf_counter()
        Visit.objects.bulk_create(visits, batch_size=API_BATCH)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def measure_api_ingest(context: BenchContext) -> list[Figure]:
    """POST /api/v1/visits/bulk/ in batches of 500 by each provider's staff, validation and verification included."""
    label = "Bulk API ingest (POST /api/v1/visits/bulk/)"
    url = _url("api:visit-bulk")
    if url is None or importlib.util.find_spec("eldercare.visits.bulk") is None:
        return [unavailable("api_ingest", label, "the bulk endpoint api:visit-bulk is not there yet")]
    payloads = api_payloads(context, max(1000, min(5000, context.size.day_visits)))
    visits = sum(len(payload) for _provider, payload in payloads)
    floor = _floor_bulk_create(payloads)
    clients = []
    for provider, payload in payloads:
        client = Client()
        client.force_login(context.user("provider_staff", provider_credit_code=provider.credit_code))
        clients.append((client, payload))
    statuses: dict[str, int] = {}
    failures = []
    batches: list[list[int]] = []
    started = time.perf_counter()
    for client, payload in clients:
        for start in range(0, len(payload), API_BATCH):
            batch = {"visits": payload[start : start + API_BATCH]}
            response = client.post(url, batch, content_type="application/json")
            if response.status_code != 200:
                failures.append(f"HTTP {response.status_code}: {response.content[:300]!r}")
                continue
            answer = response.json()
            for status, count in answer["summary"].items():
                statuses[status] = statuses.get(status, 0) + count
            batches.append([result["id"] for result in answer["results"] if result["status"] == "created"])
    seconds = time.perf_counter() - started
    created = statuses.get("created", 0)
    # What the worker does after each request's commit, so the roll-ups stay true: verify the batch
    # and recount (visits.tasks.verify_visits_task, where the endpoint defers verification to it),
    # or just recount the recipients touched (where the endpoint verified inline).
    touched = [item["recipient"] for _provider, payload in payloads for item in payload]
    recount_runs, _ = stopwatch(lambda: _worker_after_ingest(batches, touched))
    rate = created / seconds if seconds else 0
    floor_rate = visits / floor if floor else None
    context.log(
        f"  API: {created:,} of {visits:,} visits from {len(payloads)} providers in {seconds:.2f} s = {rate:,.0f}/s "
        f"(bulk_create {floor_rate:,.0f}/s); statuses {statuses}"
    )
    return [
        Figure(
            key="api_ingest",
            label=label,
            value=rate,
            unit="visits/s",
            floor=floor_rate,
            floor_label="bulk_create of the same rows",
            target="≥ 2,000 visits/s",
            met=rate >= 2000 and not failures,
            note="; ".join(failures[:2]),
            detail={
                "visits": visits,
                "providers": len(payloads),
                "batch": API_BATCH,
                "seconds": seconds,
                "statuses": statuses,
                "failures": failures[:5],
                "bulk_create_s": floor,
                "worker_after_s": recount_runs[0],
            },
        )
    ]


def _worker_after_ingest(batches: list[list[int]], touched: list[int]) -> None:
    """What a worker does after the requests: drain the recount queue the uploads wrote."""
    from eldercare.rollups.queue import drain_recount_queue

    drain_recount_queue(seconds=None)


def measure_recount_queue_drain(context: BenchContext) -> list[Figure]:
    """The durable recount queue: a day's visits queued for re-verification and recount, then drained."""
    from eldercare.core.models import RecountRequest
    from eldercare.rollups.queue import drain_recount_queue
    from eldercare.visits.verification.contract import enqueue_verification

    day_visits = list(Visit.objects.filter(service_date=context.bench_day).values_list("recipient_id", "service_date"))
    with transaction.atomic():
        rows = enqueue_verification(visits=day_visits, reason="bench")
    depth = RecountRequest.objects.count()
    runs, report = stopwatch(lambda: drain_recount_queue(seconds=None))
    seconds = runs[0]
    rate = report.rows / seconds if seconds else 0
    context.log(
        f"  drained {report.rows:,} queued recipients ({report.visits_verified:,} visits re-verified, "
        f"{report.batches} batches) in {seconds:.2f} s = {rate:,.0f} rows/s"
    )
    return [
        Figure(
            key="recount_queue_drain",
            label=f"Recount queue drain ({rows:,} recipients of a day, re-verify + recount)",
            value=rate,
            unit="rows/s",
            target="drains a day's work within one 30 s tick",
            met=seconds <= 30 and RecountRequest.objects.count() == 0,
            detail={
                "queued": depth,
                "rows": report.rows,
                "recipients": report.recipients,
                "visits_verified": report.visits_verified,
                "batches": report.batches,
                "seconds": seconds,
            },
        )
    ]


# --- 4. Dashboards ---------------------------------------------------------------------------------


def _time_page(client: Client, url: str) -> dict:
    for _ in range(DASHBOARD_WARMUP):
        client.get(url)
    durations, statuses = [], set()
    for _ in range(DASHBOARD_REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        durations.append(time.perf_counter() - started)
        statuses.add(response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "median_ms": median(durations) * 1000,
        "p95_ms": percentile(durations, 0.95) * 1000,
        "queries": len(queries),
        "statuses": sorted(statuses),
    }


def measure_dashboards(context: BenchContext) -> list[Figure]:
    """The national and an area dashboard through django.test.Client: server time and query count."""
    area = busiest_area()
    pages = (
        ("dashboard_national", "National dashboard", "dashboards:national", {}, ("national_official", {})),
        (
            "dashboard_area",
            "Area dashboard",
            "dashboards:area",
            {"area_code": area.region.code},
            ("district_official", {"area_code": area.region.code}),
        ),
    )
    figures = []
    for key, label, name, kwargs, (role, scope) in pages:
        url = _url(name, **kwargs)
        if url is None:
            figures.append(unavailable(key, label, f"the view {name} is not there yet"))
            continue
        client = Client()
        client.force_login(context.user(role, **scope))
        timing = _time_page(client, url)
        ok = timing["statuses"] == [200]
        context.log(
            f"  {label}: median {timing['median_ms']:.0f} ms, p95 {timing['p95_ms']:.0f} ms, "
            f"{timing['queries']} queries, HTTP {timing['statuses']}"
        )
        figures.append(
            Figure(
                key=key,
                label=f"{label} p95 ({url})",
                value=timing["p95_ms"],
                unit="ms",
                target="p95 ≤ 100 ms, same queries at every scale",
                met=ok and timing["p95_ms"] <= 100,
                note="" if ok else f"HTTP {timing['statuses']}",
                detail=timing,
            )
        )
    return figures


# --- 5. Ledger exports -----------------------------------------------------------------------------


def _run_export(user, *, kind: str, scope_level: str, scope_code: str = "", trace: bool = False) -> dict:
    from eldercare.exports.services import export_request, export_run

    job = export_request(
        user=user,
        kind=kind,
        fmt="csv",
        scope_level=scope_level,
        scope_code=scope_code,
        as_of=timezone.localdate(),
        enqueue=False,
    )
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    job = export_run(job.pk)
    seconds = time.perf_counter() - started
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    rows = getattr(job, "rows_written", 0) or 0
    return {"seconds": seconds, "rows": rows, "status": str(job.status), "peak_mb": peak / 2**20 if peak else None}


def measure_exports(context: BenchContext) -> list[Figure]:
    """Recipient and visit ledgers of the busiest area as CSV: rows/s, peak memory, national time projected."""
    if importlib.util.find_spec("eldercare.exports.services") is None:
        return [unavailable("export_recipients", "Recipient ledger export", "eldercare.exports.services is missing")]
    try:
        from eldercare.exports.services import export_request, export_run  # noqa: F401
    except ImportError as error:
        return [unavailable("export_recipients", "Recipient ledger export", f"exports not ready ({error})")]
    auditor = context.user("auditor")
    area = busiest_area()
    figures = []
    # One area each (the busiest): a national export runs for minutes when it is slow, and rows/s and
    # peak memory are what matter; the national time is projected from the rate.
    national_rows = {"recipients": Recipient.objects.count(), "visits": Visit.objects.count()}
    for key, label, kind, target in (
        ("export_recipients", f"Recipient ledger CSV (area {area.region.code})", "recipients", 10.0),
        ("export_visits", f"Visit ledger CSV (area {area.region.code})", "visits", None),
    ):
        level, code = "area", area.region.code
        try:
            timed = _run_export(auditor, kind=kind, scope_level=level, scope_code=code)
            traced = _run_export(auditor, kind=kind, scope_level=level, scope_code=code, trace=True)
        except Exception as error:  # an export still being built must not stop the other measurements
            tracemalloc.stop()
            context.log(f"  {label}: failed ({type(error).__name__}: {error})")
            figures.append(unavailable(key, label, f"the export failed: {type(error).__name__}: {error}"[:300]))
            continue
        rate = timed["rows"] / timed["seconds"] if timed["seconds"] else 0
        context.log(
            f"  {label}: {timed['rows']:,} rows in {timed['seconds']:.1f} s = {rate:,.0f} rows/s, "
            f"peak {traced['peak_mb']:.1f} MB ({timed['status']})"
        )
        done = timed["status"] == "done"
        projected = national_rows[kind] / rate if rate else None
        scaled_target = target * national_rows[kind] / 220_000 if target else None
        figures.append(
            Figure(
                key=key,
                label=label,
                value=rate,
                unit="rows/s",
                target=(
                    f"national CSV ≤ {target:.0f} s at 220,000 recipients (projected here: {projected or 0:,.0f} s); "
                    "memory flat"
                    if target
                    else "memory flat"
                ),
                met=(done and projected is not None and projected <= scaled_target) if target else (done or None),
                note="" if done else f"job {timed['status']}",
                detail={
                    "rows": timed["rows"],
                    "seconds": timed["seconds"],
                    "national_rows": national_rows[kind],
                    "projected_national_s": projected,
                    "peak_python_mb": traced["peak_mb"],
                    "traced_seconds": traced["seconds"],
                },
            )
        )
    return figures


MEASUREMENTS = (
    measure_import_bombs,
    importlib.import_module("bench.imports").measure_imports,
    measure_full_recompute,
    measure_incremental,
    measure_recount_queue_drain,
    measure_api_ingest,
    measure_dashboards,
    measure_exports,
)
