"""The provider comparison (服务机构对比): each provider's figures in an area, rewritten with the area.

`rollups.services` calls `provider_stats_refresh` wherever it rewrites an area's roll-ups; the
area dashboard reads the rows through `rollups.selectors.provider_stats_in_area`.
"""

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from eldercare.areas.models import PilotArea
from eldercare.visits.models import ExceptionStatus, VisitException

from .models import ProviderAreaStats, RecipientProgress
from .rules import reached_person_time_q


def progress_by_provider(area_ids: list[int]) -> dict[tuple[int, int | None], dict]:
    """Recipient progress of these areas grouped by (area, the person's provider), in one query.

    The key (area, None) holds the people with no provider yet, which the area's own progress row
    counts (`AreaProgress.recipients_without_provider`); every other key is a provider's row.
    """
    return {
        (row["area_id"], row["recipient__provider_id"]): row
        for row in RecipientProgress.objects.filter(area_id__in=area_ids)
        .values("area_id", "recipient__provider_id")
        .annotate(
            recipients=Count("pk"),
            reached=Count("pk", filter=reached_person_time_q()),  # the batch's threshold (rules.py)
            visits=Sum("completed_visits"),
            counted=Sum("counted_visits"),
            rated=Sum("rated_visits"),
            satisfied=Sum("satisfied_visits"),
        )
    }


@transaction.atomic
def provider_stats_refresh(
    *, area: PilotArea | None = None, areas: list[PilotArea] | None = None, progress: dict | None = None
) -> int:
    """Rewrite the areas' per-provider figures from recipient progress and open exceptions.

    Two grouped queries over roll-up-sized tables (never visits) for any number of areas, then one
    upsert, so it runs with every area recount; returns the row count. Running it twice leaves
    the same rows. `progress`: `progress_by_provider` of these areas, when the caller has it.
    """
    areas = [area] if area is not None else list(areas or [])
    if not areas:
        return 0
    area_ids = [each.pk for each in areas]
    exceptions = {
        (row["area_id"], row["provider_id"]): row["n"]
        for row in VisitException.objects.filter(area_id__in=area_ids, status=ExceptionStatus.OPEN)
        .values("area_id", "provider_id")
        .annotate(n=Count("pk"))
    }
    if progress is None:
        progress = progress_by_provider(area_ids)
    now = timezone.now()
    # Recipients not yet assigned to a provider have no row to count toward.
    keys = sorted(key for key in set(exceptions) | set(progress) if key[1] is not None)
    rows = [
        ProviderAreaStats(
            area_id=area_id,
            provider_id=provider_id,
            recipients=progress.get((area_id, provider_id), {}).get("recipients", 0),
            person_times_reached=progress.get((area_id, provider_id), {}).get("reached", 0),
            visits=progress.get((area_id, provider_id), {}).get("visits") or 0,
            counted_visits=progress.get((area_id, provider_id), {}).get("counted") or 0,
            open_exceptions=exceptions.get((area_id, provider_id), 0),
            rated_visits=progress.get((area_id, provider_id), {}).get("rated") or 0,
            satisfied_visits=progress.get((area_id, provider_id), {}).get("satisfied") or 0,
            computed_at=now,
        )
        for area_id, provider_id in keys
    ]
    kept = Q()
    for area_id, provider_id in keys:
        kept |= Q(area_id=area_id, provider_id=provider_id)
    stale = ProviderAreaStats.objects.filter(area_id__in=area_ids)
    (stale.exclude(kept) if keys else stale).delete()
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
