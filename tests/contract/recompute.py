"""A from-scratch recompute to compare the stored checks and figures against.

`differences_from_recompute()` drains the recount queue, then lists every way the stored state
differs from what the raw records say:

1. the deep check (`verify_rollups --deep`, `eldercare.rollups.verification.verify_deep`): the
   rules re-run on every visit's raw inputs (recipient, assessments, area, batch, visit), compared
   with the stored exceptions, the countable flags and each recipient's counted days;
2. the plain check (`verify_rollups`, `verify_all`), which must find nothing either;
3. what neither check looks at: every standing exception filed under its visit's area and provider
   (the provider comparison counts open exceptions by them), the roll-up tables against a full
   `recompute_all()` run in a savepoint that is rolled back, and the figures that need no roll-up
   machinery at all, counted here by the rules of DOMAIN.md from re-derived countable flags:
   counted days per recipient, person-times, beds accepted in the cycle, funds allocated and
   disbursed, targets and head counts.

`outcome()` is what users see: per visit its status, countable flag and holding exceptions, the
roll-up tables and the dashboard's headline figures; a write that changes an input must change it.
"""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from eldercare.areas.models import Disbursement, FundAllocation, PilotArea
from eldercare.beds.models import FamilyCareBed
from eldercare.core.models import RecountRequest
from eldercare.dashboards.selectors import area_rows
from eldercare.recipients.models import Recipient
from eldercare.rollups.models import AreaProgress, BatchProgress, ProviderAreaStats, RecipientProgress
from eldercare.rollups.queue import drain_recount_queue
from eldercare.rollups.recount_sql import COMPARED_COLUMNS
from eldercare.rollups.services import recompute_all
from eldercare.rollups.verification import verify_all, verify_deep
from eldercare.visits.models import (
    EXCEPTION_SEVERITY,
    HOLDING_STATUSES,
    ExceptionStatus,
    Satisfaction,
    Severity,
    Visit,
    VisitException,
    VisitStatus,
)
from eldercare.visits.verification import derive_findings
from eldercare.visits.verification.checks import visits_for_checking

# Exceptions that still say something about the visit; cleared and voided ones are history.
STANDING_STATUSES = (ExceptionStatus.OPEN, ExceptionStatus.ACKNOWLEDGED, ExceptionStatus.ACCEPTED)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED)


class _RolledBack(Exception):
    pass


def derived_countable(*, now: dt.datetime | None = None) -> tuple[dict[int, bool], list[str]]:
    """Whether each visit should be countable by the rules (for the figures counted here), and every
    standing exception filed under another area or provider than its visit's."""
    now = now or timezone.now()
    visits = list(visits_for_checking(Visit.objects.values_list("pk", flat=True)))
    derived, outside = derive_findings(visits, now=now)
    assert not outside, f"overlap partners outside every visit: {outside}"
    standing: dict[int, dict[str, VisitException]] = defaultdict(dict)
    for exception in VisitException.objects.filter(status__in=STANDING_STATUSES):
        standing[exception.visit_id][exception.type] = exception
    countable: dict[int, bool] = {}
    problems: list[str] = []
    for visit in visits:
        stored = standing[visit.pk]
        for exception in stored.values():
            if (exception.area_id, exception.provider_id) != (visit.area_id, visit.provider_id):
                problems.append(
                    f"visit #{visit.pk}: its {exception.type} exception is filed under area {exception.area_id} "
                    f"and provider {exception.provider_id}, the visit is in area {visit.area_id} "
                    f"with provider {visit.provider_id}"
                )
        # Completed, and every finding a warning that a reviewer accepted.
        countable[visit.pk] = visit.status == VisitStatus.COMPLETED and all(
            EXCEPTION_SEVERITY[kind] == Severity.WARNING
            and kind in stored
            and stored[kind].status == ExceptionStatus.ACCEPTED
            for kind in derived[visit.pk]
        )
    return countable, problems


def rollup_tables() -> dict:
    """The stored roll-ups, without their computed-at times."""
    return {
        "recipients": {
            row["recipient_id"]: tuple(row[column] for column in COMPARED_COLUMNS)
            for row in RecipientProgress.objects.values("recipient_id", *COMPARED_COLUMNS)
        },
        "areas": {row.area_id: row.figures() for row in AreaProgress.objects.all()},
        "batches": {row.batch_id: row.figures() for row in BatchProgress.objects.all()},
        "providers": {
            (row["area_id"], row["provider_id"]): row
            for row in ProviderAreaStats.objects.values(
                "area_id",
                "provider_id",
                "recipients",
                "person_times_reached",
                "visits",
                "counted_visits",
                "open_exceptions",
                "rated_visits",
                "satisfied_visits",
            )
        },
    }


def recomputed_tables() -> dict:
    """The roll-ups as a full recompute writes them; the recompute itself is rolled back."""
    try:
        with transaction.atomic():
            recompute_all()
            tables = rollup_tables()
            raise _RolledBack
    except _RolledBack:
        pass
    return tables


