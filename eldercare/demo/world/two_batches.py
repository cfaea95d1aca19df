"""One older person served in two batches (issue 16: "a recipient enrolled in two batches").

Batches accumulate and a district can be a pilot area again, so one person (one ID number) can be
enrolled in several batches. The world shows it in 北京市昌平区, the showcase region:

1. the batch before the finished one (its year minus one) gets 昌平区 as a pilot area, its cycle
   the year before the finished batch's cycle there, served by the region's organisations and
   paid out like the other areas. The batch itself is the programme's (a batch a year since 2021:
   its name is the programme's, its national targets are not known here and stay 0), so its name
   carries no demo mark, which names the invented running batch; the area is demo data (`is_demo`);
2. a person of the running area who reaches the person-time there, and was 60 or older when that
   earlier cycle began, is assessed before it and enrolled in it through `enrolment_create` (which
   first writes down their enrolment in the running area, their household area: enrolled in the
   current batch too);
3. the same visit maker lays out their visits in the earlier cycle, each filed in the area of the
   enrolment covering its day (`enrolment_area_on`), and the bulk path writes them; the builder
   then verifies and recounts them with everything else.

Nothing here draws from the world's dice before the rest of the world is laid out, so the rest of
the world is the same with or without this step.
"""

import datetime as dt
from dataclasses import dataclass

from eldercare.areas.models import Batch, Disbursement, FundAllocation, FundUse, PilotArea
from eldercare.core.validators import age_on
from eldercare.providers.models import Provider
from eldercare.recipients.enrolments import enrolment_area_on, enrolment_create
from eldercare.recipients.models import CapabilityLevel, Enrolment, Recipient
from eldercare.recipients.services import assessment_record

from . import storage
from .base import AreaPlan, RecipientPlan
from .workflow import SHOWCASE_REGION, _showcase

ASSESSED_BEFORE = dt.timedelta(days=45)  # the assessment that makes them eligible in the earlier cycle
ENROLLED_BEFORE = dt.timedelta(days=10)
AREA_NOTICE_BEFORE = dt.timedelta(days=30)  # when the earlier area's record is dated


@dataclass
class TwoBatches:
    """What the step added: the earlier batch's area, the person, and their visits there."""

    area: PilotArea
    recipient: Recipient
    visits: int


def _a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _earlier_batch(finished: Batch) -> Batch | None:
    """The batch before the finished one: the one there is, or a new one with the programme's name."""
    year = finished.year - 1
    if year < 2021:  # the programme's first batch (Batch's own constraint)
        return None
    found = Batch.objects.filter(year=year).first()
    if found is not None:
        return found
    batch = Batch(
        year=year,
        name=f"{year}年居家和社区基本养老服务提升行动项目",
        **finished.rule_settings(),
    )
    batch._history_date = storage.at(dt.date(year, 5, 1))
    storage.write([batch], Batch)
    return batch


def _earlier_area(world, batch: Batch, finished_plan: AreaPlan, running_plan: AreaPlan) -> AreaPlan:
    """昌平区 in the earlier batch (the one there is, or a new one), planned like the world's areas."""
    start = _a_year_before(finished_plan.cycle_start)
    end = finished_plan.cycle_start - dt.timedelta(days=1)
    region = finished_plan.area.region
    area = PilotArea.objects.filter(batch=batch, region=region).select_related("batch", "region").first()
    created = area is None
    if created:
        area = PilotArea(
            batch=batch,
            region=region,
            is_demo=True,
            funds_arrived_on=start,
            cycle_start=start,
            cycle_end=end,
            # One person is served there in the demo: small targets, so its page is not all red.
            target_person_times=1,
            target_beds=1,
            target_satisfaction=finished_plan.area.target_satisfaction,
        )
        area._history_date = storage.at(start - AREA_NOTICE_BEFORE)
        storage.write([area], PilotArea)
    organisations = running_plan.organisations
    providers = {p.pk: p for p in [*organisations.home_visit, organisations.retrofit, organisations.design]}
    providers.update({organisations.acceptance.pk: organisations.acceptance} if organisations.acceptance else {})
    Provider.areas.through.objects.bulk_create(
        [Provider.areas.through(provider_id=pk, pilotarea=area) for pk in providers if pk],
        ignore_conflicts=True,
    )
    plan = AreaPlan(
        area=area,
        cycle_start=area.cycle_start,
        cycle_end=area.cycle_end,
        last_day=min(world.today, area.cycle_end),
        centre=finished_plan.centre,
        address_prefix=finished_plan.address_prefix,
        organisations=organisations,
    )
    if created:
        _pay(world, plan)
    return plan


