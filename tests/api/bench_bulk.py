"""Throughput of POST /api/v1/visits/bulk/ (run by hand: pytest tests/api/bench_bulk.py -s)."""

import datetime as dt
import os
import time
import uuid

import pytest

from eldercare.rollups.models import RecipientProgress
from eldercare.visits.models import Visit
from tests.api.conftest import client_for, make_user
from tests.factories import AssessmentFactory, CaregiverFactory, RecipientFactory

BATCHES = int(os.environ.get("BENCH_BATCHES", "5"))
PER_BATCH = int(os.environ.get("BENCH_PER_BATCH", "1000"))
CAREGIVERS = 125
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
# With a broker the recount runs in a worker; BENCH_INLINE_RECOUNT=1 keeps eager Celery's inline recount.
INLINE_RECOUNT = os.environ.get("BENCH_INLINE_RECOUNT") == "1"
RECOUNT = "inline" if INLINE_RECOUNT else "queued"


@pytest.mark.django_db(transaction=True)
def test_bulk_throughput(world, settings, monkeypatch):
    recounts = []
    if not INLINE_RECOUNT:
        # With a broker, verification and the recount are queued work a worker drains after the upload.
        monkeypatch.setattr(
            "eldercare.visits.verification.contract.wake_recount_drain", lambda: recounts.append("wake")
        )
    from eldercare.accounts.models import Role

    user = make_user("bench", Role.PROVIDER_STAFF, provider=world.provider_p)
    client = client_for(user)
    recipients = [RecipientFactory(area=world.area_a, provider=world.provider_p) for _ in range(200)]
    for person in recipients:
        AssessmentFactory(recipient=person)
    caregivers = [CaregiverFactory(provider=world.provider_p) for _ in range(CAREGIVERS)]
    batches = []
    n = 0
    for _b in range(BATCHES):
        batch = []
        for _ in range(PER_BATCH):
            # Realistic days: each caregiver makes up to 8 visits a day, one an hour, none overlapping,
            # all in the week before "today" (2023-08-02), as apps upload them.
            slot = n // CAREGIVERS
            day = dt.date(2023, 7, 28) + dt.timedelta(days=slot // 8)
            hour = 8 + slot % 8
            batch.append(
                {
                    "client_uuid": str(uuid.uuid4()),
                    "recipient": recipients[n % 200].pk,
                    "caregiver": caregivers[n % CAREGIVERS].pk,
                    "category": world.category.code,
                    "items": [world.item.code],
                    "started_at": f"{day}T{hour:02d}:00:00+08:00",
                    "ended_at": f"{day}T{hour:02d}:45:00+08:00",
                    "checkin_latitude": "40.220000",
                    "checkin_longitude": "116.230000",
                    "satisfaction": "satisfied",
                }
            )
            n += 1
        batches.append(batch)
    import cProfile
    import pstats

    profile = cProfile.Profile()
    timings = {}
    if os.environ.get("BENCH_PHASES") == "1":
        from collections import defaultdict

        from eldercare.visits import bulk

        timings = defaultdict(float)

        def timed(name, func):
            def wrapper(*args, **kwargs):
                began = time.perf_counter()
                try:
                    return func(*args, **kwargs)
                finally:
                    timings[name] += time.perf_counter() - began

            return wrapper

        for name in (
            "_parse",
            "_load_references",
            "_existing",
            "_build_visit",
            "_validate",
            "_insert",
            "bulk_create_with_history",
            "verify_visits",
            "visits_bulk_ingest",
        ):
            monkeypatch.setattr(bulk, name, timed(name, getattr(bulk, name)))
        from simple_history.manager import HistoryManager

        import eldercare.visits.apis as apis
        from eldercare.visits import verification

        monkeypatch.setattr(
            HistoryManager, "bulk_history_create", timed("bulk_history_create", HistoryManager.bulk_history_create)
        )
        from eldercare.visits.verification import store

        for module, name in ((verification, "derive_findings_in_db"), (store, "store_countability")):
            monkeypatch.setattr(module, name, timed(name, getattr(module, name)))

        monkeypatch.setattr(apis, "visits_bulk_ingest", bulk.visits_bulk_ingest)
    start = time.perf_counter()
    for index, batch in enumerate(batches):
        if index == 2 and PROFILE:
            profile.enable()
        response = client.post("/api/v1/visits/bulk/", {"visits": batch})
        if index == 2:
            profile.disable()
        assert response.json()["summary"]["created"] == PER_BATCH
    elapsed = time.perf_counter() - start
    for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"{name:28s} {seconds / BATCHES * 1000:8.1f} ms a batch")
    if PROFILE:
        stats = pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "tottime"))
        stats.print_stats(40)
        stats.print_callers("builtins.any")
    resend_start = time.perf_counter()
    for batch in batches:
        assert client.post("/api/v1/visits/bulk/", {"visits": batch}).json()["summary"]["already_present"] == PER_BATCH
    resend = time.perf_counter() - resend_start
    total = BATCHES * PER_BATCH
    print(f"\ncreated {total} visits in {elapsed:.2f}s: {total / elapsed:.0f} visits/s (recount {RECOUNT})")
    print(f"resent {total} visits in {resend:.2f}s: {total / resend:.0f} visits/s")
    assert Visit.objects.filter(recipient__in=recipients).count() == total
    if INLINE_RECOUNT:
        assert RecipientProgress.objects.filter(recipient__in=recipients).count() == 200
    else:
        assert len(recounts) == BATCHES  # one recount request a batch
