"""The person-time threshold and the pace rules: each in Python and as a query, side by side.

Person-time (1人次, DOMAIN.md): a recipient given at least the batch's `visits_per_person_time`
counted visits (30 in the 2023 batch) within the cycle makes one person-time; below it they are
"in progress", never a fraction. The threshold is per batch, never a constant in code, so the
progress bands are thirds of it: with 30, band 1 is 1–9 counted visits, band 2 is 10–19 and band 3
is 20–29. A count c (1 ≤ c < N) falls in band k (1, 2, 3) when (k − 1)·N ≤ 3·c < k·N, which needs
no division and so reads the same in Python and SQL.

Pace: the share of an area's one-year cycle elapsed by the end of a day; what a steady pace would
have reached by then (the target times that share: a straight line from nothing at the cycle
start to the target at the cycle end); and whether a recipient is at risk of not reaching the
person-time before the cycle ends. A recipient who has not reached it is at risk when
  - the cycle is over, or
  - fewer cycle days remain than visits still needed (at most one visit a day counts), or
  - counted + pace × days remaining < needed, where pace = counted visits per day since the
    first counted visit (or since the cycle start when there is none yet).
`pace_at_risk` is the Python form; `pace_at_risk_sql` renders the same CASE for the recount
statement (recount_sql.py). `tests/rules/test_pace.py` checks the pairs agree on many cases.
The elapsed share and the expectation are only needed per area (tens of rows), so they have no
query form.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.expressions import Combinable
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils.translation import gettext, ngettext

# The batch's threshold as seen from a recipient's progress row (RecipientProgress.area → batch).
NEEDED_FROM_PROGRESS = F("area__batch__visits_per_person_time")

# The stored band columns, first third to last. Their names are those of the 2023 threshold (30);
# their meaning is "third k of the batch's threshold" (see `person_time_bands`).
BAND_FIELDS = ("band_1_9", "band_10_19", "band_20_29")
NO_VISIT_BAND = "band_0"
REACHED = "reached"


# --- The person-time threshold ------------------------------------------------------------------


def reached_person_time(counted: int, needed: int) -> bool:
    """Whether `counted` counted visits make the person-time (1人次) at a threshold of `needed`."""
    return counted >= needed


def reached_person_time_q(*, counted: str = "counted_visits", needed: Combinable = NEEDED_FROM_PROGRESS) -> Q:
    """The same as a filter (by default on RecipientProgress rows)."""
    return Q(GreaterThanOrEqual(F(counted), needed))


@dataclass(frozen=True)
class Band:
    """One progress band: recipients with `lower` to `upper` counted visits (empty when lower > upper)."""

    field: str
    lower: int
    upper: int

    @property
    def is_empty(self) -> bool:
        return self.lower > self.upper

    @property
    def label(self) -> str:
        """The band in words, in the active language: 1–9 visits with a threshold of 30."""
        if self.is_empty:
            return "—"
        if self.lower == self.upper:
            return ngettext("%(count)d visit", "%(count)d visits", self.lower) % {"count": self.lower}
        return gettext("%(lower)d–%(upper)d visits") % {"lower": self.lower, "upper": self.upper}


def person_time_bands(needed: int) -> tuple[Band, Band, Band]:
    """The three bands below the threshold: with 30, 1–9, 10–19 and 20–29."""
    # Band k holds c with (k − 1)·N ≤ 3c < k·N: from ceil((k − 1)·N / 3) to ceil(k·N / 3) − 1, and c ≥ 1.
    bands = []
    for k, field in enumerate(BAND_FIELDS, start=1):
        lower = max(1, -(-(k - 1) * needed // 3))
        upper = -(-k * needed // 3) - 1
        bands.append(Band(field, lower, upper))
    return tuple(bands)


def band_of(counted: int, needed: int) -> str:
    """The band a recipient with `counted` counted visits is in: NO_VISIT_BAND, a BAND_FIELDS name or REACHED."""
    if reached_person_time(counted, needed):
        return REACHED
    if counted < 1:
        return NO_VISIT_BAND
    for k, field in enumerate(BAND_FIELDS, start=1):
        if (k - 1) * needed <= 3 * counted < k * needed:
            return field
    raise AssertionError("every count below the threshold falls in a band")  # pragma: no cover


def band_q(field: str, *, counted: str = "counted_visits", needed: Combinable = NEEDED_FROM_PROGRESS) -> Q:
    """The filter of one band (a BAND_FIELDS name) over rows with a counted-visits column."""
    k = BAND_FIELDS.index(field) + 1
    three_times = F(counted) * 3
    condition = Q(**{f"{counted}__gte": 1}) & Q(LessThan(three_times, needed * k))
    if k > 1:
        condition &= Q(GreaterThanOrEqual(three_times, needed * (k - 1)))
    return condition


# --- Pace -----------------------------------------------------------------------------------------


def _elapsed_days(start: dt.date | None, end: dt.date | None, day: dt.date) -> tuple[int, int]:
    """(Days of the cycle gone by the end of `day`, days in the cycle); (0, 1) with no cycle."""
    if not start or not end or end < start or day < start:
        return 0, 1
    length = (end - start).days + 1
    return min((day - start).days + 1, length), length


def cycle_elapsed_share(start: dt.date | None, end: dt.date | None, day: dt.date) -> Decimal:
    """The share (0 to 1) of the cycle elapsed by the end of `day` (the day itself counts as elapsed)."""
    elapsed, length = _elapsed_days(start, end, day)
    return Decimal(elapsed) / Decimal(length)


def expected_by(target: int | Decimal, start: dt.date | None, end: dt.date | None, day: dt.date) -> Decimal:
    """What a steady pace would have reached by the end of `day`: the target times the share of the cycle gone."""
    elapsed, length = _elapsed_days(start, end, day)
    # Multiplied before dividing, so a whole expectation stays exact (and rounds the same everywhere).
    return Decimal(target) * elapsed / length


def pace_at_risk(
    *,
    counted: int,
    needed: int,
    first_counted: dt.date | None,
    cycle_start: dt.date | None,
    cycle_end: dt.date | None,
    today: dt.date,
) -> bool:
    """Whether a recipient is at risk of not reaching the person-time before the cycle ends, at their pace."""
    if reached_person_time(counted, needed):
        return False
    if cycle_start is None or cycle_end is None or today < cycle_start:
        return False
    if today > cycle_end:
        return True
    days_left = (cycle_end - today).days + 1
    still_needed = needed - counted
    if still_needed > days_left:
        return True
    observed_from = first_counted or cycle_start
    observed_days = max(1, (today - observed_from).days + 1)
    return counted + counted / observed_days * days_left < needed


def sql_fragments(vendor: str) -> dict[str, str]:
    """The few expressions whose SQL differs between PostgreSQL and SQLite, as format strings."""
    if vendor == "postgresql":
        return {
            "days": "({a} - {b})",  # date - date is a whole number of days
            "greatest": "GREATEST({a}, {b})",
            "real": "CAST({a} AS DOUBLE PRECISION)",
        }
    return {
        "days": "CAST(julianday({a}) - julianday({b}) AS INTEGER)",
        "greatest": "MAX({a}, {b})",
        "real": "CAST({a} AS REAL)",
    }


def pace_at_risk_sql(
    *, counted: str, needed: str, first_counted: str, cycle_start: str, cycle_end: str, today: str, vendor: str
) -> str:
    """`pace_at_risk` as a SQL CASE over these SQL expressions (column names or parameters)."""
    sql = sql_fragments(vendor)
    days_left = sql["days"].format(a=cycle_end, b=today) + " + 1"
    observed = sql["greatest"].format(
        a="1", b=sql["days"].format(a=today, b=f"COALESCE({first_counted}, {cycle_start})") + " + 1"
    )
    # Same order of operations as pace_at_risk: counted + counted / observed × days left.
    projected = f"{counted} + {sql['real'].format(a=counted)} / {observed} * ({days_left})"
    return f"""CASE
                   WHEN {counted} >= {needed} THEN FALSE
                   WHEN {cycle_start} IS NULL OR {cycle_end} IS NULL OR {today} < {cycle_start} THEN FALSE
                   WHEN {today} > {cycle_end} THEN TRUE
                   WHEN {needed} - {counted} > {days_left} THEN TRUE
                   WHEN {projected} < {needed} THEN TRUE
                   ELSE FALSE
               END"""
