"""The deep check (`verify_rollups --deep`): re-derive every finding from the raw records and compare.

The plain check trusts the stored exceptions. A change made behind the services' back (raw SQL on
a recipient, a lost re-check, an exception row edited by hand) leaves them wrong, and the plain
check agrees with them. Here the rules run again on the raw inputs (`derive_findings`: recipient,
assessments, area, batch, visit, the caregiver's other visits), never reading a stored exception to
decide what applies, and then, visit by visit:

1. each derived finding has a stored exception of its type that is open, acknowledged or accepted
   (else "missing exception");
2. each open or acknowledged exception is still derived (else "stale exception"). An accepted one
   that no longer applies is left alone, as `verify_visits` leaves it: the reviewer's decision
   stays on record and holds nothing back;
3. no exception of a blocking type is accepted (a rule no reviewer may waive; only a hand-edited
   row can say so);
4. the countable flag is what the findings and the reviews say: completed, no blocking finding,
   and each warning found has an accepted exception;

and recipient by recipient: 5. the counted days, recounted from those expected flags, equal
`RecipientProgress.counted_visits`.

Work goes by groups of recipients (so a recipient's days are complete when compared), and inside a
group by chunks of visits in day order (the overlap search costs one query per day of a chunk).
Memory stays flat: one group's days, and the first differences.
"""

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, Max, Min
from django.utils import timezone

from eldercare.areas.models import PilotArea
from eldercare.recipients.models import Recipient
from eldercare.visits.models import (
    EXCEPTION_SEVERITY,
    HOLDING_STATUSES,
    ExceptionStatus,
    Severity,
    Visit,
    VisitException,
    VisitStatus,
)
from eldercare.visits.verification import VERIFY_CHUNK, derive_findings

from ..models import RecipientProgress, RollupRun
from .report import Difference, PendingWork, VerificationResult, pending_work

# Recipients compared per group: at about 30 visits each, 5,000 recipients put some 400 visits on
# a day, so a chunk of VISIT_CHUNK visits spans about 5 days (5 overlap queries). Memory: the
# group's visit ids and counted days, a few MB.
RECIPIENT_GROUP = 5000
# Visits derived per round: about 10 queries (load, assessments, stored exceptions, overlaps).
VISIT_CHUNK = VERIFY_CHUNK
# Candidate ids looked up per query when drawing a sample.
SAMPLE_LOOKUP = 2000
# Below this share of ids in use, drawing random ids wastes queries: read the ids instead (only
# with --area, whose visits are a fraction of the id range).
DENSE_IDS = 0.2
# Exception states that stand for a finding; cleared and voided ones no longer do.
STANDING_STATUSES = (*HOLDING_STATUSES, ExceptionStatus.ACCEPTED)


def sample_visit_ids(size: int, *, seed: int, area_ids: list[int] | None = None) -> list[int]:
    """`size` visits drawn at random, the same ones for the same seed and data (all when fewer)."""
    visits = Visit.objects.all() if area_ids is None else Visit.objects.filter(area_id__in=area_ids)
    bounds = visits.aggregate(low=Min("pk"), high=Max("pk"), count=Count("pk"))
    if bounds["count"] <= size:
        return list(visits.order_by("pk").values_list("pk", flat=True))
    rng = random.Random(seed)
    span = bounds["high"] - bounds["low"] + 1
    density = bounds["count"] / span
    if density < DENSE_IDS:
        return sorted(rng.sample(list(visits.order_by("pk").values_list("pk", flat=True)), size))
    # Visits are never deleted, so ids are dense: draw ids, keep those that exist, in draw order.
    chosen: dict[int, None] = {}
    while len(chosen) < size:
        wanted = size - len(chosen)
        draws = [rng.randrange(bounds["low"], bounds["high"] + 1) for _ in range(int(wanted / density) + 16)]
        draws = [pk for pk in dict.fromkeys(draws) if pk not in chosen]
        for start in range(0, len(draws), SAMPLE_LOOKUP):
            block = draws[start : start + SAMPLE_LOOKUP]
            existing = set(visits.filter(pk__in=block).values_list("pk", flat=True))
            chosen.update((pk, None) for pk in block if pk in existing and len(chosen) < size)
    return sorted(chosen)


def _recipient_groups(*, area_ids: list[int] | None, recipient_ids: list[int] | None) -> Iterator[list[int]]:
    if recipient_ids is not None:
        for start in range(0, len(recipient_ids), RECIPIENT_GROUP):
            yield recipient_ids[start : start + RECIPIENT_GROUP]
        return
    recipients = Recipient.objects.order_by("pk")
    if area_ids is not None:
        recipients = recipients.filter(area_id__in=area_ids)
    last = 0
    while ids := list(recipients.filter(pk__gt=last).values_list("pk", flat=True)[:RECIPIENT_GROUP]):
        yield ids
        last = ids[-1]


def _load(visit_ids: list[int]) -> list[Visit]:
    # `derive_findings` reads the area, its batch and the recipient's area; the region names the area.
    return list(
        Visit.objects.filter(pk__in=visit_ids)
        .select_related("area__batch", "area__region", "recipient__area__batch")
        .order_by("service_date", "pk")
    )


