"""Reads of the shared pieces: the recount queue's depth and age (admin, verify_rollups, health)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min
from django.utils import timezone

from .models import RecountRequest


@dataclass(frozen=True)
class QueueStatus:
    depth: int
    oldest: dt.datetime | None

    @property
    def oldest_age_seconds(self) -> float | None:
        return (timezone.now() - self.oldest).total_seconds() if self.oldest else None


def recount_queue_status() -> QueueStatus:
    """How many rows wait in the recount queue and when the oldest was written (one query)."""
    figures = RecountRequest.objects.aggregate(depth=Count("pk"), oldest=Min("enqueued_at"))
    return QueueStatus(depth=figures["depth"], oldest=figures["oldest"])
