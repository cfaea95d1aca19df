"""The demo world as a whole: plan it in memory, write it in bulk, then verify and recount it once.

1. Plan every area of the finished batch and of the running one (created if missing), region by
   region: organisations, recipients with assessments, beds, payments. A running area first gets
   its state and the (reached, target) pair that shows it; exactly that many of its people get
   visits enough to reach the person-time.
2. Staff the home-visit providers, then lay out every visit.
3. Write it all with the services' bulk paths (`storage`), in one transaction; then one person of
   the showcase region is enrolled in the batch before the finished one too, and served there
   (`two_batches`).
4. Verify every visit with `verify_visits` (exceptions, countability) as of the end of today, and
   recount every area with `recompute_all`: the same set-based steps the services and the nightly
   reconcile use, so `verify_rollups` finds nothing to correct.
5. Fill in a snapshot a week for the past (`snapshots`), for trends and as-of reports.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eldercare.areas.models import Batch, FundUse, PilotArea
from eldercare.core.errors import DomainError
from eldercare.recipients.models import Recipient
from eldercare.rollups.services import recompute_all
from eldercare.visits.models import Visit
from eldercare.visits.verification import verify_visits

from ..names import KNOWN_CENTRES, PROVINCE_CENTRES
from . import batches, fees, snapshots, storage, two_batches, workflow
from .base import DEFAULT_RECIPIENTS, DEFAULT_SEED, HISTORY_SHARE, AreaPlan, Dice, one_year_from
from .beds import BedMaker
from .money import MoneyMaker
from .organisations import OrganisationMaker
from .people import PeopleMaker
from .visits import VisitMaker

# Share of the running area's people its person-time target is near, and its bed target.
PERSON_TIME_TARGET_SHARE = 0.35
BED_TARGET_SHARE = 0.3
UNASSIGNED_SHARE = 0.06  # people approved but not yet given a provider (未分派)
ASSURED_PER_PROVIDER = 3
# Spreads visit UUIDs of a second run into the same database away from the first run's.
UUID_SALT_STEP = 0x9E3779B97F4A7C15


@dataclass
class DemoSummary:
    history_batch: int = 0
    running_batch: int = 0
    areas: int = 0
    states: dict = field(default_factory=dict)  # region code -> state of the running area
    providers: int = 0
    caregivers: int = 0
    recipients: int = 0
    assessments: int = 0
    beds_by_status: dict = field(default_factory=dict)
    retrofit_items: int = 0
    visits: int = 0
    visits_countable: int = 0
    disbursements: int = 0
    snapshots: int = 0
    # The person enrolled in two batches: the earlier batch's year and their visits there (0 if none).
    earlier_batch: int = 0
    earlier_visits: int = 0

    @property
    def beds(self) -> int:
        return sum(self.beds_by_status.values())


def _share(total: int, weights: list[float], floors: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), each share its floor first if `total` allows."""
    base = floors if total >= sum(floors) else [0] * len(weights)
    rest = total - sum(base)
    exact = [rest * w / sum(weights) for w in weights]
    counts = [floor + int(x) for floor, x in zip(base, exact, strict=True)]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


