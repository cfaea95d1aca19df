"""Re-running verification on every visit (`recompute_rollups --reverify`).

After a change made behind the services' back (raw SQL, a restore, a rule fixed in code), the
stored exceptions and countable flags are re-derived from the raw records, area by area, before
the roll-ups are recounted from them.
"""

import datetime as dt
from collections.abc import Callable, Iterable

from eldercare.areas.models import PilotArea
from eldercare.visits.models import Visit
from eldercare.visits.verification import verify_visits

# Visit ids handed to `verify_visits` at once: it works through them a round (VERIFY_ROUND) at a
# time, so this only bounds the ids held in memory.
REVERIFY_BLOCK = 20000


def reverify_visits(
    *, areas: Iterable[PilotArea], progress: Callable[[int], object] | None = None, now: dt.datetime | None = None
) -> int:
    """Verify every visit of these areas again (`verify_visits`); return how many were checked.

    `progress(n)` is called after each block of n visits. Overlap partners in other areas are
    checked with their partner, as `verify_visits` always does.
    """
    checked = 0
    for area in areas:
        visits = Visit.objects.filter(area=area).order_by("pk").values_list("pk", flat=True)
        last = 0
        while block := list(visits.filter(pk__gt=last)[:REVERIFY_BLOCK]):
            verify_visits(block, now=now)
            checked += len(block)
            last = block[-1]
            if progress:
                progress(len(block))
    return checked
