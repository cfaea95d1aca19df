"""Writes of the dashboards' own roll-up (ProviderAreaStats); called where area roll-ups are rewritten."""

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from eldercare.areas.models import PilotArea
from eldercare.rollups.models import RecipientProgress
from eldercare.visits.models import ExceptionStatus, VisitException

from .models import ProviderAreaStats


@transaction.atomic
def provider_stats_refresh(*, area: PilotArea) -> int:
    """Rewrite the area's per-provider figures from recipient progress and open exceptions.

    Two grouped queries over roll-up-sized tables of one area (never its visits), then one
    upsert, so it runs with every area recount; returns the row count.
    Running it twice leaves the same rows.
    """
    needed = area.batch.visits_per_person_time
    exceptions = dict(
        VisitException.objects.filter(area=area, status=ExceptionStatus.OPEN)
        .values("provider_id")
        .annotate(n=Count("pk"))
        .values_list("provider_id", "n")
    )
    progress = {
        row["recipient__provider_id"]: row
        for row in RecipientProgress.objects.filter(area=area)
        .values("recipient__provider_id")
        .annotate(
            recipients=Count("pk"),
            reached=Count("pk", filter=Q(counted_visits__gte=needed)),
            visits=Sum("completed_visits"),
            counted=Sum("counted_visits"),
            rated=Sum("rated_visits"),
            satisfied=Sum("satisfied_visits"),
        )
    }
    now = timezone.now()
    # Recipients not yet assigned to a provider have no row to count toward.
    provider_ids = sorted((set(exceptions) | set(progress)) - {None})
    rows = [
        ProviderAreaStats(
            area=area,
            provider_id=provider_id,
            recipients=progress.get(provider_id, {}).get("recipients", 0),
            person_times_reached=progress.get(provider_id, {}).get("reached", 0),
            visits=progress.get(provider_id, {}).get("visits") or 0,
            counted_visits=progress.get(provider_id, {}).get("counted") or 0,
            open_exceptions=exceptions.get(provider_id, 0),
            rated_visits=progress.get(provider_id, {}).get("rated") or 0,
            satisfied_visits=progress.get(provider_id, {}).get("satisfied") or 0,
            computed_at=now,
        )
        for provider_id in provider_ids
    ]
    ProviderAreaStats.objects.filter(area=area).exclude(provider_id__in=provider_ids).delete()
    ProviderAreaStats.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["area", "provider"],
        update_fields=[
            "recipients",
            "person_times_reached",
            "visits",
            "counted_visits",
            "open_exceptions",
            "rated_visits",
            "satisfied_visits",
            "computed_at",
        ],
    )
    return len(rows)
