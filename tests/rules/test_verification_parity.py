"""Which visits count: the query form (`derive_findings_in_db`, what `verify_visits` stores) and the
Python form (`findings_for` through `derive_findings`, what the deep check re-derives) find the same
exceptions with the same details.

The world is generated at random around every edge the rules have: lengths a second either side of
the batch's minimum and maximum, entries a second either side of the late limit, check-ins a few
centimetres either side of the radius with accuracies either side of it, starts either side of now
and of the cycle's first and last second, 60th birthdays (leap days too) the day before, on and after
the visit, each capability level, assessments replaced before, on and after the day, batches with and
without partial disability, photos and confirmations required or not, photos and answers present or
not, enrolments covering the day, ended before it or only elsewhere, caregivers in overlapping
visits, voided visits. Several seeds, so a new edge gets many draws.
"""

import datetime as dt
import random
import secrets
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from eldercare.recipients.models import CapabilityLevel, ConfirmationCard, EconomicCategory, Enrolment
from eldercare.visits.models import ExceptionType, PhotoKind, Visit, VisitConfirmation, VisitPhoto, VisitStatus
from eldercare.visits.verification import Scope, derive_findings, derive_findings_in_db
from eldercare.visits.verification.checks import visits_for_checking
from eldercare.visits.verification.query import OVERLAPPING_SQL
from tests.conftest import at, north_of
from tests.factories import (
    AssessmentFactory,
    BatchFactory,
    CaregiverFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    VisitFactory,
)

NOW = at(dt.date(2024, 3, 1), 12)
HOME = (Decimal("40.220000"), Decimal("116.230000"))
BATCHES = [
    {"year": 2023, "min_visit_minutes": 30, "max_visit_hours": 8, "checkin_radius_m": 500, "late_entry_days": 7},
    {
        "year": 2024,
        "min_visit_minutes": 45,
        "max_visit_hours": 2,
        "checkin_radius_m": 200,
        "late_entry_days": 3,
        "visits_include_partial_disability": True,
        "photos_required": True,
        "confirmation_required": True,
    },
    {
        "year": 2025,
        "min_visit_minutes": 20,
        "max_visit_hours": 1,
        "checkin_radius_m": 1000,
        "late_entry_days": 1,
        "photos_required": True,
    },
]
CYCLES = [(dt.date(2023, 7, 1), dt.date(2024, 6, 30)), (dt.date(2023, 9, 1), dt.date(2024, 2, 29)), (None, None)]


def _edge_start(rng: random.Random, cycle) -> dt.datetime:
    first, last = cycle if cycle[0] else CYCLES[0]
    choice = rng.randrange(6)
    if choice == 0:
        return at(first, 0, 0, rng.choice([0, 1]))  # the cycle's first second
    if choice == 1:
        return at(first - dt.timedelta(days=1), 23, 59, 59)
    if choice == 2:
        return at(last, 23, 59, 59)
    if choice == 3:
        return NOW + dt.timedelta(seconds=rng.choice([-1, 0, 1, 3600]))  # either side of now
    return at(first + dt.timedelta(days=rng.randrange(0, 240)), rng.randrange(6, 20), rng.randrange(60))


def _length(rng: random.Random, batch) -> dt.timedelta:
    edge = rng.choice(
        [batch.min_visit_minutes * 60, batch.max_visit_hours * 3600, rng.randrange(batch.min_visit_minutes * 60, 7200)]
    )
    seconds = max(1, edge + rng.choice([-1, 0, 1]))
    return dt.timedelta(seconds=seconds, microseconds=rng.choice([0, 0, 1, 999_999]) if seconds > 1 else 0)


def _checkin(rng: random.Random, batch) -> dict:
    radius = batch.checkin_radius_m
    choice = rng.randrange(5)
    if choice == 0:
        return {"checkin_latitude": None, "checkin_longitude": None}
    metres = rng.choice([radius - 0.3, radius + 0.3, radius - 2, radius + 2, 10, radius * 5])
    beyond = Decimal(metres - radius).quantize(Decimal("0.1")) if metres > radius else Decimal(3)
    accuracy = rng.choice([None, None, Decimal(radius) - Decimal("0.1"), Decimal(radius) + Decimal("0.1"), 15, beyond])
    return {"checkin_latitude": north_of(HOME[0], metres), "checkin_longitude": HOME[1], "checkin_accuracy_m": accuracy}


def _person(rng: random.Random, area, areas, day: dt.date, visit_area=None):
    sixty = day.replace(year=day.year - 60) if not (day.month == 2 and day.day == 29) else dt.date(day.year - 60, 3, 1)
    birth = rng.choice([sixty, sixty + dt.timedelta(days=1), sixty - dt.timedelta(days=1), dt.date(1960, 2, 29),
                        dt.date(1948, 5, 5)])  # fmt: skip
    person = RecipientFactory(
        area=area,
        birth_date=birth,
        economic_category=rng.choice([EconomicCategory.MINIMUM_ALLOWANCE, EconomicCategory.NONE]),
        home_latitude=HOME[0] if rng.random() > 0.05 else None,
        home_longitude=HOME[1],
    )
    offsets = rng.sample([-400, -30, -1, 0, 1, 30], rng.choice([0, 1, 1, 2, 3]))
    for offset in offsets:
        AssessmentFactory(
            recipient=person, assessed_on=day + dt.timedelta(days=offset), level=rng.choice(CapabilityLevel.values)
        )
    plan = rng.randrange(5)
    if plan == 1:  # the household area
        Enrolment.objects.create(recipient=person, area=area, enrolled_on=dt.date(2023, 7, 1))
    elif plan == 2:  # ended around the day
        ended = day + dt.timedelta(days=rng.choice([-1, 0]))
        Enrolment.objects.create(
            recipient=person, area=area, enrolled_on=min(ended, dt.date(2023, 7, 1)), ended_on=ended, end_reason="迁出"
        )
    elif plan == 3:  # elsewhere only
        Enrolment.objects.create(recipient=person, area=rng.choice(areas), enrolled_on=dt.date(2023, 7, 1))
    elif plan == 4 and visit_area != area:  # in the area the visit is filed under, not the household's
        Enrolment.objects.create(recipient=person, area=visit_area, enrolled_on=dt.date(2023, 7, 1))
    return person


