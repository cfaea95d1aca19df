"""A confirmed fee sheet in the demo world: last month's visits of the showcase area's first provider.

Made through the fee services, as an official would: one visit voided as 超时 (overtime), the rest
confirmed, then the sheet confirmed, which locks the confirmed visits and voids the voided one.
"""

import datetime as dt
from decimal import Decimal

from eldercare.fees.models import FeeSheetLine
from eldercare.fees.services import fee_lines_decide, fee_sheet_confirm, fee_sheet_prepare, payable_visits

from .base import DEMO_MARK
from .workflow import _showcase

DEMO_UNIT_FEE = Decimal("50.00")


def add_confirmed_fee_sheet(world, *, today: dt.date):
    """Last calendar month's sheet for the showcase area's first home-visit provider; None if no visit."""
    plan = _showcase(world)
    if not plan.organisations.home_visit:
        return None
    provider = plan.organisations.home_visit[0]
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if not payable_visits(provider=provider, area=plan.area, month=last_month).exists():
        return None
    sheet = fee_sheet_prepare(provider=provider, area=plan.area, month=last_month, user=None, unit_fee=DEMO_UNIT_FEE)
    line_ids = list(FeeSheetLine.objects.filter(sheet=sheet).order_by("visit__started_at").values_list("pk", flat=True))
    fee_lines_decide(line_ids=line_ids[:1], decision="voided", reason="overtime", note=DEMO_MARK, user=None)
    if line_ids[1:]:
        fee_lines_decide(line_ids=line_ids[1:], decision="confirmed", user=None)
    return fee_sheet_confirm(sheet=sheet, user=None)
