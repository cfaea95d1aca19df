"""Reads of batches and pilot areas that several apps share."""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db.models import Min, QuerySet

from .models import Batch

Item = TypeVar("Item")


def newest_started(items: Sequence[Item], today: dt.date, started: Callable[[Item], dt.date | None]) -> Item | None:
    """The current one of `items` (newest first): the newest whose cycle has started by `today`, else the newest.

    A batch just announced, its funds not yet arrived, is not yet where the work is; the dashboards'
    default batch and area and the progress API's default batch all follow this rule.
    """
    return next((item for item in items if started(item) is not None and started(item) <= today), None) or (
        items[0] if items else None
    )


def batches_newest_first(batches: QuerySet | None = None) -> QuerySet:
    """Batches, newest first, with `first_cycle_start`: the earliest cycle start of their pilot areas."""
    batches = Batch.objects.all() if batches is None else batches
    return batches.annotate(first_cycle_start=Min("areas__cycle_start")).order_by("-year")


def current_batch(today: dt.date) -> Batch | None:
    """The batch the work is in on `today` (`newest_started` over every batch)."""
    return newest_started(list(batches_newest_first()), today, lambda batch: batch.first_cycle_start)
