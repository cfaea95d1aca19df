"""A small world in which every input of a rule has a visible effect, and the writers that change it.

Area A (batch 2023, cycle 2023-07-01 – 2024-06-30) and area B of the same batch. Every visit
happens inside the cycle and is entered the same evening; the tests run on 2023-08-10 at 10:00.

- R: severely disabled, six one-hour visits on 1–6 August by caregiver C1, checked in 100 m north
  of home (inside the 500 m radius), and one on 7 August checked in 2 km east of home (an open
  far check-in warning); a family care bed awaiting acceptance.
- R2: severely disabled, a one-hour visit on 2 August at 09:00 and a three-hour one on 3 August,
  both by caregiver C2; a bed accepted on 2023-07-20.
- R3: in area B, severely disabled, no visits.
- R4: partially disabled (moderate, assessed 2023-05-01), one visit on 4 August: not eligible
  while the batch funds home visits for disabled people only.
- Funds: 10,000,000 yuan allocated to A for beds, 100,000 disbursed on 2023-08-01.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from eldercare.beds import services as beds
from eldercare.rollups.queue import drain_recount_queue
from eldercare.rollups.services import recompute_all
from eldercare.visits import services as visits
from eldercare.visits.models import ReviewReasonCode, Visit
from tests.conftest import METRES_PER_DEGREE_LATITUDE, at, north_of
from tests.factories import (
    AssessmentFactory,
    BatchFactory,
    CaregiverFactory,
    DisbursementFactory,
    FundAllocationFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    RetrofitItemFactory,
    ServiceCategoryFactory,
)

NOW = at(dt.date(2023, 8, 10), 10)
TODAY = NOW.date()
R_DAYS = [dt.date(2023, 8, day) for day in range(1, 7)]
FAR_DAY = dt.date(2023, 8, 7)


def east_of(latitude: Decimal, longitude: Decimal, metres: float) -> Decimal:
    per_degree = METRES_PER_DEGREE_LATITUDE * math.cos(math.radians(float(latitude)))
    return (longitude + Decimal(metres / per_degree)).quantize(Decimal("0.000001"))


@dataclass
class World:
    batch: object
    area_a: object
    area_b: object
    provider_p: object
    provider_q: object
    caregiver_1: object
    caregiver_2: object
    caregiver_q: object
    r: object
    r2: object
    r3: object
    r4: object
    r_visits: list  # R's six counted visits, 1–6 August
    r_far: object  # R's visit of 7 August, checked in 2 km east of home
    r2_morning: object  # 2 August, 09:00–10:00, caregiver C2
    r2_long: object  # 3 August, 13:00–16:00, caregiver C2
    r4_visit: object  # 4 August, 14:00–15:00, caregiver C2
    bed_awaiting: object  # R's
    bed_accepted: object  # R2's, accepted 2023-07-20
    allocation: object
    disbursement: object
    accept_code: object
    extra: dict = field(default_factory=dict)

    def visit(self, visit) -> Visit:
        return Visit.objects.get(pk=visit.pk)


@dataclass
class Writers:
    """The ways in: the admin as a superuser, the API as a superuser, files for the importer."""

    admin: object
    api: APIClient
    tmp_path: object
    user: object


def _log(recipient, caregiver, category, start, minutes=60, *, latitude=None, longitude=None, time_machine):
    time_machine.move_to(at(start.date(), 20))  # entered the same evening
    return visits.visit_create(
        recipient=recipient,
        provider=caregiver.provider,
        caregiver=caregiver,
        category=category,
        started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes),
        checkin_latitude=latitude if latitude is not None else recipient.home_latitude,
        checkin_longitude=longitude if longitude is not None else recipient.home_longitude,
    )


def _accepted_bed(recipient, provider, *, accept_on=None):
    bed = beds.bed_apply(recipient=recipient, applied_on=dt.date(2023, 7, 3))
    bed = beds.bed_record_plan(bed=bed, design_provider=provider, plan_signed_on=dt.date(2023, 7, 5))
    bed = beds.bed_start_retrofit(bed=bed, retrofit_provider=provider, started_on=dt.date(2023, 7, 6))
    RetrofitItemFactory(bed=bed)
    bed = beds.bed_finish_retrofit(bed=bed, finished_on=dt.date(2023, 7, 10))
    if accept_on:
        bed = beds.bed_accept(bed=bed, acceptance_provider=provider, accepted_on=accept_on)
    return bed


@pytest.fixture
def world(db, time_machine) -> World:
    batch = BatchFactory()
    area_a, area_b = PilotAreaFactory(batch=batch), PilotAreaFactory(batch=batch)
    provider_p, provider_q = ProviderFactory(), ProviderFactory()
    provider_p.areas.add(area_a, area_b)
    provider_q.areas.add(area_a, area_b)
    caregiver_1 = CaregiverFactory(provider=provider_p)
    caregiver_2 = CaregiverFactory(provider=provider_p)
    caregiver_q = CaregiverFactory(provider=provider_q)
    category = ServiceCategoryFactory()
    r, r2, r4 = (RecipientFactory(area=area_a, provider=provider_p) for _ in range(3))
    r3 = RecipientFactory(area=area_b, provider=provider_p)
    for person in (r, r2, r3):
        AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1), level="severe")
    AssessmentFactory(recipient=r4, assessed_on=dt.date(2023, 5, 1), level="moderate")

    near = north_of(r.home_latitude, 100)
    r_visits = [_log(r, caregiver_1, category, at(day, 9), latitude=near, time_machine=time_machine) for day in R_DAYS]
    r_far = _log(
        r,
        caregiver_1,
        category,
        at(FAR_DAY, 9),
        longitude=east_of(r.home_latitude, r.home_longitude, 2000),
        time_machine=time_machine,
    )
    r2_morning = _log(r2, caregiver_2, category, at(dt.date(2023, 8, 2), 9), time_machine=time_machine)
    r2_long = _log(r2, caregiver_2, category, at(dt.date(2023, 8, 3), 13), minutes=180, time_machine=time_machine)
    r4_visit = _log(r4, caregiver_2, category, at(dt.date(2023, 8, 4), 14), time_machine=time_machine)

    time_machine.move_to(NOW)
    bed_awaiting = _accepted_bed(r, provider_p)
    bed_accepted = _accepted_bed(r2, provider_p, accept_on=dt.date(2023, 7, 20))
    allocation = FundAllocationFactory(area=area_a, use="beds", amount=Decimal("10000000"))
    disbursement = DisbursementFactory(area=area_a, use="beds", amount=Decimal("100000"), paid_on=dt.date(2023, 8, 1))
    accept_code, _created = ReviewReasonCode.objects.get_or_create(
        code="A01", defaults={"label": "电话回访核实", "decision": "accept"}
    )
    ReviewReasonCode.objects.get_or_create(code="V01", defaults={"label": "服务未实际提供", "decision": "void"})

    # Every area gets its roll-up rows, so each later comparison is row for row.
    drain_recount_queue(seconds=None)
    recompute_all()
    return World(
        batch=batch,
        area_a=area_a,
        area_b=area_b,
        provider_p=provider_p,
        provider_q=provider_q,
        caregiver_1=caregiver_1,
        caregiver_2=caregiver_2,
        caregiver_q=caregiver_q,
        r=r,
        r2=r2,
        r3=r3,
        r4=r4,
        r_visits=r_visits,
        r_far=r_far,
        r2_morning=r2_morning,
        r2_long=r2_long,
        r4_visit=r4_visit,
        bed_awaiting=bed_awaiting,
        bed_accepted=bed_accepted,
        allocation=allocation,
        disbursement=disbursement,
        accept_code=accept_code,
    )


@pytest.fixture
def writers(world, admin_client, admin_user, tmp_path) -> Writers:
    api = APIClient()
    api.force_authenticate(admin_user)
    return Writers(admin=admin_client, api=api, tmp_path=tmp_path, user=admin_user)
