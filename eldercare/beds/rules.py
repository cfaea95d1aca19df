"""When a family care bed (家庭养老床位) counts toward its area's target: the rule, in Python and as a query.

DOMAIN.md: a bed counts when it was accepted (验收合格) within its area's project cycle, whatever
happens after: a bed accepted in the cycle and later withdrawn (撤销) still counts, because the
retrofit was done and paid for. As of a day D it counts when it was also accepted on or before D.
A bed with no acceptance date, or an area with no cycle yet, never counts.

The rule is written twice on purpose, side by side: `bed_counts_toward_target` for rows already in
Python (the bed ledger streams them) and `beds_counting_toward_target_q` for set-based counts (roll-
ups, the dashboard). `tests/rules/test_beds.py` checks that the two agree on a grid of cases.
The status is deliberately not read: acceptance is a fact with a date, the status only says where
the bed is now.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import F, Q


def bed_counts_toward_target(
    bed_or_values: Any,
    *,
    cycle_start: dt.date | None,
    cycle_end: dt.date | None,
    as_of: dt.date | None,
) -> bool:
    """Whether a bed counts toward the target as of `as_of` (None: whatever the day).

    `bed_or_values` is a bed (or a historical bed row) or a mapping with an `accepted_on` key.
    """
    is_mapping = isinstance(bed_or_values, Mapping)
    accepted_on = bed_or_values.get("accepted_on") if is_mapping else bed_or_values.accepted_on
    if accepted_on is None or cycle_start is None or cycle_end is None:
        return False
    if as_of is not None and accepted_on > as_of:
        return False
    return cycle_start <= accepted_on <= cycle_end


def beds_counting_toward_target_q(as_of: dt.date | None) -> Q:
    """The same rule as a filter on beds (or on their history rows), reading the cycle through `area`.

    A NULL acceptance date or cycle bound makes the comparisons unknown, so such a bed is left
    out, as in Python.
    """
    condition = Q(
        accepted_on__isnull=False,
        accepted_on__gte=F("area__cycle_start"),
        accepted_on__lte=F("area__cycle_end"),
    )
    if as_of is not None:
        condition &= Q(accepted_on__lte=as_of)
    return condition
