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
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from eldercare.areas.models import PilotArea
from eldercare.core.models import RecountRequest
from eldercare.visits.models import Visit
from eldercare.visits.verification import verify_visits

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


def _verify(rows: list[RecountRequest]) -> tuple[set[int], int]:
    """Re-verify the visits the rows name; return the recipients touched and how many visits were checked."""
    by_recipient: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    by_area: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for row in rows:
        if row.verify_from is None:
            continue
        span = (row.verify_from, row.verify_until or dt.date.max)
        if row.recipient_id:
            by_recipient[row.recipient_id].append(span)
        else:
            by_area[row.area_id].append(span)
    visit_ids: list[int] = []
    if by_recipient:
        candidates = Visit.objects.filter(recipient_id__in=list(by_recipient)).values_list(
            "pk", "recipient_id", "service_date"
        )
        visit_ids += [
            pk
            for pk, recipient_id, day in candidates.iterator(chunk_size=10000)
            if any(start <= day <= end for start, end in by_recipient[recipient_id])
        ]
    for area_id, spans in by_area.items():
        since = min(start for start, _end in spans)
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
        RecountRequest.objects.filter(pk__in=[row.pk for row in rows]).delete()
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
