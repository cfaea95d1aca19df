"""Draining the durable recount queue (`core.RecountRequest`, written by `visits.verification.contract`).

A drain claims a batch of queued rows, re-verifies the visits they name, recounts the recipients
and areas, and deletes the rows, all in one transaction:

1. Claim with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL), so drains on several workers take
   disjoint rows and a write that queues more work never waits for a drain. On SQLite there is one
   writer at a time and the drain simply takes the oldest rows.
2. Area rows (a cycle or a batch threshold changed) are claimed one at a time: each can mean every
   visit of the area. Recipient rows are claimed `DRAIN_BATCH` at a time.
3. If the worker dies half-way, its transaction is rolled back by the database when the connection
   drops: the rows are unlocked and still queued, and the next drain (at the latest the beat tick)
   takes them. Nothing waits for the broker's visibility timeout.

Running a drain twice, or two at once, leaves the same rows: verification and recounts write what
the raw records say.
"""

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection, transaction

from eldercare.areas.models import PilotArea
from eldercare.core.models import RecountRequest
from eldercare.visits.models import Visit
from eldercare.visits.verification import verify_visits
from eldercare.visits.verification.dialect import Dialect

from .services import recompute_area, recount_recipients

# Recipient rows per transaction: one verification round (VERIFY_ROUND visits at most) and one
# recount statement each. A day's uploads of the whole country (18,000 people) fit in one: about
# two seconds at national scale, against nine batches' worth of area totals and provider figures.
DRAIN_BATCH = 20000
# A drain task stops taking new batches after this long, so one task never holds a worker for
# long; what is left waits for the next wake-up or tick.
DRAIN_SECONDS = 60.0


@dataclass
class DrainReport:
    rows: int = 0
    recipients: int = 0
    areas: int = 0
    visits_verified: int = 0
    batches: int = 0
    seconds: float = 0.0


def _claim(queryset, limit: int) -> list[RecountRequest]:
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset.order_by("pk")[:limit])


# The visits the claimed recipient rows name: each row's person, from its first to its last day
# (open-ended when it has none). One join on (recipient, day), the leading columns of
# `visit_recipient_day`; never the people's whole histories read into Python.
NAMED_VISITS = """
    SELECT DISTINCT v.id FROM {queue} q
    JOIN {visit} v ON v.recipient_id = q.recipient_id AND v.service_date >= q.verify_from
                  AND (q.verify_until IS NULL OR v.service_date <= q.verify_until)
    WHERE {claimed} AND q.recipient_id IS NOT NULL AND q.verify_from IS NOT NULL
"""


def _verify(rows: list[RecountRequest]) -> tuple[set[int], int]:
    """Re-verify the visits the rows name; return the recipients touched and how many visits were checked."""
    dialect = Dialect(connection.vendor)
    claimed = [row.pk for row in rows if row.recipient_id and row.verify_from is not None]
    visit_ids: list[int] = []
    if claimed:
        statement = NAMED_VISITS.format(
            queue=RecountRequest._meta.db_table, visit=Visit._meta.db_table, claimed=dialect.in_ids("q.id", "claimed")
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, {"claimed": dialect.id_list(claimed)})
            visit_ids = [row[0] for row in cursor.fetchall()]
    by_area: dict[int, dt.date] = {}
    for row in rows:
        if not row.recipient_id and row.verify_from is not None:
            by_area[row.area_id] = min(row.verify_from, by_area.get(row.area_id, dt.date.max))
    for area_id, since in by_area.items():
        visit_ids += Visit.objects.filter(area_id=area_id, service_date__gte=since).values_list("pk", flat=True)
    if not visit_ids:
        return set(), 0
    return verify_visits(visit_ids), len(visit_ids)


def _drain_batch(report: DrainReport, *, batch_size: int, today: dt.date | None) -> bool:
    """Claim and process one batch in one transaction; return False when the queue had nothing to claim."""
    with transaction.atomic():
        rows = _claim(RecountRequest.objects.filter(recipient_id__isnull=True), 1)
        if not rows:
            rows = _claim(RecountRequest.objects.filter(recipient_id__isnull=False), batch_size)
        if not rows:
            return False
        touched, checked = _verify(rows)
        recipients = {row.recipient_id for row in rows if row.recipient_id} | touched
        if recipients:
            recount_recipients(sorted(recipients), today=today)
        area_ids = sorted({row.area_id for row in rows if not row.recipient_id})
        for area in PilotArea.objects.filter(pk__in=area_ids).select_related("batch").order_by("pk"):
            recompute_area(area, today=today)
        RecountRequest.objects.filter(pk__among=[row.pk for row in rows]).delete()
    report.rows += len(rows)
    report.recipients += len(recipients)
    report.areas += len(area_ids)
    report.visits_verified += checked
    report.batches += 1
    return True


def drain_recount_queue(
    *, batch_size: int = DRAIN_BATCH, seconds: float | None = DRAIN_SECONDS, today: dt.date | None = None
) -> DrainReport:
    """Work through the recount queue until it is empty (or `seconds` have passed); see the module docstring."""
    report = DrainReport()
    started = time.monotonic()
    while _drain_batch(report, batch_size=batch_size, today=today):
        if seconds is not None and time.monotonic() - started > seconds:
            break
    report.seconds = time.monotonic() - started
    return report
