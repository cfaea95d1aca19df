"""Central funds: what the running areas are allocated, and what every area has paid out so far.

Allocations follow the public unit costs (about 5,500 元 a bed, 2,500 元 a person-time); payments
start three weeks into the cycle and keep roughly to the area's pace.
"""

import datetime as dt
from decimal import Decimal

from eldercare.areas.models import Disbursement, FundAllocation, FundUse

from .base import AreaPlan, Dice

BED_UNIT_COST = Decimal(5500)
PERSON_TIME_UNIT_COST = Decimal(2500)
CENT = Decimal("0.01")


class MoneyMaker:
    def __init__(self, dice: Dice):
        self.dice = dice
        self.allocations: list[FundAllocation] = []
        self.disbursements: list[Disbursement] = []
        self.allocated = {(a.area_id, a.use): a.amount for a in FundAllocation.objects.all()}
        self.vouchers = set(Disbursement.objects.values_list("area_id", "voucher_number"))

    def allocate(self, area_plan: AreaPlan) -> None:
        """The running area's allocation by use, from its targets."""
        area = area_plan.area
        for use, amount in (
            (FundUse.BEDS, area.target_beds * BED_UNIT_COST),
            (FundUse.HOME_VISITS, area.target_person_times * PERSON_TIME_UNIT_COST),
        ):
            self.allocations.append(FundAllocation(area=area, use=use, amount=amount, document_number="示例"))
            self.allocated[(id(area), use)] = amount

    def _allocated(self, area_plan: AreaPlan, use: str) -> Decimal | None:
        area = area_plan.area
        return self.allocated.get((area.pk, use)) if area.pk else self.allocated.get((id(area), use))

    def pay(self, area_plan: AreaPlan, *, pace: float, payees: dict, estimates: dict) -> None:
        """A few payments per use, together about `pace` of what the elapsed cycle would spend."""
        rng, area = self.dice.rng, area_plan.area
        first_day = area_plan.cycle_start + dt.timedelta(days=20)
        if area_plan.last_day < first_day:
            return
        progress = min(1.0, ((area_plan.last_day - area_plan.cycle_start).days + 1) / 365)
        number = 0
        for use in (FundUse.BEDS, FundUse.HOME_VISITS):
            allocated = self._allocated(area_plan, use)
            share = Decimal(rng.uniform(0.9, 1.05) * pace * progress)
            total = allocated * share if allocated else Decimal(estimates[use])
            count = rng.randint(2, 5)
            if total < count:
                continue
            span = (area_plan.last_day - first_day).days
            dates = sorted(first_day + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))
            shares = [rng.uniform(0.5, 1.5) for _ in range(count)]
            for paid_on, part in zip(dates, shares, strict=True):
                number += 1
                voucher = f"SL{area.region.code}-{area.batch.year}-{number:04d}"
                while (area.pk, voucher) in self.vouchers:
                    number += 1
                    voucher = f"SL{area.region.code}-{area.batch.year}-{number:04d}"
                self.vouchers.add((area.pk, voucher))
                self.disbursements.append(
                    Disbursement(
                        area=area,
                        paid_on=paid_on,
                        amount=(total * Decimal(part / sum(shares))).quantize(CENT),
                        use=use,
                        payee=payees[use].name,
                        voucher_number=voucher,
                    )
                )