class DemoWorld:
    def __init__(self, *, recipients: int, seed: int, today: dt.date):
        self.size, self.today = recipients, today
        self.dice = Dice(seed)
        self.organisations = OrganisationMaker(self.dice)
        self.people = PeopleMaker(self.dice, today)
        self.beds = BedMaker(self.dice)
        self.money = MoneyMaker(self.dice)
        self.visits = VisitMaker(self.dice, today=today, uuid_salt=Recipient.objects.count() * UUID_SALT_STEP)
        self.area_plans: list[AreaPlan] = []
        self.new_batch: Batch | None = None
        self.new_areas: list[PilotArea] = []
        self.history: Batch | None = None
        self.two_batches: two_batches.TwoBatches | None = None

    # --- 1. areas and organisations -------------------------------------------------------------

    def plan_areas(self) -> None:
        self.history = batches.history_batch()
        if self.history is None:
            return
        history_areas = list(self.history.areas.select_related("batch", "region").order_by("region__code"))
        existing = batches.running_batch_existing()
        if existing is not None:
            running = {a.region.code: a for a in existing.areas.select_related("batch", "region")}
            states = {}
        else:
            self.new_batch = batches.running_batch_new(self.history, self.today)
            running = {
                a.region.code: batches.running_area(self.new_batch, a, dice=self.dice, today=self.today)
                for a in history_areas
            }
            self.new_areas = list(running.values())
            states = batches.draw_states(self.dice, list(running))
        for history_area in history_areas:
            code = history_area.region.code
            areas = [history_area] + ([running[code]] if code in running else [])
            organisations = self.organisations.for_region(history_area.region, areas)
            if code in KNOWN_CENTRES:
                centre = KNOWN_CENTRES[code]
            else:
                base = PROVINCE_CENTRES.get(code[:2], (34.0, 108.0))
                centre = (base[0] + self.dice.rng.uniform(-0.6, 0.6), base[1] + self.dice.rng.uniform(-0.6, 0.6))
            for area in areas:
                start = area.cycle_start or dt.date(area.batch.year, 7, 1)
                end = area.cycle_end or one_year_from(start)
                self.area_plans.append(
                    AreaPlan(
                        area=area,
                        cycle_start=start,
                        cycle_end=end,
                        last_day=min(self.today, end),
                        centre=centre,
                        address_prefix=area.region.full_name or area.region.name,
                        organisations=organisations,
                        running=area is not history_area,
                        state=states.get(code, "") if area is not history_area else "",
                    )
                )

    # --- people, beds, providers ----------------------------------------------------------------

    def fill(self) -> None:
        history_plans = [plan for plan in self.area_plans if not plan.running]
        running_plans = [plan for plan in self.area_plans if plan.running]
        history_size = round(self.size * HISTORY_SHARE) if running_plans else self.size
        for plans, total, weight in (
            (history_plans, history_size, 2.0),
            (running_plans, self.size - history_size, 10.0),
        ):
            weights = [
                weight if plan.area.region.code in KNOWN_CENTRES else self.dice.rng.uniform(0.6, 1.4) for plan in plans
            ]
            # A running area has at least its assured people, as long as the size allows.
            floors = [
                ASSURED_PER_PROVIDER * len(plan.organisations.home_visit) if plan.running else 1 for plan in plans
            ]
            for area_plan, count in zip(plans, _share(total, weights, floors), strict=True):
                if area_plan.running:
                    self._fill_running(area_plan, count)
                else:
                    self._fill_history(area_plan, count)

    def _fill_history(self, area_plan: AreaPlan, count: int) -> None:
        for index in range(count):
            # The first was served all along, so every finished area has some history to show.
            plan = self.people.recipient(area_plan, assured=index == 0)
            if plan.visit_from and plan.visit_from <= area_plan.last_day and (plan.assured or self.dice.chance(0.9)):
                plan.recipient.provider = self.dice.rng.choice(area_plan.organisations.home_visit)
        self.beds.history_beds(area_plan)

    def _fill_running(self, area_plan: AreaPlan, count: int) -> None:
        state, providers = area_plan.state, area_plan.organisations.home_visit
        # With the first people reaching the person-time and the next ones, every provider has at
        # least ASSURED_PER_PROVIDER people a visit logged today counts for.
        least = min(count, ASSURED_PER_PROVIDER * len(providers))
        if state:
            self._fit(area_plan, count, least)
        assured = max(area_plan.reached, least)
        plans = [
            self.people.recipient(area_plan, reaches=index < area_plan.reached, assured=index < assured)
            for index in range(count)
        ]
        # Assured people are assessed before the cycle, so there are enough for the accepted beds.
        candidates = [p for p in plans if p.bed_from and p.bed_from <= area_plan.cycle_start]
        self.dice.rng.shuffle(candidates)
        if state:
            self.money.allocate(area_plan)
        accepted = candidates[: area_plan.beds_accepted]
        chosen = {id(plan) for plan in accepted}
        self.beds.running_beds(area_plan, accepted, [plan for plan in plans if id(plan) not in chosen])
        # The providers take turns, assured people first; a few of the others still wait for one (未分派).
        for turn, plan in enumerate(plans[:assured]):
            plan.recipient.provider = providers[turn % len(providers)]
        for plan in plans[assured:]:
            visited = plan.visit_from is not None and plan.visit_from <= area_plan.last_day
            if visited and not self.dice.chance(UNASSIGNED_SHARE):
                plan.recipient.provider = self.dice.rng.choice(providers)

    def _fit(self, area_plan: AreaPlan, count: int, least: int) -> None:
        """Targets (and if need be a cycle a few days off the drawn one) that show the area's state."""
        area = area_plan.area
        elapsed = (self.today - area.cycle_start).days + 1
        sizes = (max(2, round(count * PERSON_TIME_TARGET_SHARE)), max(2, round(count * BED_TARGET_SHARE)))
        elapsed, persons, beds = batches.fit_with_cycle(
            area_plan.state,
            today=self.today,
            elapsed_days=elapsed,
            people=count,
            beds_most=lambda reached: max(reached, least),
            sizes=sizes,
        )
        area.cycle_start, area.cycle_end = batches.cycle_of(self.today, elapsed)
        area.funds_arrived_on = area.cycle_start
        area_plan.cycle_start, area_plan.cycle_end = area.cycle_start, area.cycle_end
        area_plan.last_day = min(self.today, area.cycle_end)
        area_plan.reached, area.target_person_times = persons
        area_plan.beds_accepted, area.target_beds = beds

    def staff(self) -> None:
        served: dict[str, int] = {}
        for area_plan in self.area_plans:
            for plan in area_plan.recipients:
                if plan.recipient.provider:
                    code = plan.recipient.provider.credit_code
                    served[code] = served.get(code, 0) + 1
        seen: set[int] = set()
        for area_plan in self.area_plans:
            if id(area_plan.organisations) not in seen:
                seen.add(id(area_plan.organisations))
                self.organisations.staff(area_plan.organisations, served)
        for area_plan in self.area_plans:
            for plan in area_plan.recipients:
                if plan.recipient.provider:
                    plan.caregivers = area_plan.organisations.caregivers[plan.recipient.provider.credit_code]
                    self.visits.pick_categories(plan)

    # --- 2. visits and money ----------------------------------------------------------------------

    def lay_out_visits_and_money(self) -> None:
        for area_plan in self.area_plans:
            made = sum(self.visits.for_recipient(plan) for plan in area_plan.recipients)
            organisations = area_plan.organisations
            accepted = sum(1 for bed in self.beds.beds if bed.area is area_plan.area and bed.accepted_on)
            self.money.pay(
                area_plan,
                pace=batches.typical_ratio(area_plan.state) if area_plan.state else 1.0,
                payees={FundUse.BEDS: organisations.retrofit, FundUse.HOME_VISITS: organisations.home_visit[0]},
                estimates={FundUse.BEDS: accepted * 5500, FundUse.HOME_VISITS: made * 85},
            )

    def summarise(self, snapshot_rows: int) -> DemoSummary:
        plans = [plan for area_plan in self.area_plans for plan in area_plan.recipients]
        areas = [plan.area for plan in self.area_plans]
        two = self.two_batches
        if two is not None:
            areas.append(two.area)
        summary = DemoSummary(
            history_batch=self.history.year,
            running_batch=(self.new_batch.year if self.new_batch else 0),
            areas=len(self.area_plans),
            states={p.area.region.code: p.state for p in self.area_plans if p.state},
            providers=len(self.organisations.providers),
            caregivers=len(self.organisations.caregivers),
            recipients=len(plans),
            assessments=len(self.people.assessments),
            retrofit_items=len(self.beds.items),
            visits=len(self.visits.visits),
            visits_countable=Visit.objects.filter(area__in=areas, is_countable=True).count(),
            disbursements=len(self.money.disbursements),
            snapshots=snapshot_rows,
            earlier_batch=two.area.batch.year if two else 0,
            earlier_visits=two.visits if two else 0,
        )
        for bed in self.beds.beds:
            summary.beds_by_status[bed.status] = summary.beds_by_status.get(bed.status, 0) + 1
        return summary


