"""Family care beds (家庭养老床位) and their retrofit items, with dates that follow the lifecycle.

In the finished batch beds are spread over every state (the first few cycle through all of them,
so even a small world shows each). In the running batch exactly the planned number are accepted
within the cycle by today, which with the fitted target puts the area's beds in its state; the
others are still on their way, or withdrawn before acceptance.
"""

import datetime as dt
from decimal import Decimal

from eldercare.beds.models import BedStatus, FamilyCareBed, RetrofitCatalogItem, RetrofitItem, WithdrawalReason

from .base import DEMO_MARK, AreaPlan, Dice, RecipientPlan

BED_STATE_WEIGHTS = {
    BedStatus.APPLIED: 8,
    BedStatus.ASSESSED: 8,
    BedStatus.RETROFITTING: 10,
    BedStatus.AWAITING_ACCEPTANCE: 8,
    BedStatus.ACCEPTED: 18,
    BedStatus.IN_SERVICE: 40,
    BedStatus.WITHDRAWN: 8,
}
NOT_YET_ACCEPTED = {
    BedStatus.APPLIED: 3,
    BedStatus.ASSESSED: 3,
    BedStatus.RETROFITTING: 4,
    BedStatus.AWAITING_ACCEPTANCE: 3,
    BedStatus.WITHDRAWN: 1,
}
# The lifecycle in order, with the (min, max) days each step takes after the previous one.
BED_STEPS = (
    (BedStatus.ASSESSED, (5, 25)),
    (BedStatus.RETROFITTING, (3, 20)),
    (BedStatus.AWAITING_ACCEPTANCE, (5, 30)),
    (BedStatus.ACCEPTED, (3, 20)),
    (BedStatus.IN_SERVICE, (1, 10)),
)
BED_ORDER = (BedStatus.APPLIED, *(status for status, _ in BED_STEPS))
BEFORE_ACCEPTANCE = BED_ORDER[: BED_ORDER.index(BedStatus.ACCEPTED)]
WITHDRAWAL_WEIGHTS = {
    WithdrawalReason.DIED: 35,
    WithdrawalReason.MOVED: 20,
    WithdrawalReason.DECLINED: 30,
    WithdrawalReason.INELIGIBLE: 10,
    WithdrawalReason.OTHER: 5,
}
ROOM_KEYWORDS = (
    (("扶手", "防滑", "淋浴", "坐便", "水浸"), RetrofitItem.Room.BATHROOM),
    (("床", "护栏", "防压疮", "夜灯"), RetrofitItem.Room.BEDROOM),
    (("烟雾", "燃气"), RetrofitItem.Room.KITCHEN),
    (("门", "坡道", "高差"), RetrofitItem.Room.ENTRANCE),
)
HISTORY_BED_SHARE = 0.45  # of the people who may have a bed, in the finished batch