def _compare_visits(visits: list[Visit], *, now: dt.datetime) -> tuple[dict[int, bool], list[Difference]]:
    """Steps 1–4 for one chunk; returns each visit's expected countable flag and the differences."""
    derived, _outside = derive_findings(visits, now=now)  # partners outside are checked in their own chunk
    stored: dict[int, dict[str, str]] = defaultdict(dict)
    rows = VisitException.objects.filter(visit_id__in=[visit.pk for visit in visits])
    for visit_id, exception_type, status in rows.values_list("visit_id", "type", "status"):
        stored[visit_id][exception_type] = status
    expected: dict[int, bool] = {}
    differences: list[Difference] = []
    for visit in visits:
        found, have = derived[visit.pk], stored[visit.pk]

        def differ(what, was, should, visit=visit):
            differences.append(
                Difference(
                    visit.area.region.code,
                    f"visit {visit.pk} {what}",
                    was,
                    should,
                    recipient_id=visit.recipient_id,
                    area_id=visit.area_id,
                )
            )

        for exception_type in sorted(found):
            if have.get(exception_type) not in STANDING_STATUSES:
                differ(f"missing exception {exception_type}", have.get(exception_type, "none"), "derived")
        for exception_type, status in sorted(have.items()):
            if status in HOLDING_STATUSES and exception_type not in found:
                differ(f"stale exception {exception_type}", status, "not derived")
            if status == ExceptionStatus.ACCEPTED and EXCEPTION_SEVERITY.get(exception_type) == Severity.BLOCKING:
                differ(f"blocking exception {exception_type} accepted", status, "never accepted")
        # Counts when completed and every finding is a warning a reviewer accepted.
        waived = all(
            EXCEPTION_SEVERITY[kind] == Severity.WARNING and have.get(kind) == ExceptionStatus.ACCEPTED
            for kind in found
        )
        expected[visit.pk] = visit.status == VisitStatus.COMPLETED and waived
        if expected[visit.pk] != visit.is_countable:
            differ("countable flag", visit.is_countable, expected[visit.pk])
    return expected, differences


def _check_group(recipient_ids: list[int], result: VerificationResult, *, now: dt.datetime) -> None:
    """Steps 1–5 for a group of recipients and every one of their visits."""
    visit_ids = list(
        Visit.objects.filter(recipient_id__in=recipient_ids).order_by("service_date", "pk").values_list("pk", flat=True)
    )
    # Counted days per person and the area each visit is filed in (a person has a row per area served).
    days: dict[tuple[int, int], set[dt.date]] = defaultdict(set)
    differences: list[Difference] = []
    for start in range(0, len(visit_ids), VISIT_CHUNK):
        visits = _load(visit_ids[start : start + VISIT_CHUNK])
        expected, found = _compare_visits(visits, now=now)
        differences += found
        for visit in visits:
            if expected[visit.pk]:
                days[visit.recipient_id, visit.area_id].add(visit.service_date)
    stored = {
        (recipient_id, area_id): counted
        for recipient_id, area_id, counted in RecipientProgress.objects.filter(
            recipient_id__in=recipient_ids
        ).values_list("recipient_id", "area_id", "counted_visits")
    }
    codes = dict(PilotArea.objects.values_list("pk", "region__code"))
    for recipient_id, area_id in sorted(set(stored) | set(days)):
        recounted = len(days.get((recipient_id, area_id), ()))
        if stored.get((recipient_id, area_id), 0) != recounted:
            differences.append(
                Difference(
                    codes.get(area_id, ""),
                    f"recipient {recipient_id} counted visits (from derived flags)",
                    stored.get((recipient_id, area_id)),
                    recounted,
                    recipient_id=recipient_id,
                    area_id=area_id,
                )
            )
    result.visits_checked += len(visit_ids)
    result.recipients_checked += len(recipient_ids)
    # Read the queue after comparing: work queued by then may explain what was just seen.
    result.add(differences, pending_work() if differences else PendingWork())


def verify_deep(
    *, areas: list[PilotArea] | None = None, sample: int | None = None, seed: int = 0, now: dt.datetime | None = None
) -> VerificationResult:
    """Re-derive the visits of these areas (None: all), or a random sample of them, and compare.

    With a sample, every visit of the sampled visits' recipients is checked as well: their counted
    days can only be recounted from all of their visits. Recorded as a verification run.
    """
    now = now or timezone.now()
    area_ids = None if areas is None else [area.pk for area in areas]
    area_count = len(area_ids) if area_ids is not None else PilotArea.objects.count()
    run = RollupRun.objects.create(kind=RollupRun.Kind.VERIFY, started_at=timezone.now(), areas=area_count)
    result = VerificationResult(kind="deep", areas=area_count, sample=sample, seed=seed, run_id=run.pk)
    recipient_ids = None
    if sample is not None:
        drawn = sample_visit_ids(sample, seed=seed, area_ids=area_ids)
        recipients: set[int] = set()
        for start in range(0, len(drawn), SAMPLE_LOOKUP):
            block = drawn[start : start + SAMPLE_LOOKUP]
            recipients.update(Visit.objects.filter(pk__in=block).values_list("recipient_id", flat=True))
        recipient_ids = sorted(recipients)
        result.sample = len(drawn)
    for group in _recipient_groups(area_ids=area_ids, recipient_ids=recipient_ids):
        _check_group(group, result, now=now)
    run.finished_at = timezone.now()
    run.differences = result.difference_count
    run.note = result.summary()
    run.save(update_fields=["finished_at", "differences", "note"])
    return result
