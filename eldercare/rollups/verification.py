"""An independent recount that proves the roll-ups equal the visits (`manage.py verify_rollups`).

It does not read `Visit.is_countable` or any roll-up table to compute: it goes back to visit
status and open exceptions, so a bug in the incremental path cannot hide itself.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from eldercare.areas.models import PilotArea
from eldercare.visits.models import Visit, VisitStatus
from eldercare.visits.verification import holding_exception_exists

from .models import AreaProgress, RecipientProgress, RollupRun


@dataclass(frozen=True)
class Difference:
    area_code: str
    what: str
    stored: object
    recounted: object

    def __str__(self) -> str:
        return f"{self.area_code} {self.what}: stored {self.stored}, recounted {self.recounted}"


def _recount_area(area: PilotArea) -> dict[int, int]:
    truly_countable = Visit.objects.filter(area=area, status=VisitStatus.COMPLETED).exclude(holding_exception_exists())
    return dict(
        truly_countable.values("recipient_id")
        .annotate(days=Count("service_date", distinct=True))
        .values_list("recipient_id", "days")
    )


def area_differences(area: PilotArea) -> list[Difference]:
    code = area.region.code
    recounted = _recount_area(area)
    stored = dict(RecipientProgress.objects.filter(area=area).values_list("recipient_id", "counted_visits"))
    differences = []
    for recipient_id in sorted(set(recounted) | {pk for pk, n in stored.items() if n}):
        if stored.get(recipient_id, 0) != recounted.get(recipient_id, 0):
            differences.append(
                Difference(
                    code,
                    f"recipient {recipient_id} counted visits",
                    stored.get(recipient_id),
                    recounted.get(recipient_id, 0),
                )
            )
    flagged_wrong = (
        Visit.objects.filter(area=area)
        .filter(
            Q(is_countable=True) & (Q(status=VisitStatus.VOIDED) | holding_exception_exists())
            | Q(is_countable=False, status=VisitStatus.COMPLETED) & ~holding_exception_exists()
        )
        .count()
    )
    if flagged_wrong:
        differences.append(Difference(code, "visits with a stale countable flag", flagged_wrong, 0))
    needed = area.batch.visits_per_person_time
    person_times = sum(1 for days in recounted.values() if days >= needed)
    progress = AreaProgress.objects.filter(area=area).first()
    stored_person_times = progress.person_times_reached if progress else None
    if stored_person_times != person_times and (progress or person_times):
        differences.append(Difference(code, "person-times reached", stored_person_times, person_times))
    stored_counted = progress.counted_visits if progress else None
    if stored_counted != sum(recounted.values()) and (progress or recounted):
        differences.append(Difference(code, "counted visits", stored_counted, sum(recounted.values())))
    return differences


def verify_all(*, areas=None) -> list[Difference]:
    chosen = list(areas if areas is not None else PilotArea.objects.select_related("region", "batch").order_by("pk"))
    run = RollupRun.objects.create(kind=RollupRun.Kind.VERIFY, started_at=timezone.now(), areas=len(chosen))
    differences = [difference for area in chosen for difference in area_differences(area)]
    run.finished_at = timezone.now()
    run.differences = len(differences)
    run.save(update_fields=["finished_at", "differences"])
    return differences
