"""Home-care visits (居家养老上门服务), entered on time, with a realistic share of exceptions.

Each recipient's visits fall on distinct days drawn from the days they may be served (never today:
a visit later today would lie in the future, and today is left for the provider to log). A
caregiver works in four daily slots and a visit lasts at most two hours, so visits in different
slots never overlap; every exception below is made on purpose:
  - about 3 % too short (blocking), 1 % checked in 600–2,000 m from home, 1 % entered 8–20 days
    late, 0.4 % booked into a slot the caregiver already has (an overlap, on both visits) and
    0.5 % voided as duplicates;
  - people reassessed out of eligibility are sometimes visited once more (not eligible, blocking);
  - each running area shows at least one far check-in, late entry, short visit and overlap.
People planned to reach the person-time get only clean visits (and now and then a flawed extra on
another day), so the number who reach it is exactly the planned one; everybody else gets fewer
visits than the threshold, so none of them can reach it whatever verification finds.
"""

import datetime as dt
import uuid

from django.utils import timezone

from eldercare.visits.models import Satisfaction, ServiceCategory, ServiceItem, Visit, VisitStatus

from .base import DEMO_MARK, Dice, RecipientPlan

VISIT_SLOTS = (dt.time(8, 0), dt.time(10, 30), dt.time(14, 0), dt.time(16, 30))
CATEGORY_WEIGHTS = (35, 20, 15, 15, 8, 7)
SATISFACTION_WEIGHTS = {Satisfaction.SATISFIED: 88, Satisfaction.FAIRLY_SATISFIED: 9, Satisfaction.DISSATISFIED: 3}
CLEAN, SHORT, FAR, LATE, VOID, OVERLAP = "clean", "short", "far", "late", "void", "overlap"
FLAW_RATES = ((SHORT, 0.03), (FAR, 0.01), (LATE, 0.01), (OVERLAP, 0.004), (VOID, 0.005))
# How long after a visit ends it is entered: minutes on time, days when late (the batch calls an
# entry late after 7 days). A handful of values, so the entry times are set with a few UPDATEs.
ON_TIME_DELAYS = tuple(dt.timedelta(minutes=m) for m in (8, 15, 25, 40, 90))
LATE_DELAYS = tuple(dt.timedelta(days=d) for d in (8, 11, 15, 20))
# In the running batch, the share of people in progress not visited yet, and the range of their
# pace (1: the steady pace that reaches the threshold on the cycle's last day). Below about 0.65 the
# pace rule calls a person at risk.
NOT_STARTED = 0.12
PACE_RANGE = (0.3, 1.15)
# Each running area's review queue shows one of each (on the first visits of people in progress),
# whatever the draws: a small area would often show none.
SHOWCASE = (FAR, LATE, SHORT, OVERLAP)