def _pay(world, plan: AreaPlan) -> None:
    money = world.money
    allocations, disbursements = len(money.allocations), len(money.disbursements)
    money.allocate(plan)
    money.pay(
        plan,
        pace=1.0,
        payees={FundUse.BEDS: plan.organisations.retrofit, FundUse.HOME_VISITS: plan.organisations.home_visit[0]},
        estimates={FundUse.BEDS: 5500, FundUse.HOME_VISITS: 40 * 85},
    )
    for row in [*money.allocations[allocations:], *money.disbursements[disbursements:]]:
        row._history_date = storage.at(getattr(row, "paid_on", None) or plan.cycle_start)
    storage.write(money.allocations[allocations:], FundAllocation)
    storage.write(money.disbursements[disbursements:], Disbursement)


def _person(running_plan: AreaPlan, earlier_start: dt.date) -> RecipientPlan | None:
    """Someone of the running area who reaches the person-time there and was 60 or older in the
    earlier cycle; the last such (the first people of the area are the applications' showcase)."""
    already = set(Enrolment.objects.filter(area__region=running_plan.area.region).values_list("recipient", flat=True))
    for plan in reversed(running_plan.recipients):
        recipient = plan.recipient
        if recipient.pk in already or not (plan.reaches and plan.caregivers and recipient.provider_id):
            continue
        if age_on(recipient.birth_date, earlier_start) >= 60:
            return plan
    return None


def add_person_in_two_batches(world) -> TwoBatches | None:
    """Enrol one person of 昌平区's running area in the batch before the finished one too, with visits
    there; None when the world has no such area or person (a world without the showcase region)."""
    running_plan = _showcase(world)
    finished_plan = next((p for p in world.area_plans if not p.running and p.area.region.code == SHOWCASE_REGION), None)
    if not running_plan.running or finished_plan is None or finished_plan.area.region != running_plan.area.region:
        return None
    batch = _earlier_batch(finished_plan.area.batch)
    if batch is None or _a_year_before(finished_plan.cycle_start) >= world.today:
        return None
    if finished_plan.cycle_start > running_plan.cycle_start:
        return None  # the running cycle must come after the earlier one, or the enrolments would overlap
    chosen = _person(running_plan, _a_year_before(finished_plan.cycle_start))
    if chosen is None:
        return None
    plan = _earlier_area(world, batch, finished_plan, running_plan)
    area, recipient = plan.area, chosen.recipient
    assessment = assessment_record(
        recipient=recipient,
        assessed_on=plan.cycle_start - ASSESSED_BEFORE,
        level=CapabilityLevel.SEVERE,
        assessor_name=world.dice.person_name(world.dice.rng.choice("MF"), elder=False),
        assessor_provider=plan.organisations.design,
    )
    enrolment_create(recipient=recipient, area=area, enrolled_on=plan.cycle_start - ENROLLED_BEFORE)
    # Registered before the earlier cycle: the as-of reports of that cycle find the person and the assessment.
    recipient.history.filter(history_type="+").update(history_date=storage.at(plan.cycle_start - AREA_NOTICE_BEFORE))
    assessment.history.filter(history_type="+").update(history_date=storage.at(assessment.assessed_on))
    earlier = RecipientPlan(
        recipient=recipient,
        area_plan=plan,
        visit_from=plan.cycle_start,
        reaches=True,
        assured=True,
        caregiver_index=chosen.caregiver_index,
        categories=chosen.categories,
        caregivers=chosen.caregivers,
    )
    plan.recipients.append(earlier)
    maker = world.visits
    first_visit, first_item = len(maker.visits), len(maker.visit_items)
    made = maker.for_recipient(earlier)
    for visit in maker.visits[first_visit:]:
        visit.area = enrolment_area_on(recipient, visit.service_date)
    storage.save_visits(maker, first_visit=first_visit, first_item=first_item)
    return TwoBatches(area=area, recipient=recipient, visits=made)
