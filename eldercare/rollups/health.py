"""The health check of the nightly reconcile, listed in settings.HEALTH_CHECKS (see eldercare.core.health).

A late reconcile is a warning, not a failure: the recount queue keeps every figure current between
nights (its own check fails when it stalls), and the reconcile is the nightly proof and safety net.
Failing /health/ for it would take working web nodes out of a load balancer for a back-office job
that can be rerun (`manage.py recompute_rollups`). Monitoring alerts on the `warnings` list.
"""

from django.conf import settings
from django.utils import timezone

from eldercare.core.health import OK, WARNING, needs_database

from .models import RollupRun


@needs_database
def check_last_reconcile() -> dict:
    """The age of the last finished nightly reconcile: a warning past HEALTH_RECONCILE_STALE_HOURS or never run."""
    last = (
        RollupRun.objects.filter(kind=RollupRun.Kind.RECONCILE, finished_at__isnull=False)
        .order_by("-finished_at")
        .values("finished_at", "areas", "differences")
        .first()
    )
    stale_after = settings.HEALTH_RECONCILE_STALE_HOURS * 3600
    if last is None:
        return {"status": WARNING, "detail": "no reconcile has finished yet", "stale_after_seconds": stale_after}
    age = (timezone.now() - last["finished_at"]).total_seconds()
    # The nightly deep sample writes its differences onto the run: a sign that verification drifted.
    differences = last["differences"]
    stale = age > stale_after
    return {
        "status": WARNING if stale or differences else OK,
        "finished_at": last["finished_at"].isoformat(),
        "age_seconds": round(age),
        "stale_after_seconds": stale_after,
        "stale": stale,
        "areas": last["areas"],
        "deep_sample_differences": differences,
    }
