"""Weekly daily-snapshots for the demo world's past, so trends and as-of reports have points to show.

A live system writes one `AreaDailySnapshot` per area each night; a world invented in one go has
only today's (written by the recompute). This fills in one a week from each cycle's start (and the
last day of a finished cycle) with the figures as they stood at the end of that day, derived from
the same stored verification (`Visit.is_countable`) and the rules' Python forms: distinct counted
days per recipient entered by then (`reached_person_time`, `band_of`, `pace_at_risk`), beds by
`bed_counts_toward_target` as of the day, payments made by then. The same function for today gives
the recompute's own snapshot (tests/demo/test_snapshots.py holds it to that).
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from eldercare.areas.models import Disbursement, FundAllocation, PilotArea
from eldercare.beds.models import FamilyCareBed
from eldercare.beds.rules import bed_counts_toward_target
from eldercare.recipients.models import Enrolment, Recipient
from eldercare.rollups.models import AreaDailySnapshot, ProgressFigures
from eldercare.rollups.recount_sql import SATISFIED
from eldercare.rollups.rules import BAND_FIELDS, NO_VISIT_BAND, REACHED, band_of, pace_at_risk
from eldercare.visits.models import Visit, VisitStatus
from eldercare.visits.verification import countable_visits

from .base import BATCH_SIZE

# A point a week while the cycle runs; a finished cycle's year needs only one a fortnight.
STEP = dt.timedelta(days=7)
FINISHED_STEP = dt.timedelta(days=14)


class _AreaFacts:
    """Everything an area's past figures are made of, loaded once for all the days."""

    def __init__(self):
        self.recipients: list[int] = []
        self.counted: dict[int, list[tuple[dt.date, dt.datetime]]] = defaultdict(list)  # recipient -> (day, entered)
        self.rated: list[tuple[dt.date, dt.datetime, bool]] = []
        self.accepted: list[dt.date | None] = []
        self.payments: list[tuple[dt.date, Decimal]] = []
        self.allocated = Decimal(0)


def _facts(area_ids: list[int]) -> dict[int, _AreaFacts]:
    facts: dict[int, _AreaFacts] = defaultdict(_AreaFacts)
    # The people an area has figures for: those enrolled there, and the never-enrolled of its household
    # (recipients.enrolments.served_area_ids, read per area).
    enrolled = Enrolment.objects.filter(area_id__in=area_ids)
    for pk, area_id in enrolled.values_list("recipient_id", "area_id"):
        facts[area_id].recipients.append(pk)
    household = Recipient.objects.filter(area_id__in=area_ids).exclude(pk__in=Enrolment.objects.values("recipient_id"))
    for pk, area_id in household.values_list("pk", "area_id"):
        facts[area_id].recipients.append(pk)
    counted = countable_visits().filter(area_id__in=area_ids)
    columns = ("area_id", "recipient_id", "service_date", "created_at")
    for area_id, recipient, day, entered in counted.values_list(*columns):
        facts[area_id].counted[recipient].append((day, entered))
    rated = Visit.objects.filter(area_id__in=area_ids, status=VisitStatus.COMPLETED).exclude(satisfaction="")
    for area_id, day, entered, rating in rated.values_list("area_id", "service_date", "created_at", "satisfaction"):
        facts[area_id].rated.append((day, entered, rating in SATISFIED))
    beds = FamilyCareBed.objects.filter(area_id__in=area_ids)
    for area_id, accepted_on in beds.values_list("area_id", "accepted_on"):
        facts[area_id].accepted.append(accepted_on)
    for area_id, paid_on, amount in Disbursement.objects.filter(area_id__in=area_ids).values_list(
        "area_id", "paid_on", "amount"
    ):
        facts[area_id].payments.append((paid_on, amount))
    for row in FundAllocation.objects.filter(area_id__in=area_ids).values("area_id").annotate(total=Sum("amount")):
        facts[row["area_id"]].allocated = row["total"] or Decimal(0)
    return facts


def figures_on(area: PilotArea, facts: _AreaFacts, day: dt.date) -> dict:
    """The area's figures as they stood at the end of `day` (ProgressFigures.FIGURE_FIELDS)."""
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=timezone.get_default_timezone())
    needed = area.batch.visits_per_person_time
    bands = dict.fromkeys((NO_VISIT_BAND, *BAND_FIELDS, REACHED), 0)
    at_risk = counted_total = 0
    for recipient_id in facts.recipients:
        days = sorted({d for d, entered in facts.counted.get(recipient_id, ()) if d <= day and entered < end_of_day})
        counted = len(days)
        counted_total += counted
        bands[band_of(counted, needed)] += 1
        at_risk += pace_at_risk(
            counted=counted,
            needed=needed,
            first_counted=days[0] if counted else None,
            cycle_start=area.cycle_start,
            cycle_end=area.cycle_end,
            today=day,
        )
    rated = [happy for d, entered, happy in facts.rated if d <= day and entered < end_of_day]
    return {
        "recipients": len(facts.recipients),
        "person_times_reached": bands[REACHED],
        "target_person_times": area.target_person_times,
        "band_0": bands[NO_VISIT_BAND],
        **{field: bands[field] for field in BAND_FIELDS},
        "at_risk": at_risk,
        "counted_visits": counted_total,
        "beds_accepted": sum(
            bed_counts_toward_target(
                {"accepted_on": accepted_on}, cycle_start=area.cycle_start, cycle_end=area.cycle_end, as_of=day
            )
            for accepted_on in facts.accepted
        ),
        "target_beds": area.target_beds,
        "rated_visits": len(rated),
        "satisfied_visits": sum(rated),
        "funds_allocated": facts.allocated,
        "funds_disbursed": sum((amount for paid_on, amount in facts.payments if paid_on <= day), Decimal(0)),
    }


def past_days(area: PilotArea, today: dt.date) -> list[dt.date]:
    """One day a week (a fortnight once finished) from the cycle's start, and a finished cycle's last day;
    never today or later."""
    if not area.cycle_start or not area.cycle_end:
        return []
    step = FINISHED_STEP if area.cycle_end < today else STEP
    last = min(area.cycle_end, today - dt.timedelta(days=1))
    days, day = [], area.cycle_start + step - dt.timedelta(days=1)
    while day <= last:
        days.append(day)
        day += step
    if area.cycle_end < today and area.cycle_end not in days:
        days.append(area.cycle_end)
    return days


def backfill(areas: list[PilotArea], *, today: dt.date) -> int:
    """Write the weekly past snapshots of these areas (replacing any on the same days); return how many."""
    facts = _facts([area.pk for area in areas])
    rows = []
    for area in areas:
        for day in past_days(area, today):
            computed_at = dt.datetime.combine(day, dt.time(23, 30), tzinfo=timezone.get_default_timezone())
            figures = figures_on(area, facts[area.pk], day)
            rows.append(AreaDailySnapshot(area=area, day=day, computed_at=computed_at, **figures))
    AreaDailySnapshot.objects.bulk_create(
        rows,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["area", "day"],
        update_fields=[*ProgressFigures.FIGURE_FIELDS, "computed_at"],
    )
    return len(rows)
