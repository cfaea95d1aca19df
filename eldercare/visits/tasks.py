from celery import shared_task

from eldercare.rollups.tasks import RETRYING


@shared_task(**RETRYING)
def recheck_area_task(area_id: int) -> None:
    """Re-check every visit of an area (its cycle changed), then recompute its roll-ups."""
    from eldercare.areas.models import PilotArea
    from eldercare.rollups.services import recompute_area

    from .models import Visit
    from .verification import verify_visits

    verify_visits(list(Visit.objects.filter(area_id=area_id).values_list("pk", flat=True)))
    recompute_area(PilotArea.objects.select_related("batch").get(pk=area_id))


@shared_task(**RETRYING)
def verify_visits_task(visit_ids: list[int]) -> int:
    """Verify uploaded visits, then recount the recipients they touch; safe to run twice."""
    from eldercare.rollups.services import recount_recipients

    from .verification import verify_visits

    touched = verify_visits(visit_ids)
    if touched:
        recount_recipients(sorted(touched))
    return len(touched)