class VisitMaker:
    def __init__(self, dice: Dice, *, today: dt.date, uuid_salt: int):
        self.dice = dice
        self.today = today
        self.tz = timezone.get_default_timezone()
        self.uuid_salt = uuid_salt
        self.categories = list(ServiceCategory.objects.order_by("sort_order", "code"))
        self.category_weights = [
            CATEGORY_WEIGHTS[i] if i < len(CATEGORY_WEIGHTS) else 5 for i in range(len(self.categories))
        ]
        self.service_items: dict[int, list[ServiceItem]] = {}
        for item in ServiceItem.objects.filter(is_active=True).order_by("code"):
            self.service_items.setdefault(item.category_id, []).append(item)
        self.visits: list[Visit] = []
        self.visit_items: list[tuple[Visit, ServiceItem]] = []
        self.entered_after: list[dt.timedelta] = []  # per visit, how long after its end it was entered
        # (caregiver, day, slot) -> whether the visit there belongs to someone planned to reach 30
        self.booked: dict[tuple, bool] = {}
        self.showcase: dict[int, list[str]] = {}  # area plan -> flaws it still has to show

    def pick_categories(self, plan: RecipientPlan) -> None:
        picks = self.dice.rng.randint(1, 3)
        plan.categories = tuple(self.dice.rng.choices(self.categories, weights=self.category_weights, k=picks))
        plan.caregiver_index = self.dice.rng.randrange(100)

    def _window(self, plan: RecipientPlan, *, lead: int) -> tuple[dt.date, dt.date]:
        area_plan = plan.area_plan
        first = max(area_plan.cycle_start, plan.visit_from) + self.dice.days(0, lead)
        last = min(area_plan.last_day, self.today - dt.timedelta(days=1), plan.visit_until or area_plan.last_day)
        return first, last

    def _planned(self, plan: RecipientPlan, needed: int, available: int) -> int:
        rng = self.dice.rng
        if plan.reaches:
            return needed + rng.randint(0, 2)
        if plan.area_plan.running:
            if rng.random() < NOT_STARTED:
                return 0
            cycle_days = (plan.area_plan.cycle_end - plan.area_plan.cycle_start).days + 1
            return min(needed - 1, round(needed * available / cycle_days * rng.uniform(*PACE_RANGE)))
        draw = rng.random()  # the finished batch: some reached it, most did not, a few never started
        if draw < 0.2:
            return rng.randint(needed, needed + 8)
        return rng.randint(1, needed - 1) if draw < 0.92 or plan.assured else 0

    def for_recipient(self, plan: RecipientPlan) -> int:
        """All of a recipient's visits; returns how many were made."""
        if plan.recipient.provider is None or plan.visit_from is None:
            return 0
        needed = plan.area_plan.area.batch.visits_per_person_time
        first, last = self._window(plan, lead=20 if plan.reaches else 30)
        available = (last - first).days + 1
        planned = min(self._planned(plan, needed, available), max(0, available))
        if planned <= 0:
            return 0
        offsets = sorted(self.dice.rng.sample(range(available), planned))
        made = 0
        for offset in offsets:
            day = first + dt.timedelta(days=offset)
            made += self.visit(plan, day, CLEAN if plan.reaches else self._flaw(plan, day))
        if plan.reaches and self.dice.chance(0.1) and available > planned:
            spare = sorted(set(range(available)) - set(offsets))
            day = first + dt.timedelta(days=self.dice.rng.choice(spare))
            made += self.visit(plan, day, self.dice.rng.choice((SHORT, FAR)))
        if plan.visit_until and self.dice.chance(0.5):
            after = plan.visit_until + self.dice.days(3, 40)
            if after < self.today and plan.area_plan.area.cycle_contains(after):
                made += self.visit(plan, after, CLEAN)  # flagged: no longer eligible that day
        return made

    def _flaw(self, plan: RecipientPlan, day: dt.date) -> str:
        showcase = self.showcase.setdefault(id(plan.area_plan), list(SHOWCASE) if plan.area_plan.running else [])
        if showcase and (showcase[0] != LATE or day < self.today - max(LATE_DELAYS)):
            return showcase.pop(0)
        draw = self.dice.rng.random()
        for flaw, rate in FLAW_RATES:
            if draw < rate:
                return flaw
            draw -= rate
        return CLEAN

    def _slot(self, plan: RecipientPlan, day: dt.date, flaw: str) -> tuple | None:
        staff = plan.caregivers
        order = [staff[(plan.caregiver_index + offset) % len(staff)] for offset in range(len(staff))]
        slots = self.dice.rng.sample(range(len(VISIT_SLOTS)), len(VISIT_SLOTS))
        if flaw == OVERLAP:
            # Double-book a slot whose visit is not someone's way to 30: both visits get flagged.
            taken = next(((c, s) for c in order for s in slots if self.booked.get((id(c), day, s)) is False), None)
            if taken is not None:
                return taken
        return next(((c, s) for c in order for s in slots if (id(c), day, s) not in self.booked), None)

    def visit(self, plan: RecipientPlan, day: dt.date, flaw: str) -> int:
        rng, recipient = self.dice.rng, plan.recipient
        found = self._slot(plan, day, flaw)
        if found is None:
            return 0
        caregiver, slot = found
        self.booked[(id(caregiver), day, slot)] = plan.reaches
        started_at = dt.datetime.combine(day, VISIT_SLOTS[slot], tzinfo=self.tz) + dt.timedelta(
            minutes=rng.randint(0, 20)
        )
        minutes = rng.randint(10, 25) if flaw == SHORT else rng.randint(45, 120) if rng.random() < 0.9 else 40
        ended_at = started_at + dt.timedelta(minutes=minutes)
        home = (float(recipient.home_latitude), float(recipient.home_longitude))
        far = flaw == FAR
        checkin = self.dice.near(home, rng.uniform(600, 2000) if far else 150, exactly=far)
        checkout = self.dice.near(home, 150)
        category = plan.categories[rng.randrange(len(plan.categories))]
        visit = Visit(
            client_uuid=uuid.UUID(int=(rng.getrandbits(128) ^ self.uuid_salt), version=4),
            recipient=recipient,
            area=recipient.area,
            provider=recipient.provider,
            caregiver=caregiver,
            category=category,
            started_at=started_at,
            ended_at=ended_at,
            service_date=day,
            checkin_latitude=checkin[0],
            checkin_longitude=checkin[1],
            checkout_latitude=checkout[0],
            checkout_longitude=checkout[1],
            satisfaction=self.dice.weighted(SATISFACTION_WEIGHTS) if rng.random() < 0.85 else "",
        )
        delay = rng.choice(LATE_DELAYS if flaw == LATE else ON_TIME_DELAYS)
        if ended_at + delay > dt.datetime.combine(self.today, dt.time(0), tzinfo=self.tz):
            delay = ON_TIME_DELAYS[0]  # a late entry still has to have happened by today
        if flaw == VOID:
            visit.status = VisitStatus.VOIDED
            visit.void_reason = f"重复录入{DEMO_MARK}"
            visit.voided_at = ended_at + delay + dt.timedelta(hours=rng.randint(2, 20))
        self.visits.append(visit)
        self.entered_after.append(delay)
        choices = self.service_items.get(category.pk, [])
        for item in rng.sample(choices, min(len(choices), rng.randint(1, 2))):
            self.visit_items.append((visit, item))
        return 1
