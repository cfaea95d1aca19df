"""Roll-ups of counted visits into person-times (人次), per recipient, per area and per batch.

Everything here is set-based: the per-recipient recount is one INSERT … SELECT statement
(recount_sql.py) for any number of recipients, and area totals are aggregates over its rows.
Running a recount twice, or two at once, leaves the same rows; on PostgreSQL recounts of one
area are serialised by a transaction-scoped advisory lock.

The rules the figures apply live beside their query forms (docs/RULES.md): the person-time
threshold, its bands and the pace model ("at risk") in rollups.rules, a bed counting toward the
target in beds.rules. `pace_at_risk` is re-exported here for existing imports. How the queue,
the recount statement and the checks fit together: docs/rollups.md.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from eldercare.areas.models import Batch, Disbursement, FundAllocation, PilotArea
from eldercare.beds.models import FamilyCareBed
from eldercare.beds.rules import beds_counting_toward_target_q
from eldercare.recipients.enrolments import served_area_ids

from .models import AreaDailySnapshot, AreaProgress, BatchProgress, ProgressFigures, RecipientProgress, RollupRun
from .provider_stats import progress_by_provider, provider_stats_refresh
from .recount_sql import recount_recipients_sql
from .rules import BAND_FIELDS, band_q, reached_person_time_q
from .rules import pace_at_risk as pace_at_risk  # re-exported for existing imports: the rule lives in rules.py

# Recipients recounted per statement in an incremental recount (one array parameter on PostgreSQL).
RECOUNT_CHUNK = 20000
ADVISORY_LOCK_NAMESPACE = 0x5E1D  # first key of pg_advisory_xact_lock(int, int): "eldercare roll-ups"


def _lock_areas(area_ids: Iterable[int]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite runs one writer at a time already
    with connection.cursor() as cursor:
        for area_id in sorted(set(area_ids)):  # a fixed order so two recounts never deadlock
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, area_id])


def _grouped(queryset, area_ids: list[int], **aggregates) -> dict[int, dict]:
    rows = queryset.filter(area_id__in=area_ids).values("area_id").annotate(**aggregates)
    return {row["area_id"]: row for row in rows}


def _areas_figures(areas: list[PilotArea], *, today: dt.date) -> dict[int, dict]:
    """Every figure of these areas, with a few grouped queries whatever the number of areas."""
    area_ids = [area.pk for area in areas]
    progress = _grouped(
        RecipientProgress.objects.all(),
        area_ids,
        person_times=Count("pk", filter=reached_person_time_q()),
        with_visits=Count("pk", filter=Q(counted_visits__gt=0)),
        # Thirds of each batch's threshold (1–9, 10–19, 20–29 with 30).
        **{field: Count("pk", filter=band_q(field)) for field in BAND_FIELDS},
        at_risk=Count("pk", filter=Q(at_risk=True)),
        counted=Sum("counted_visits"),
        rated=Sum("rated_visits"),
        satisfied=Sum("satisfied_visits"),
        # Everyone served in the area has a row (the recount writes one for each, visits or not).
        recipients=Count("pk"),
    )
    # A bed counts when accepted within its area's cycle by today, whatever happened after (beds.rules).
    beds = _grouped(FamilyCareBed.objects.filter(beds_counting_toward_target_q(today)), area_ids, n=Count("pk"))
    allocated = _grouped(FundAllocation.objects.all(), area_ids, total=Sum("amount"))
    disbursed = _grouped(Disbursement.objects.filter(paid_on__lte=today), area_ids, total=Sum("amount"))
    figures = {}
    for area in areas:
        totals = progress.get(area.pk, {})
        count = totals.get("recipients", 0)
        figures[area.pk] = {
            "recipients": count,
            "person_times_reached": totals.get("person_times", 0),
            "target_person_times": area.target_person_times,
            "band_0": count - totals.get("with_visits", 0),
            **{field: totals.get(field, 0) for field in BAND_FIELDS},
            "at_risk": totals.get("at_risk", 0),
            "counted_visits": totals.get("counted") or 0,
            "beds_accepted": beds.get(area.pk, {}).get("n", 0),
            "target_beds": area.target_beds,
            "rated_visits": totals.get("rated") or 0,
            "satisfied_visits": totals.get("satisfied") or 0,
            "funds_allocated": allocated.get(area.pk, {}).get("total") or Decimal(0),
            "funds_disbursed": disbursed.get(area.pk, {}).get("total") or Decimal(0),
        }
    return figures


def _write_areas(areas: Iterable[PilotArea], *, today: dt.date) -> None:
    """Write the areas' progress and today's snapshot (two upserts), and their provider comparison."""
    areas = list(areas)
    if not areas:
        return
    figures = _areas_figures(areas, today=today)
    by_provider = progress_by_provider([area.pk for area in areas])
    now = timezone.now()
    fields = [*ProgressFigures.FIGURE_FIELDS, "computed_at"]
    AreaProgress.objects.bulk_create(
        [
            AreaProgress(
                area=area,
                **figures[area.pk],
                recipients_without_provider=by_provider.get((area.pk, None), {}).get("recipients", 0),
                computed_at=now,
            )
            for area in areas
        ],
        update_conflicts=True,
        unique_fields=["area"],
        update_fields=[*fields, "recipients_without_provider"],
    )
    AreaDailySnapshot.objects.bulk_create(
        [AreaDailySnapshot(area=area, day=today, **figures[area.pk], computed_at=now) for area in areas],
        update_conflicts=True,
        unique_fields=["area", "day"],
        update_fields=fields,
    )
    provider_stats_refresh(areas=areas, progress=by_provider)


def _write_batches(batch_ids: Iterable[int]) -> None:
    now = timezone.now()
    for batch in Batch.objects.filter(pk__in=set(batch_ids)):
        sums = AreaProgress.objects.filter(area__batch=batch).aggregate(
            **{name: Sum(name) for name in ProgressFigures.FIGURE_FIELDS}
        )
        figures = {name: value or 0 for name, value in sums.items()}
        BatchProgress.objects.update_or_create(batch=batch, defaults={**figures, "computed_at": now})


@transaction.atomic
def recount_recipients(recipient_ids: Iterable[int], *, today: dt.date | None = None) -> list[int]:
    """Recount these recipients, then their areas' and batches' totals; return the area ids."""
    today = today or timezone.localdate()
    ids = sorted(set(recipient_ids))
    area_ids = served_area_ids(ids)
    # Rows left in an area the person is no longer served in are recounted (and removed) too.
    area_ids |= set(RecipientProgress.objects.filter(recipient_id__among=ids).values_list("area_id", flat=True))
    _lock_areas(area_ids)
    for start in range(0, len(ids), RECOUNT_CHUNK):
        recount_recipients_sql(recipient_ids=ids[start : start + RECOUNT_CHUNK], today=today)
    areas = list(PilotArea.objects.filter(pk__in=area_ids).select_related("batch"))
    _write_areas(areas, today=today)
    _write_batches(area.batch_id for area in areas)
    return sorted(area_ids)


@transaction.atomic
def recompute_area(area: PilotArea, *, today: dt.date | None = None) -> None:
    """Recompute every recipient of the area from its visits, then the area's totals."""
    today = today or timezone.localdate()
    _lock_areas([area.pk])
    _recount_areas([area.pk], today=today)
    _write_areas([area], today=today)
    _write_batches([area.batch_id])


