"""Publishing Celery tasks from request paths.

The write that asked for the task is already stored when we publish, so a broker outage must
not fail or stall the caller: a publish is tried once, without Celery's retries, and after a
failure publishing is skipped for `BROKER_BACKOFF_SECONDS` (the broker is known to be down, and
trying again would cost every request the connection timeout). Work that must not be lost is
never carried by the message alone: roll-up work lives in the durable recount queue
(`core.RecountRequest`) that the beat tick drains whatever happened to the message.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# After a failed publish, requests stop trying for this long; the periodic jobs catch up.
BROKER_BACKOFF_SECONDS = 10.0
# Per process: until when (time.monotonic()) publishing is skipped. A race between threads only
# costs one more attempt.
_skip_publishing_until = 0.0


def enqueue(task, *args) -> bool:
    """Send `task(*args)` to the broker once; on failure log it and return False (never raise)."""
    global _skip_publishing_until
    if _skip_publishing_until > time.monotonic():
        return False
    try:
        task.apply_async(args, retry=False)
    except Exception:  # kombu raises many types for an unreachable broker
        _skip_publishing_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning("Task %s could not be queued; the periodic jobs will catch up.", task.name)
        return False
    return True


def enqueue_after_commit(task, *args) -> None:
    """Send `task(*args)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args))


# Set while a drain task waits in the broker: the writes meanwhile need no message of their own (the
# waiting drain will see their work), so a burst of uploads queues one drain, not one per upload.
# It lapses after one beat tick, so a lost message never silences the wake-ups for longer. The mark
# lives in the cache, so this needs a cache every process shares (settings.RECOUNT_WAKE_COALESCING).
DRAIN_WAITING_KEY = "recount-drain-waiting"


def wake_recount_drain() -> bool:
    """Ask a worker to drain the recount queue now, unless a drain is already waiting to start.

    The beat tick drains it anyway if this is lost. The task is named in settings
    (`RECOUNT_DRAIN_TASK`) because `core` imports no domain app.
    """
    coalescing = settings.RECOUNT_WAKE_COALESCING
    if coalescing and not cache.add(DRAIN_WAITING_KEY, 1, timeout=settings.RECOUNT_QUEUE_TICK_SECONDS):
        return False
    if enqueue(import_string(settings.RECOUNT_DRAIN_TASK)):
        return True
    cache.delete(DRAIN_WAITING_KEY)
    return False


def recount_drain_started() -> None:
    """A drain has started: work queued from now on needs a new wake-up (the next write sends it)."""
    cache.delete(DRAIN_WAITING_KEY)