def _table_differences(stored: dict, fresh: dict) -> list[str]:
    problems = []
    for table in stored:
        for key in sorted(set(stored[table]) | set(fresh[table]), key=str):
            if stored[table].get(key) != fresh[table].get(key):
                problems.append(f"{table} {key}: stored {stored[table].get(key)}, recomputed {fresh[table].get(key)}")
    return problems


def independent_figures(countable: dict[int, bool], *, today: dt.date) -> dict[int, dict]:
    """The simple figures of each area, counted from the records by the rules of DOMAIN.md."""
    counted_days: dict[int, set] = defaultdict(set)
    rated: Counter = Counter()
    satisfied: Counter = Counter()
    for pk, recipient_id, day, status, satisfaction in Visit.objects.values_list(
        "pk", "recipient_id", "service_date", "status", "satisfaction"
    ):
        if countable[pk]:
            counted_days[recipient_id].add(day)  # at most one visit a recipient a day counts
        if status == VisitStatus.COMPLETED and satisfaction:
            rated[recipient_id] += 1
            satisfied[recipient_id] += satisfaction in SATISFIED
    figures = {}
    for area in PilotArea.objects.select_related("batch"):
        people = list(Recipient.objects.filter(area=area).values_list("pk", flat=True))
        counts = [len(counted_days[pk]) for pk in people]
        beds = FamilyCareBed.objects.filter(area=area, accepted_on__isnull=False, accepted_on__lte=today)
        in_cycle = (
            sum(1 for day in beds.values_list("accepted_on", flat=True) if area.cycle_contains(day))
            if area.cycle_start
            else 0
        )
        figures[area.pk] = {
            "recipients": len(people),
            "counted_visits": sum(counts),
            "person_times_reached": sum(1 for n in counts if n >= area.batch.visits_per_person_time),
            "rated_visits": sum(rated[pk] for pk in people),
            "satisfied_visits": sum(satisfied[pk] for pk in people),
            "beds_accepted": in_cycle,
            "target_beds": area.target_beds,
            "target_person_times": area.target_person_times,
            "funds_allocated": FundAllocation.objects.filter(area=area).aggregate(s=Sum("amount"))["s"] or Decimal(0),
            "funds_disbursed": Disbursement.objects.filter(area=area, paid_on__lte=today).aggregate(s=Sum("amount"))[
                "s"
            ]
            or Decimal(0),
        }
        figures[area.pk]["per_recipient"] = {pk: len(counted_days[pk]) for pk in people}
    return figures


def _figure_differences(countable: dict[int, bool], *, today: dt.date) -> list[str]:
    problems = []
    stored_areas = {row.area_id: row for row in AreaProgress.objects.all()}
    stored_people = dict(RecipientProgress.objects.values_list("recipient_id", "counted_visits"))
    for area_id, expected in independent_figures(countable, today=today).items():
        per_recipient = expected.pop("per_recipient")
        for recipient_id, days in per_recipient.items():
            if stored_people.get(recipient_id, 0) != days:
                problems.append(
                    f"recipient {recipient_id}: {stored_people.get(recipient_id)} counted visits stored, "
                    f"{days} counted days by the rules"
                )
        row = stored_areas.get(area_id)
        for name, value in expected.items():
            stored = getattr(row, name) if row else None
            if stored != value:
                problems.append(f"area {area_id} {name}: stored {stored}, counted from the records {value}")
    return problems


def differences_from_recompute() -> list[str]:
    """Drain the recount queue, then every difference between what is stored and a recompute from scratch."""
    drain_recount_queue(seconds=None)
    problems = [f"{RecountRequest.objects.count()} recount request(s) left after a drain"]
    if not RecountRequest.objects.exists():
        problems = []
    deep = verify_deep()
    problems += [f"verify_rollups --deep: {difference}" for difference in deep.differences]
    problems += [f"verify_rollups --deep, pending: {difference}" for difference in deep.pending]
    problems += [f"verify_rollups: {difference}" for difference in verify_all()]
    countable, filing_problems = derived_countable()
    problems += filing_problems
    problems += _table_differences(rollup_tables(), recomputed_tables())
    problems += _figure_differences(countable, today=timezone.localdate())
    return problems


def assert_matches_recompute() -> None:
    problems = differences_from_recompute()
    assert not problems, "the stored state differs from a recompute from scratch:\n" + "\n".join(problems)


def outcome() -> dict:
    """What users see: each visit's status, countable flag and holding exceptions; roll-ups; dashboard headlines."""
    holding: dict[int, set] = defaultdict(set)
    for visit_id, kind in VisitException.objects.filter(status__in=HOLDING_STATUSES).values_list("visit_id", "type"):
        holding[visit_id].add(kind)
    visits = {
        pk: (status, countable, frozenset(holding[pk]))
        for pk, status, countable in Visit.objects.values_list("pk", "status", "is_countable")
    }
    dashboard = {
        row.area.pk: {key: (line.value, line.target, line.band) for key, line in row.headline.items()}
        for row in area_rows(PilotArea.objects.all(), today=timezone.localdate())
    }
    return {"visits": visits, **rollup_tables(), "dashboard": dashboard}


def changed_parts(before: dict, after: dict) -> list[str]:
    """The parts of the outcome that differ, to name in a failure."""
    return [part for part in before if before[part] != after[part]]
