"""Publishing Celery tasks from request paths.

The write that asked for the task is already stored when we publish, so a broker outage must
not fail the caller: the task is logged as missed and the periodic jobs (nightly reconcile,
re-check, export retries) pick the work up.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """Send `task(*args)` to the broker; on failure log it and return False."""
    try:
        task.delay(*args)
    except Exception:  # kombu raises many types for an unreachable broker
        logger.warning("Task %s could not be queued; the periodic jobs will catch up.", task.name)
        return False
    return True


def enqueue_after_commit(task, *args) -> None:
    """Send `task(*args)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args))