class BedMaker:
    def __init__(self, dice: Dice):
        self.dice = dice
        self.beds: list[FamilyCareBed] = []
        self.items: list[RetrofitItem] = []
        self.catalogue = list(RetrofitCatalogItem.objects.filter(is_active=True).order_by("kind", "code"))
        self.accessibility = [item for item in self.catalogue if not item.is_device]
        self.devices = [item for item in self.catalogue if item.is_device]
        self.drawn = 0

    def history_beds(self, area_plan: AreaPlan) -> None:
        for plan in area_plan.recipients:
            if plan.bed_from and plan.bed_from <= area_plan.last_day and self.dice.chance(HISTORY_BED_SHARE):
                states = list(BED_STATE_WEIGHTS)
                status = states[self.drawn] if self.drawn < len(states) else self.dice.weighted(BED_STATE_WEIGHTS)
                self.drawn += 1
                self.bed(plan, status)

    def running_beds(self, area_plan: AreaPlan, candidates: list[RecipientPlan], others: list[RecipientPlan]) -> None:
        """`candidates` (assessed before the cycle) get accepted beds; `others` a bed on its way, or none."""
        for plan in candidates:
            self.bed(plan, BedStatus.IN_SERVICE if self.dice.chance(0.6) else BedStatus.ACCEPTED)
        for plan in others:
            if plan.bed_from and plan.bed_from <= area_plan.last_day and self.dice.chance(0.35):
                self.bed(plan, self.dice.weighted(NOT_YET_ACCEPTED))

    def bed(self, plan: RecipientPlan, status: str) -> FamilyCareBed | None:
        """A bed in `status`, with dates that fit between its application and the area's last day."""
        dice, area_plan = self.dice, plan.area_plan
        withdraw = status == BedStatus.WITHDRAWN
        if withdraw:
            status = dice.rng.choice(BEFORE_ACCEPTANCE if area_plan.running else BED_ORDER)
        steps = [(step, dice.days(*span)) for step, span in BED_STEPS]
        reached = BED_ORDER.index(status)
        earliest = max(area_plan.cycle_start, plan.bed_from)
        withdrawal_gap = dice.days(5, 60) if withdraw else dt.timedelta(0)
        while True:
            needed = sum((gap for _, gap in steps[:reached]), withdrawal_gap)
            room = (area_plan.last_day - earliest - needed).days
            if room >= 0 or reached == 0:
                break
            reached -= 1
        if room < 0:
            return None
        applied_on = earliest + dt.timedelta(days=dice.rng.randint(0, min(room, 200)))
        bed = FamilyCareBed(
            recipient=plan.recipient, area=area_plan.area, applied_on=applied_on, status=BED_ORDER[reached]
        )
        organisations, day = area_plan.organisations, applied_on
        for step, gap in steps[:reached]:
            day += gap
            if step == BedStatus.ASSESSED:
                bed.design_provider, bed.plan_signed_on = organisations.design, day
            elif step == BedStatus.RETROFITTING:
                bed.retrofit_provider, bed.retrofit_started_on = organisations.retrofit, day
            elif step == BedStatus.AWAITING_ACCEPTANCE:
                bed.retrofit_finished_on = day
            elif step == BedStatus.ACCEPTED:
                bed.acceptance_provider, bed.accepted_on = organisations.acceptance, day
            else:
                bed.service_started_on = day
                bed.platform_account = f"JT{area_plan.area.region.code}{dice.rng.randrange(10**6):06d}"
        if bed.retrofit_started_on:
            self._items(area_plan, bed, finished_on=bed.retrofit_finished_on or day)
        if withdraw:
            self._withdraw(plan, bed, day + withdrawal_gap)
        self.beds.append(bed)
        return bed

    def _withdraw(self, plan: RecipientPlan, bed: FamilyCareBed, day: dt.date) -> None:
        bed.status = BedStatus.WITHDRAWN
        bed.withdrawn_on = day
        bed.withdrawal_reason = self.dice.weighted(WITHDRAWAL_WEIGHTS)
        gone = (WithdrawalReason.DIED, WithdrawalReason.MOVED)
        if bed.withdrawal_reason in gone and (plan.last_assessed_on > day or plan.area_plan.running):
            bed.withdrawal_reason = WithdrawalReason.DECLINED  # still here: reassessed later, or visited today
        if bed.withdrawal_reason == WithdrawalReason.OTHER:
            bed.withdrawal_note = f"子女接回外地同住{DEMO_MARK}"
        if bed.withdrawal_reason in gone and plan.visit_from:
            stop = day - dt.timedelta(days=1)
            plan.visit_until = min(plan.visit_until or stop, stop)

    def _items(self, area_plan: AreaPlan, bed: FamilyCareBed, *, finished_on: dt.date) -> None:
        """Accessibility items and smart devices, kept under the batch's cost cap for most beds."""
        rng = self.dice.rng
        chosen = rng.sample(self.accessibility, min(len(self.accessibility), rng.randint(2, 5)))
        chosen += rng.sample(self.devices, min(len(self.devices), rng.randint(2, 4)))
        cap = area_plan.area.batch.bed_cost_cap if rng.random() < 0.95 else Decimal("1e9")
        total = Decimal(0)
        span = max(0, (finished_on - bed.retrofit_started_on).days)
        for catalog_item in chosen:
            quantity = rng.randint(1, 3) if "扶手" in catalog_item.name else 1
            unit = catalog_item.reference_cost or Decimal(rng.randint(100, 800))
            cost = (unit * quantity * Decimal(rng.randint(85, 110)) / 100).quantize(Decimal("0.01"))
            if total + cost > cap:
                continue
            total += cost
            installed_on = bed.retrofit_started_on + dt.timedelta(days=rng.randint(0, span))
            item = RetrofitItem(
                bed=bed,
                catalog_item=catalog_item,
                room=next(
                    (room for words, room in ROOM_KEYWORDS if any(w in catalog_item.name for w in words)),
                    RetrofitItem.Room.WHOLE_HOME,
                ),
                quantity=quantity,
                cost=cost,
                installed_on=installed_on,
            )
            if catalog_item.is_device:
                item.serial_number = f"{catalog_item.code[:3].upper()}{installed_on:%y%m}{rng.randrange(10**8):08d}"
                item.warranty_months = rng.choice((12, 12, 24, 36))
            self.items.append(item)
