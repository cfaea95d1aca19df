"""A day's visits end to end: bulk ingest (the real path) → recount queue drained → fresh roll-ups.

The day's visits (18,000 at scale 1) are uploaded by their providers' staff through
`visits.bulk.visits_bulk_ingest`, the service behind POST /api/v1/visits/bulk/, in batches of its
maximum size: item-by-item validation, history rows, audit events and the recount queue rows in
each batch's transaction. Then the queue is drained as a worker drains it (verification of the
new visits, recount of their recipients, area and batch totals). The figure is the whole time.

Its floor is what the database needs for the same work at its own speed, measured afterwards on
the same rows: inserting them again with their history rows (INSERT … SELECT, rolled back) plus
the fair recount SELECT of their recipients (bench.measure.recompute.FAIR_FLOOR).
"""

from bench.figures import Figure, median, stopwatch
from bench.measure.context import BenchContext, drain_queue, fetch, queue_depth
from bench.measure.day import as_uploads, insert_floor_seconds, plan_day
from bench.measure.recompute import fair_floor

TARGET_SECONDS = 2.0
# Roll-ups that disagree with the countable visits of the given recipients (a freshness check, not timed).
STALE_ROLLUPS = """
SELECT count(*) FROM (
    SELECT recipient_id, area_id, count(DISTINCT service_date) AS days
    FROM visits_visit WHERE is_countable AND recipient_id = ANY(%(ids)s)
    GROUP BY recipient_id, area_id
) counted
FULL JOIN (
    SELECT recipient_id, area_id, counted_visits FROM rollups_recipientprogress
    WHERE recipient_id = ANY(%(ids)s) AND counted_visits > 0
) stored USING (recipient_id, area_id)
WHERE counted.days IS DISTINCT FROM stored.counted_visits
"""


def ingest_uploads(context: BenchContext, uploads, *, batch: int) -> tuple[dict, list[int], list[str]]:
    """Every provider's items through visits_bulk_ingest, `batch` at a time: statuses, new ids, failures."""
    from eldercare.visits.bulk import visits_bulk_ingest

    users = {provider.pk: context.provider_staff(provider) for provider, _items in uploads}
    statuses: dict[str, int] = {}
    created: list[int] = []
    failures: list[str] = []
    for provider, items in uploads:
        for start in range(0, len(items), batch):
            for result in visits_bulk_ingest(items=items[start : start + batch], acting_user=users[provider.pk]):
                statuses[result.status] = statuses.get(result.status, 0) + 1
                if result.status == "created":
                    created.append(result.id)
                elif len(failures) < 5:
                    failures.append(f"{result.status}: {result.errors}")
    return statuses, created, failures


def measure_incremental_end_to_end(context: BenchContext) -> list[Figure]:
    from eldercare.visits.bulk import MAX_BULK_VISITS

    if queue_depth():
        drain_queue()
    day = context.bench_day
    planned = plan_day(context, day, count=context.size.day_visits, salt="day")
    uploads = as_uploads(planned)
    for provider, _items in uploads:  # users exist before the clock starts, as they do in production
        context.provider_staff(provider)
    ingest_runs, (statuses, created, failures) = stopwatch(
        lambda: ingest_uploads(context, uploads, batch=MAX_BULK_VISITS)
    )
    queued = queue_depth()
    drain_runs, report = stopwatch(drain_queue)
    ingest, drain = ingest_runs[0], drain_runs[0]
    total = ingest + drain
    recipients = sorted({visit.recipient_id for visit in planned})
    stale = fetch(STALE_ROLLUPS, {"ids": recipients})[0][0]
    insert_runs = [insert_floor_seconds(created) for _ in range(3)]
    insert_floor = median(insert_runs)
    recount_runs, _ = stopwatch(lambda: fair_floor(recipients), repeat=3)
    floor = insert_floor + median(recount_runs)
    visits = statuses.get("created", 0)
    context.log(
        f"  {visits:,} of {len(planned):,} visits on {day} through bulk ingest {ingest:.2f} s "
        f"({visits / ingest if ingest else 0:,.0f}/s), {queued:,} queue rows drained {drain:.2f} s "
        f"({report.visits_verified:,} visits verified, {report.recipients:,} recipients recounted): "
        f"{total:.2f} s end to end (floor {floor:.3f} s); stale roll-ups after: {stale}"
    )
    fresh = stale == 0 and queue_depth() == 0
    return [
        Figure(
            key="incremental_end_to_end",
            label=f"A day's visits end to end (bulk ingest → queue drained → fresh roll-ups, {visits:,} visits)",
            value=total,
            unit="s",
            floor=floor,
            floor_label="INSERT … SELECT of the same visits and history + one SELECT of their recipients' figures",
            target=f"≤ {TARGET_SECONDS:g} s",
            met=total <= TARGET_SECONDS and fresh and not failures,
            note="" if fresh and not failures else f"stale {stale}; {'; '.join(failures[:2])}"[:300],
            detail={
                "day": day.isoformat(),
                "visits": visits,
                "providers": len(uploads),
                "batch": MAX_BULK_VISITS,
                "statuses": statuses,
                "failures": failures,
                "ingest_s": ingest,
                "ingest_visits_per_s": visits / ingest if ingest else None,
                "queue_rows": queued,
                "drain_s": drain,
                "drain_batches": report.batches,
                "visits_verified": report.visits_verified,
                "recipients_recounted": report.recipients,
                "stale_rollups_after": stale,
                "insert_floor_s": insert_floor,
                "insert_floor_runs_s": insert_runs,
                "recount_floor_s": median(recount_runs),
            },
        )
    ]