def _recount_areas(area_ids: list[int] | None, *, today: dt.date) -> None:
    """Recount every person served in these areas (None: in all areas) in one statement."""
    recount_recipients_sql(area_ids=area_ids, today=today)


@transaction.atomic
def recompute_all(
    *, areas: Iterable[PilotArea] | None = None, today: dt.date | None = None, progress: Callable | None = None
) -> RollupRun:
    """Rebuild every roll-up from visits (`recompute_rollups`): one recount statement, then each area."""
    today = today or timezone.localdate()
    everything = areas is None
    chosen = list(PilotArea.objects.select_related("batch").order_by("pk") if everything else areas)
    run = RollupRun.objects.create(kind=RollupRun.Kind.RECONCILE, started_at=timezone.now(), areas=len(chosen))
    _lock_areas(area.pk for area in chosen)
    _recount_areas(None if everything else [area.pk for area in chosen], today=today)
    _write_areas(chosen, today=today)
    if progress:
        for area in chosen:
            progress(area)
    _write_batches(area.batch_id for area in chosen)
    run.areas_done = len(chosen)
    run.finished_at = timezone.now()
    run.save(update_fields=["areas_done", "finished_at"])
    return run


def reconcile_start(area_ids: list[int]) -> RollupRun:
    """Open the log entry of a nightly reconcile that runs as one task per area."""
    return RollupRun.objects.create(kind=RollupRun.Kind.RECONCILE, started_at=timezone.now(), areas=len(area_ids))


def reconcile_area_done(run_id: int) -> None:
    """Count one more area of a reconcile; the last one closes the run (conditional updates, no lock)."""
    RollupRun.objects.filter(pk=run_id).update(areas_done=F("areas_done") + 1)
    RollupRun.objects.filter(pk=run_id, finished_at__isnull=True, areas_done__gte=F("areas")).update(
        finished_at=timezone.now()
    )


def last_brought_up_to_date() -> dt.datetime | None:
    """When the roll-ups were last recomputed, fully or for a recipient: the time the admin shows."""
    latest_area = AreaProgress.objects.aggregate(latest=Max("computed_at"))["latest"]
    latest_run = RollupRun.objects.filter(kind=RollupRun.Kind.RECONCILE, finished_at__isnull=False).aggregate(
        latest=Max("finished_at")
    )["latest"]
    candidates = [moment for moment in (latest_area, latest_run) if moment]
    return max(candidates) if candidates else None
