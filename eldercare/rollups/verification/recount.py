"""The plain check: an independent recount that proves the roll-ups equal the visits.

It does not read `Visit.is_countable` or any roll-up table to compute: it goes back to visit
status and open exceptions, so a bug in the incremental path cannot hide itself. It trusts the
stored exceptions; the deep check (`deep.py`) does not.
"""

from django.db.models import Count, Q
from django.utils import timezone

from eldercare.areas.models import PilotArea
from eldercare.core.models import RecountRequest
from eldercare.recipients.models import Recipient
from eldercare.visits.models import Visit, VisitStatus
from eldercare.visits.verification import holding_exception_exists

from ..models import AreaProgress, RecipientProgress, RollupRun
from .report import Difference, PendingWork, VerificationResult, pending_work


def _recount_area(area: PilotArea) -> dict[int, int]:
    truly_countable = Visit.objects.filter(area=area, status=VisitStatus.COMPLETED).exclude(holding_exception_exists())
    return dict(
        truly_countable.values("recipient_id")
        .annotate(days=Count("service_date", distinct=True))
        .values_list("recipient_id", "days")
    )


def area_differences(area: PilotArea) -> list[Difference]:
    """Every difference between the area's stored roll-ups and a recount from its visits."""
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
                    recipient_id=recipient_id,
                    area_id=area.pk,
                )
            )
    # Verification writes exceptions and the flag in one transaction: no queued work explains a
    # flag that disagrees with the visit's own exceptions.
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
    counted = sum(recounted.values())
    progress = AreaProgress.objects.filter(area=area).first()
    totals = []
    stored_person_times = progress.person_times_reached if progress else None
    if stored_person_times != person_times and (progress or person_times):
        totals.append(("person-times reached", stored_person_times, person_times))
    stored_counted = progress.counted_visits if progress else None
    if stored_counted != counted and (progress or recounted):
        totals.append(("counted visits", stored_counted, counted))
    if totals:
        # The area's totals are re-totalled after any of its recipients is recounted.
        queued = _area_has_queued_work(area)
        differences += [Difference(code, what, old, new, area_id=area.pk, queued=queued) for what, old, new in totals]
    return differences


def _area_has_queued_work(area: PilotArea) -> bool:
    recipients = Recipient.objects.filter(area=area).values("pk")
    return RecountRequest.objects.filter(
        Q(recipient_id__isnull=True, area_id=area.pk) | Q(recipient_id__in=recipients)
    ).exists()


def verify_recount(*, areas=None) -> VerificationResult:
    """The plain check over these areas (None: all), recorded as a verification run."""
    chosen = list(areas if areas is not None else PilotArea.objects.select_related("region", "batch").order_by("pk"))
    run = RollupRun.objects.create(kind=RollupRun.Kind.VERIFY, started_at=timezone.now(), areas=len(chosen))
    result = VerificationResult(kind="recount", areas=len(chosen), run_id=run.pk)
    for area in chosen:
        differences = area_differences(area)
        # Read the queue after comparing: work queued by then may explain what was just seen.
        result.add(differences, pending_work() if differences else PendingWork())
    run.finished_at = timezone.now()
    run.differences = result.difference_count
    run.note = result.summary()
    run.save(update_fields=["finished_at", "differences", "note"])
    return result


def verify_all(*, areas=None) -> list[Difference]:
    """The differences the plain check finds (the first KEPT_DIFFERENCES), leaving out work still queued."""
    return list(verify_recount(areas=areas).differences)
