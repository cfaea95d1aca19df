"""Thin Celery tasks: they take ids or ISO dates, call one service and own only retries.

All are idempotent (a recount writes what the visits say, however often it runs) and are
acknowledged late, so a worker killed mid-task has its message delivered again. The work a write
asks for is not carried by a message at all: it waits in the recount queue (`rollups.queue`),
which `drain_recount_queue_task` empties when a write wakes it and on every beat tick.
"""

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from eldercare.areas.models import PilotArea
from eldercare.core.queue import enqueue, recount_drain_started

from . import services

RETRYING = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(**RETRYING)
def drain_recount_queue_task() -> dict:
    """Drain the recount queue (woken after a write commits, and every RECOUNT_QUEUE_TICK_SECONDS)."""
    from .queue import drain_recount_queue

    recount_drain_started()
    return vars(drain_recount_queue())


@shared_task(**RETRYING)
def recount_recipients_task(recipient_ids: list[int], today: str | None = None) -> list[int]:
    return services.recount_recipients(recipient_ids, today=dt.date.fromisoformat(today) if today else None)


@shared_task(**RETRYING)
def recompute_area_task(area_id: int, today: str | None = None) -> None:
    area = PilotArea.objects.select_related("batch").get(pk=area_id)
    services.recompute_area(area, today=dt.date.fromisoformat(today) if today else None)


@shared_task(**RETRYING)
def reconcile_task() -> int:
    """Nightly: one task per area, each short enough for the broker's visibility window."""
    area_ids = list(PilotArea.objects.order_by("pk").values_list("pk", flat=True))
    run = services.reconcile_start(area_ids)
    for area_id in area_ids:
        reconcile_area_task.delay(area_id, run.pk)
    return run.pk


@shared_task(**RETRYING)
def reconcile_area_task(area_id: int, run_id: int | None = None) -> None:
    """Re-check the area's recent and unverified visits (a later visit can overlap an earlier one),
    then rebuild its roll-ups from its visits."""
    from eldercare.visits.verification import verify_open_window

    from .verification import claim_nightly_deep_sample

    area = PilotArea.objects.select_related("batch").get(pk=area_id)
    verify_open_window(area=area)
    services.recompute_area(area)
    if run_id is not None:
        services.reconcile_area_done(run_id)
        # The last area closes the run; then the night ends with a deep sample, queued once.
        if claim_nightly_deep_sample(run_id):
            enqueue(verify_deep_sample_task, run_id)


@shared_task(**RETRYING)
def verify_deep_sample_task(run_id: int | None = None, size: int | None = None) -> dict:
    """Re-derive a random sample of visits from the raw records (`verify_rollups --deep --sample`); store the result."""
    from .verification import nightly_deep_sample

    return nightly_deep_sample(run_id=run_id, size=size).as_dict()