def _evidence(rng: random.Random, visit, card_of) -> None:
    for kind in PhotoKind.values:
        if rng.random() < 0.6:
            VisitPhoto.objects.create(
                visit=visit,
                kind=kind,
                image=f"visits/{visit.pk}-{kind}.jpg",
                sha256=secrets.token_hex(32),
                content_type="image/jpeg",
                width=64,
                height=48,
                size_bytes=100,
            )
    answer = rng.randrange(3)
    if answer:
        VisitConfirmation.objects.create(visit=visit, card=card_of(visit.recipient), took_place=answer == 1)


def generate(seed: int, people: int = 40) -> list[int]:
    rng = random.Random(seed)
    batches = [BatchFactory(**settings) for settings in BATCHES]
    areas = [
        PilotAreaFactory(batch=batch, cycle_start=cycle[0], cycle_end=cycle[1])
        for batch in batches
        for cycle in CYCLES[: 2 if batch.year == 2025 else 3]
    ]
    provider = ProviderFactory()
    caregivers = [CaregiverFactory(provider=provider) for _ in range(4)]
    cards: dict[int, ConfirmationCard] = {}

    def card_of(recipient):
        if recipient.pk not in cards:
            cards[recipient.pk] = ConfirmationCard.objects.create(recipient=recipient, key=secrets.token_urlsafe(32))
        return cards[recipient.pk]

    ids = []
    for _ in range(people):
        area = rng.choice(areas)
        batch = area.batch
        starts = [_edge_start(rng, (area.cycle_start, area.cycle_end)) for _ in range(rng.randrange(1, 5))]
        # Some visits are filed under another area (of another batch) than the household's, as under
        # an enrolment elsewhere: the rules must read each setting from the right batch.
        household = area if rng.random() < 0.75 else rng.choice(areas)
        person = _person(rng, household, areas, timezone.localdate(starts[0]), visit_area=area)
        for start in starts:
            # Few caregivers for many visits: some share hours, some a second apart.
            visit = VisitFactory(
                recipient=person,
                area=area,
                provider=provider,
                caregiver=rng.choice(caregivers),
                started_at=start,
                ended_at=start + _length(rng, batch),
                service_date=timezone.localdate(start),
                **_checkin(rng, batch),
            )
            entered = visit.ended_at + dt.timedelta(days=batch.late_entry_days, seconds=rng.choice([-1, 0, 1, -86400]))
            Visit.objects.filter(pk=visit.pk).update(created_at=entered)
            if rng.random() < 0.08:
                Visit.objects.filter(pk=visit.pk).update(status=VisitStatus.VOIDED, void_reason="重复", voided_at=NOW)
            _evidence(rng, visit, card_of)
            ids.append(visit.pk)
    return ids


def in_python(ids: list[int]) -> tuple[dict, set]:
    derived, outside = derive_findings(list(visits_for_checking(ids)), now=NOW)
    return {pk: found for pk, found in derived.items() if found}, outside


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_query_form_finds_what_the_python_form_finds(seed):
    ids = generate(seed)

    query = derive_findings_in_db(Scope.of(ids), now=NOW)
    python, outside = in_python(ids)

    assert query.findings == python
    assert query.outside == outside
    found = {kind for findings in python.values() for kind in findings}
    assert len(found) >= 9, found  # the edges were drawn: most kinds of exception occur
    assert len(python) < len(ids)  # and some visits raise none


@pytest.mark.django_db
def test_a_subset_names_its_overlap_partners_outside_it_as_the_python_form_does():
    ids = generate(5)
    part = ids[::3]

    query = derive_findings_in_db(Scope.of(part), now=NOW)
    python, outside = in_python(part)

    assert query.findings == python
    assert query.outside == outside


@pytest.mark.django_db
def test_an_id_range_scope_finds_what_a_list_of_the_same_ids_finds():
    ids = sorted(generate(6))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE parity_overlapping AS " + OVERLAPPING_SQL.format(visit=Visit._meta.db_table),
            {"completed": VisitStatus.COMPLETED.value},
        )

    by_list = derive_findings_in_db(Scope.of(ids), now=NOW)
    by_range = derive_findings_in_db(Scope(first=ids[0], last=ids[-1] + 1), now=NOW)
    narrowed = derive_findings_in_db(Scope(first=ids[0], last=ids[-1] + 1, overlapping="parity_overlapping"), now=NOW)

    assert by_range.findings == by_list.findings == narrowed.findings
    assert by_range.filed == by_list.filed == narrowed.filed
    assert any(ExceptionType.CAREGIVER_OVERLAP in found for found in narrowed.findings.values())
