"""The demo organisations of each region and their caregivers.

Two or three organisations a region cover the four roles (home visits, bed retrofit, assessment and
design, acceptance); the retrofit company never accepts its own works. They serve the region's area
in every batch, so a provider with history in the finished batch has people to visit today.
"""

import math

from eldercare.areas.models import PilotArea, Region
from eldercare.providers.models import Caregiver, Provider

from ..names import ASSESSMENT_BRANDS, HOME_VISIT_BRANDS, RETROFIT_BRANDS
from .base import DEMO_PREFIX, Dice, Organisations

# Every home-visit provider has at least this many caregivers; more as it serves more people.
MIN_CAREGIVERS = 3
RECIPIENTS_PER_CAREGIVER = 8


class OrganisationMaker:
    def __init__(self, dice: Dice):
        self.dice = dice
        self.providers: list[Provider] = []
        self.provider_areas: list[tuple[Provider, PilotArea]] = []
        self.caregivers: list[Caregiver] = []

    def _provider(self, region: Region, suffix: str, brands: tuple, *, company: bool, **roles) -> Provider:
        dice = self.dice
        provider = Provider(
            name=f"{DEMO_PREFIX}{region.name}{dice.rng.choice(brands)}{suffix}",
            credit_code=dice.credit_code(region.code, company=company),
            contact_name=dice.person_name(dice.rng.choice("MF"), elder=False),
            is_demo=True,
            **roles,
        )
        self.providers.append(provider)
        return provider

    def for_region(self, region: Region, areas: list[PilotArea]) -> Organisations:
        """The region's organisations, serving each of `areas`; the home-visit centre comes first."""
        home = self._provider(region, "居家养老服务中心", HOME_VISIT_BRANDS, company=False, offers_home_visits=True)
        retrofit = self._provider(
            region, "适老化改造工程有限公司", RETROFIT_BRANDS, company=True, does_bed_retrofit=True
        )
        organisations = Organisations(retrofit=retrofit)
        if self.dice.chance(0.5):
            home.does_acceptance = True
            retrofit.does_assessment_design = True
            organisations.design, organisations.acceptance = retrofit, home
            organisations.home_visit = [home]
        else:
            assessor = self._provider(
                region,
                "养老评估咨询中心",
                ASSESSMENT_BRANDS,
                company=False,
                does_assessment_design=True,
                does_acceptance=True,
                offers_home_visits=True,
            )
            organisations.design = organisations.acceptance = assessor
            organisations.home_visit = [home, assessor]
        made = [home, retrofit, *organisations.home_visit[1:]]
        self.provider_areas += [(provider, area) for provider in made for area in areas]
        return organisations

    def staff(self, organisations: Organisations, served: dict[str, int]) -> None:
        """Caregivers for each home-visit provider, enough for the people it serves."""
        for number, provider in enumerate(organisations.home_visit, start=1):
            count = max(MIN_CAREGIVERS, math.ceil(served.get(provider.credit_code, 0) / RECIPIENTS_PER_CAREGIVER))
            staff = []
            for index in range(1, count + 1):
                sex = "F" if self.dice.chance(0.8) else "M"
                staff.append(
                    Caregiver(
                        provider=provider,
                        name=self.dice.person_name(sex, elder=False),
                        employee_number=f"HL{number}{index:03d}",
                    )
                )
            organisations.caregivers[provider.credit_code] = staff
            self.caregivers.extend(staff)
