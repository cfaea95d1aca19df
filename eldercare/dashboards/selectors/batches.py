"""Which batch (批次) a dashboard shows: `?batch=<year or id>`, or the current one.

Batches accumulate year after year and a district can be a pilot area again in a later batch, so a
dashboard shows one batch at a time. The batches offered are those with a pilot area the user may
see; without a choice, the current one: the latest whose first cycle has started by today (a batch
just announced, its funds not yet arrived, is not yet where the work is), else the latest. A value
that names no batch is a clear refusal, never another batch's figures under the wrong heading.

One query for the offer, whatever the number of areas; a page that shows one batch reads it here.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from eldercare.areas.models import Batch, PilotArea
from eldercare.areas.selectors import batches_newest_first, newest_started

MAX_YEAR = 32767  # Batch.year is a small integer: a larger number can only be an id


@dataclass
class BatchChoice:
    """The batch a page shows, the batches it offers (newest first), and why it shows none."""

    batch: Batch | None
    offered: list[Batch] = field(default_factory=list)
    error: str = ""

    @property
    def year(self) -> int | None:
        return self.batch.year if self.batch else None


def _asked(raw: str | None) -> str:
    return (raw or "").strip()


def _named(raw: str, batches: list) -> object | None:
    """The batch (or area) whose batch `raw` names: a year first, else a batch id."""
    if not raw.isdigit():
        return None
    number = int(raw)
    by_year = [item for item in batches if _batch_of(item).year == number]
    if by_year:
        return by_year[0]
    by_id = [item for item in batches if _batch_of(item).pk == number]
    return by_id[0] if by_id else None


def _batch_of(item) -> Batch:
    return item.batch if isinstance(item, PilotArea) else item


def unknown_batch_message(raw: str) -> str:
    return _("There is no batch “%(value)s”. Choose one of the batches offered (by year, such as 2023).") % {
        "value": raw
    }


def choose_batch(areas: QuerySet, raw: str | None, *, today: dt.date) -> BatchChoice:
    """The batch of `?batch=raw` among those of `areas` (the pilot areas a page may show).

    A batch that exists but has none of these areas is shown (empty) and offered; one that does not
    exist is refused with a message. One query, two for a batch outside the offer.
    """
    offered = list(batches_newest_first(Batch.objects.filter(areas__in=areas.values("pk"))))
    raw = _asked(raw)
    if not raw:
        return BatchChoice(newest_started(offered, today, lambda batch: batch.first_cycle_start), offered)
    batch = _named(raw, offered)
    if batch is None and raw.isdigit() and len(raw) <= 9:  # an id beyond 32 bits names nothing
        number = int(raw)
        named = Q(pk=number) | (Q(year=number) if number <= MAX_YEAR else Q())
        candidates = list(Batch.objects.filter(named))
        batch = next((item for item in candidates if item.year == number), None) or next(iter(candidates), None)
        if batch is not None:
            offered = sorted([*offered, batch], key=lambda item: -item.year)
    if batch is None:
        return BatchChoice(None, offered, unknown_batch_message(raw))
    return BatchChoice(batch, offered)


@dataclass
class AreaChoice:
    """One district's pilot area in the batch a page shows, and its areas of every batch (newest first)."""

    area: PilotArea | None
    areas: list[PilotArea] = field(default_factory=list)
    error: str = ""

    @property
    def offered(self) -> list[Batch]:
        return [area.batch for area in self.areas]


def choose_area(areas: QuerySet, raw: str | None, *, today: dt.date) -> AreaChoice:
    """The pilot area among `areas` (one region's, of every batch) of `?batch=raw`; one query.

    Without a choice, the current one (the newest whose cycle has started, else the newest). A batch
    in which the region was no pilot area is refused with a message naming the batches it was in.
    """
    found = list(areas.select_related("region", "batch", "progress").order_by("-batch__year"))
    raw = _asked(raw)
    if not found:
        return AreaChoice(None)
    if not raw:
        return AreaChoice(newest_started(found, today, lambda area: area.cycle_start), found)
    area = _named(raw, found)
    if area is None:
        years = "、".join(str(item.batch.year) for item in found)
        return AreaChoice(
            None,
            found,
            _("%(area)s is not a pilot area of batch “%(value)s”; it is one of the batches %(years)s.")
            % {"area": found[0].region, "value": raw, "years": years},
        )
    return AreaChoice(area, found)
