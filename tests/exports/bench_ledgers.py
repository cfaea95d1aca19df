"""Time and peak memory of the recipient and visit ledger CSVs at two sizes (not part of the suite).

Run explicitly:  .venv/bin/pytest tests/exports/bench_ledgers.py -q -s
Memory must not grow with the number of rows: the rows stream from the database in chunks and
the CSV goes out in chunks. Peak memory is Python's (tracemalloc), measured in a second pass so
the timing is not slowed by it.
"""

import datetime as dt
import time
import tracemalloc

import pytest
from django.contrib.auth.models import User
from django.db import connection

from eldercare.exports.reports import Scope, build_report
from eldercare.exports.selectors import resolve_scope
from eldercare.exports.writers import csv_chunks
from tests.conftest import at
from tests.exports.conftest import bulk_world

SIZES = (2_000, 20_000)


def _drain(kind: str, user, area) -> tuple[int, int]:
    areas, provider, _label = resolve_scope(user, "area", area.code)
    report = build_report(kind, Scope(areas=areas, provider=provider, as_of=dt.date(2023, 10, 1), filters={}))
    size = 0
    for chunk in csv_chunks(report, {"columns": []}):
        size += len(chunk)
    return size, report.estimate


@pytest.mark.django_db
def test_ledger_memory_does_not_grow_with_rows(time_machine):
    user = User.objects.create_superuser("bench", password="x")
    results = []
    for number, rows in enumerate(SIZES):
        time_machine.move_to(at(dt.date(2023, 6, 20), 10))
        from tests.factories import CountyFactory, PilotAreaFactory

        area = bulk_world(
            recipients=rows,
            visits_per_recipient=1,
            area=PilotAreaFactory(region=CountyFactory(code=f"{130101 + number}")),
        )
        time_machine.move_to(at(dt.date(2023, 10, 1), 10))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would after a bulk load: plans need statistics
        for kind in ("recipients", "visits"):
            started = time.perf_counter()
            size, estimate = _drain(kind, user, area)
            seconds = time.perf_counter() - started
            tracemalloc.start()
            _drain(kind, user, area)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            results.append((kind, estimate, seconds, peak, size))
    print()
    print(f"{'ledger':<11}{'rows':>8}{'seconds':>10}{'peak MiB':>10}{'CSV MiB':>10}")
    for kind, rows, seconds, peak, size in results:
        print(f"{kind:<11}{rows:>8}{seconds:>10.2f}{peak / 2**20:>10.2f}{size / 2**20:>10.2f}")
    by_kind = {}
    for kind, _rows, _seconds, peak, _size in results:
        by_kind.setdefault(kind, []).append(peak)
    for kind, (small, large) in by_kind.items():
        assert large < small * 2, f"{kind}: peak memory grew from {small} to {large} bytes"
