"""Thin Celery tasks for exports: they take ids, call one service and own only retries.

`run_export_task` is idempotent: the service claims the job with a conditional update, so a
second delivery of a finished or running job writes nothing.
"""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def run_export_task(job_id: int) -> str:
    return services.export_run(job_id).status


@shared_task(acks_late=True)
def purge_expired_exports_task() -> int:
    """Daily: remove export files kept longer than EXPORT_RETENTION_DAYS."""
    return services.exports_purge_expired()