@transaction.atomic
def demo_world_create(*, today: dt.date, recipients: int = DEFAULT_RECIPIENTS, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Invent a reproducible demo world: history in the latest official batch, and a running batch."""
    if recipients < 0:
        raise DomainError(_("The number of recipients cannot be negative."), field="recipients")
    world = DemoWorld(recipients=recipients, seed=seed, today=today)
    world.plan_areas()
    if not world.area_plans or not world.beds.catalogue or not world.visits.categories:
        raise DomainError(
            _("Load the pilot areas and catalogues first (manage.py load_reference_data)."), code="no_reference_data"
        )
    world.fill()
    world.staff()
    world.lay_out_visits_and_money()
    workflow.place_in_townships(world, seed=seed)
    storage.save(world)
    world.two_batches = two_batches.add_person_in_two_batches(world)
    # Verified in day order: each round of verification then looks for overlaps on a few days only.
    ordered = sorted(world.visits.visits, key=lambda visit: (visit.service_date, visit.pk))
    end_of_today = dt.datetime.combine(today, dt.time.max, tzinfo=timezone.get_default_timezone())
    verify_visits([visit.pk for visit in ordered], now=end_of_today)
    fees.add_confirmed_fee_sheet(world, today=today)  # voids one visit: before the roll-ups are computed
    areas = [plan.area for plan in world.area_plans]
    if world.two_batches is not None:
        areas.append(world.two_batches.area)
    recompute_all(areas=areas, today=today)
    workflow.add_applications(world, seed=seed)
    return world.summarise(snapshots.backfill(areas, today=today))
