"""Recipients (服务对象) and their capability assessments (能力评估).

Most people are assessed before their area's cycle starts, some early in it, and about one in
eight again mid-cycle: most get worse, a few improve from 失能 to 部分失能 after rehabilitation
(then home visits stop counting for them, as the rules say). People planned to reach the
person-time in the running batch, and enough others for each provider to have people to visit
today, are kept simple: disabled and in economic difficulty all along.
"""

import datetime as dt

from eldercare.core.validators import age_on
from eldercare.recipients.models import (
    DISABLED_LEVELS,
    PARTIALLY_DISABLED_LEVELS,
    CapabilityAssessment,
    CapabilityLevel,
    EconomicCategory,
    Recipient,
)

from ..names import COMMUNITIES, STREETS, VILLAGES, YOUNGER_GIVEN
from .base import DEMO_MARK, AreaPlan, Dice, RecipientPlan

ECONOMIC_WEIGHTS = {
    EconomicCategory.EXTREMELY_POOR: 15,
    EconomicCategory.MINIMUM_ALLOWANCE: 45,
    EconomicCategory.NEAR_MINIMUM: 24,
    EconomicCategory.EXPENSE_HARDSHIP: 13,
    EconomicCategory.NONE: 3,
}
DIFFICULTY_WEIGHTS = {category: weight for category, weight in ECONOMIC_WEIGHTS.items() if category != "none"}
LEVEL_WEIGHTS = {
    CapabilityLevel.INTACT: 3,
    CapabilityLevel.MILD: 12,
    CapabilityLevel.MODERATE: 25,
    CapabilityLevel.SEVERE: 40,
    CapabilityLevel.COMPLETE: 20,
}
DISABLED_WEIGHTS = {level: weight for level, weight in LEVEL_WEIGHTS.items() if level in DISABLED_LEVELS}
# The running batch enrols mostly people home visits are for, so its pages are about visits; a
# few partially disabled people are there for a family care bed only.
RUNNING_LEVEL_WEIGHTS = {
    **LEVEL_WEIGHTS,
    CapabilityLevel.INTACT: 1,
    CapabilityLevel.MILD: 4,
    CapabilityLevel.MODERATE: 10,
}
WORSE = {
    CapabilityLevel.INTACT: CapabilityLevel.MILD,
    CapabilityLevel.MILD: CapabilityLevel.MODERATE,
    CapabilityLevel.MODERATE: CapabilityLevel.SEVERE,
    CapabilityLevel.SEVERE: CapabilityLevel.COMPLETE,
    CapabilityLevel.COMPLETE: CapabilityLevel.COMPLETE,
}
REASSESSED = 0.12
IMPROVED = 0.2  # of the disabled who are reassessed


class PeopleMaker:
    def __init__(self, dice: Dice, today: dt.date):
        self.dice = dice
        self.today = today
        self.assessments: list[CapabilityAssessment] = []

    def address(self, plan: AreaPlan) -> str:
        rng = self.dice.rng
        street = rng.choice(STREETS)
        if street.endswith("镇") and rng.random() < 0.6:
            return f"{plan.address_prefix}{street}{rng.choice(VILLAGES)}{rng.randint(1, 320)}号"
        building, unit, floor = rng.randint(1, 30), rng.randint(1, 6), rng.randint(1, 7)
        return (
            f"{plan.address_prefix}{street}{rng.choice(COMMUNITIES)}"
            f"{building}号楼{unit}单元{floor}0{rng.randint(1, 4)}室"
        )

    def recipient(self, area_plan: AreaPlan, *, reaches: bool = False, assured: bool = False) -> RecipientPlan:
        """A recipient; `reaches` and `assured` ones are disabled and in economic difficulty all along."""
        assured = assured or reaches
        dice, area = self.dice, area_plan.area
        sex = dice.rng.choice("MF")
        birth = area_plan.cycle_start - dt.timedelta(days=int(dice.rng.triangular(60.05, 100, 78) * 365.25))
        while age_on(birth, area_plan.cycle_start) < 60:
            birth -= dt.timedelta(days=1)
        name = dice.person_name(sex, elder=True)
        latitude, longitude = dice.near(area_plan.centre, 6000)
        recipient = Recipient(
            resident_id=dice.resident_id(area.region.code, birth, sex),
            name=name,
            sex=sex,
            birth_date=birth,
            area=area,
            economic_category=dice.weighted(DIFFICULTY_WEIGHTS if assured else ECONOMIC_WEIGHTS),
            address=self.address(area_plan),
            home_latitude=latitude,
            home_longitude=longitude,
            guardian_name=name[0] + dice.rng.choice(YOUNGER_GIVEN[dice.rng.choice("MF")]),
            is_demo=True,
        )
        plan = RecipientPlan(recipient=recipient, area_plan=area_plan, reaches=reaches, assured=assured)
        self._assess(plan)
        area_plan.recipients.append(plan)
        return plan

    def _assess(self, plan: RecipientPlan) -> None:
        """One assessment before (or early in) the cycle; some are reassessed mid-cycle."""
        dice, area_plan = self.dice, plan.area_plan
        start = area_plan.cycle_start
        # Most before the cycle; people planned to reach 30 always, so they are eligible from its first day.
        before = plan.assured or dice.chance(0.85)
        first_on = min(start - dice.days(15, 400) if before else start + dice.days(0, 45), self.today)
        if plan.assured:
            level = dice.weighted(DISABLED_WEIGHTS)
        else:
            level = dice.weighted(RUNNING_LEVEL_WEIGHTS if area_plan.running else LEVEL_WEIGHTS)
        history = [(first_on, level)]
        if not plan.assured and level != CapabilityLevel.INTACT and dice.chance(REASSESSED):
            again_on = start + dice.days(60, 240)
            if again_on <= min(area_plan.last_day, self.today):
                improved = level in DISABLED_LEVELS and dice.chance(IMPROVED)
                history.append((again_on, CapabilityLevel.MODERATE if improved else WORSE[level]))
        for assessed_on, assessed_level in history:
            self.assessments.append(
                CapabilityAssessment(
                    recipient=plan.recipient,
                    assessed_on=assessed_on,
                    level=assessed_level,
                    assessor_name=dice.person_name(dice.rng.choice("MF"), elder=False),
                    assessor_provider=area_plan.organisations.design,
                    note=f"复评{DEMO_MARK}" if assessed_on != first_on else "",
                )
            )
        plan.last_assessed_on = history[-1][0]
        if plan.recipient.economic_category == EconomicCategory.NONE:
            return
        for assessed_on, assessed_level in history:
            if assessed_level in DISABLED_LEVELS and plan.visit_from is None:
                plan.visit_from = assessed_on
            elif assessed_level not in DISABLED_LEVELS and plan.visit_from is not None:
                plan.visit_until = assessed_on - dt.timedelta(days=1)
            if assessed_level in DISABLED_LEVELS | PARTIALLY_DISABLED_LEVELS and plan.bed_from is None:
                plan.bed_from = assessed_on

    def eligible_today(self, plan: RecipientPlan) -> bool:
        """Planned eligible for home visits today: a visit logged today would count for them."""
        return plan.visit_from is not None and plan.visit_from <= self.today and plan.visit_until is None
