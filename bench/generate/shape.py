"""The shape of the benchmark world: sizes, codes, column lists, limits drawn from the batch, and small helpers."""

import datetime as dt
import math
import random
from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal

from eldercare.areas.models import Batch, PilotArea
from eldercare.beds.models import BedStatus, WithdrawalReason
from eldercare.demo.names import (
    COMMUNITIES,
    ELDER_GIVEN,
    KNOWN_CENTRES,
    PROVINCE_CENTRES,
    STREETS,
    SURNAMES,
    YOUNGER_GIVEN,
)
from eldercare.recipients.models import DISABLED_LEVELS, CapabilityLevel, EconomicCategory
from eldercare.visits.models import Satisfaction

DEFAULT_SEED = 2023
FULL_RECIPIENTS = 220_000
FULL_BEDS = 100_000
FULL_DAY_VISITS = 18_000
BENCH_MARK = "（基准数据）"  # marks invented text, as 示例 marks the demo world
# Daily slots (minutes after midnight); a visit starts up to 20 minutes into its slot and lasts
# at most 120 minutes unless made too long on purpose, so one caregiver's slots never overlap.
SLOTS = (480, 630, 840, 990)
METRES_PER_DEGREE = 111_000
CENT = Decimal("0.01")
OFFSET = "+08:00"  # Asia/Shanghai has had no daylight saving time since 1991

# Codes are written as plain strings (`.value`): COPY and the row tuples take text, not enum members.
LEVELS = (
    (CapabilityLevel.INTACT.value, 1),
    (CapabilityLevel.MILD.value, 3),
    (CapabilityLevel.MODERATE.value, 5),
    (CapabilityLevel.SEVERE.value, 60),
    (CapabilityLevel.COMPLETE.value, 31),
)
ECONOMIC = (
    (EconomicCategory.EXTREMELY_POOR.value, 15),
    (EconomicCategory.MINIMUM_ALLOWANCE.value, 45),
    (EconomicCategory.NEAR_MINIMUM.value, 24),
    (EconomicCategory.EXPENSE_HARDSHIP.value, 15),
    (EconomicCategory.NONE.value, 1),
)
DISABLED = frozenset(level.value for level in DISABLED_LEVELS)  # 失能: visits are for them
NO_DIFFICULTY = EconomicCategory.NONE.value
INTACT = CapabilityLevel.INTACT.value  # no disability: no bed
BED_STATES = (
    (BedStatus.APPLIED.value, 4),
    (BedStatus.ASSESSED.value, 4),
    (BedStatus.RETROFITTING.value, 8),
    (BedStatus.AWAITING_ACCEPTANCE.value, 6),
    (BedStatus.ACCEPTED.value, 20),
    (BedStatus.IN_SERVICE.value, 52),
    (BedStatus.WITHDRAWN.value, 6),
)
BED_ORDER = tuple(
    status.value
    for status in (
        BedStatus.APPLIED,
        BedStatus.ASSESSED,
        BedStatus.RETROFITTING,
        BedStatus.AWAITING_ACCEPTANCE,
        BedStatus.ACCEPTED,
        BedStatus.IN_SERVICE,
    )
)
BED_GAPS = ((5, 25), (3, 20), (5, 30), (3, 20), (1, 10))
WITHDRAWAL_REASONS = tuple(
    reason.value
    for reason in (
        WithdrawalReason.DIED,
        WithdrawalReason.MOVED,
        WithdrawalReason.DECLINED,
        WithdrawalReason.DECLINED,
        WithdrawalReason.INELIGIBLE,
    )
)
ROOMS = ("bedroom", "bathroom", "kitchen", "living_room", "entrance", "whole_home")
SATISFACTION = (
    (Satisfaction.SATISFIED.value,) * 88
    + (Satisfaction.FAIRLY_SATISFIED.value,) * 9
    + (Satisfaction.DISSATISFIED.value,) * 3
)
CATEGORY_WEIGHTS = (35, 20, 15, 15, 8, 7)


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


PROVIDER_COLUMNS = _columns(
    "id created_at updated_at name credit_code offers_home_visits does_bed_retrofit does_assessment_design "
    "does_acceptance contact_name contact_phone is_demo"
)
RECIPIENT_COLUMNS = _columns(
    "id created_at updated_at resident_id name sex birth_date area_id economic_category provider_id address "
    "home_latitude home_longitude phone guardian_name guardian_phone is_demo"
)
ASSESSMENT_COLUMNS = _columns(
    "id created_at updated_at recipient_id assessed_on level assessor_name assessor_provider_id note"
)
CAREGIVER_COLUMNS = _columns("id created_at updated_at provider_id name phone employee_number is_active")
BED_COLUMNS = _columns(
    "id created_at updated_at recipient_id area_id status applied_on design_provider_id plan_signed_on "
    "retrofit_provider_id retrofit_started_on retrofit_finished_on acceptance_provider_id accepted_on "
    "service_started_on platform_account withdrawn_on withdrawal_reason withdrawal_note"
)
ITEM_COLUMNS = _columns(
    "id created_at updated_at bed_id catalog_item_id room quantity cost serial_number installed_on warranty_months"
)
VISIT_COLUMNS = _columns(
    "id created_at updated_at client_uuid recipient_id area_id provider_id caregiver_id category_id started_at "
    "ended_at service_date checkin_latitude checkin_longitude checkout_latitude checkout_longitude satisfaction "
    "note status void_reason voided_at is_countable"
)
ENROLMENT_COLUMNS = _columns(
    "id created_at updated_at recipient_id area_id application_id enrolled_on ended_on end_reason created_by_id"
)
# With several batches, this share of an area's people still eligible at its cycle's end is served
# again by the next batch's area of the same county (enrolled in both; 纳入 per batch).
CONTINUING_SHARE = 0.3
VISIT_DATETIMES = ("created_at", "updated_at", "started_at", "ended_at", "voided_at")
STAMPS = ("created_at", "updated_at")

TABLES = {
    "provider": "providers_provider",
    "provider_area": "providers_provider_areas",
    "caregiver": "providers_caregiver",
    "recipient": "recipients_recipient",
    "assessment": "recipients_capabilityassessment",
    "bed": "beds_familycarebed",
    "item": "beds_retrofititem",
    "visit": "visits_visit",
    "visit_item": "visits_visit_items",
    "enrolment": "recipients_enrolment",
}
HISTORY_REASON = "bench world"
HISTORY_TABLES = (
    "providers_historicalprovider",
    "providers_historicalcaregiver",
    "recipients_historicalrecipient",
    "recipients_historicalcapabilityassessment",
    "recipients_historicalenrolment",
    "beds_historicalfamilycarebed",
    "beds_historicalretrofititem",
    "visits_historicalvisit",
)
BULK_LOADED = (*TABLES.values(), "visits_visitexception", *HISTORY_TABLES)


@dataclass(frozen=True)
class WorldSize:
    """The whole world's size; with several yearly batches each holds an equal share of it.

    `day_visits` is a day of the latest batch (the earlier batches' cycles are over), so scale 3
    with three batches has the people and visits of three scale-1 years and a scale-1 day.
    """

    scale: float
    recipients: int
    beds: int
    day_visits: int
    batches: int = 1

    @classmethod
    def at(cls, scale: float, *, batches: int = 1) -> "WorldSize":
        return cls(
            scale=scale,
            recipients=max(50 * batches, round(FULL_RECIPIENTS * scale)),
            beds=round(FULL_BEDS * scale),
            day_visits=max(10, round(FULL_DAY_VISITS * scale / batches)),
            batches=batches,
        )


@dataclass
class GenerationReport:
    size: WorldSize
    seed: int
    bench_day: dt.date
    nightly_day: dt.date | None = None
    batches: list = field(default_factory=list)  # years, oldest first
    rows: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    exceptions_made: dict = field(default_factory=dict)

    @property
    def visits(self) -> int:
        return self.rows.get(TABLES["visit"], 0)


@dataclass(frozen=True)
class _Limits:
    """Where the generated visits fall against the batch's settings (minutes, metres, days).

    Exceptions are made on purpose just outside a limit, ordinary visits inside it; with the 2023
    batch (30 visits to a person-time, 30 min to 8 h, 500 m, 7 days) these are the ranges in the
    module docstring.
    """

    needed: int
    too_short: tuple[int, int]
    brief: tuple[int, int]  # long enough, but shorter than most
    ordinary: tuple[int, int]
    too_long: tuple[int, int]
    far: tuple[float, float]
    late_days: tuple[int, int]

    @classmethod
    def of(cls, batch: Batch) -> "_Limits":
        shortest, longest = batch.min_visit_minutes, batch.max_visit_hours * 60
        return cls(
            needed=batch.visits_per_person_time,
            too_short=(max(1, shortest // 3), max(1, shortest - 5)),
            brief=(shortest, shortest + 14),
            ordinary=(shortest + 15, max(shortest + 15, 120)),
            too_long=(longest + 20, longest + 120),
            far=(batch.checkin_radius_m + 100, batch.checkin_radius_m + 1500),
            late_days=(batch.late_entry_days + 1, batch.late_entry_days + 13),
        )


class _Clock:
    """Day numbers (ordinals) and minutes to the text PostgreSQL takes, cached: formatting is the hot path."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}
        self.minutes = [f"{m // 60:02d}:{m % 60:02d}:00{OFFSET}" for m in range(1440)]

    def day(self, ordinal: int) -> str:
        text = self.days.get(ordinal)
        if text is None:
            text = self.days[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    def at(self, ordinal: int, minute: int) -> str:
        extra, minute = divmod(minute, 1440)
        return f"{self.day(ordinal + extra)} {self.minutes[minute]}"


def _weighted(pairs):
    values = [value for value, _weight in pairs]
    cumulative, total = [], 0
    for _value, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative, total


def _pick(rng: random.Random, table) -> str:
    values, cumulative, total = table
    return values[bisect_left(cumulative, rng.random() * total)]


@dataclass
class _Area:
    area: PilotArea
    rng: random.Random
    recipients: int
    beds: int
    start: int  # cycle start, ordinal
    last: int  # last day visits may fall on, ordinal
    centre: tuple
    limits: "_Limits"
    home_providers: list = field(default_factory=list)
    retrofit_provider: int = 0
    assessor: int = 0


@dataclass
class _Person:
    pk: int
    latitude: float
    longitude: float
    provider: int | None = None
    days: list = field(default_factory=list)
    categories: tuple = ()
    near: tuple = ()
    # Still eligible for visits after this cycle (last assessed disabled, with economic difficulty):
    # may be served again by the next batch's area of the same county.
    eligible_later: bool = False


def choose_nightly_day(bench_day: dt.date) -> dt.date:
    """The same weekday a week before the benchmark day (inside the same cycles: the bench day is 2/3 in)."""
    return bench_day - dt.timedelta(days=7)


def choose_bench_day(areas: list[PilotArea]) -> dt.date:
    """A weekday inside every area's cycle, left free of visits for the incremental measurement."""
    first = max(area.cycle_start for area in areas)
    last = min(area.cycle_end for area in areas)
    day = first + (last - first) * 2 // 3
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _share(total: int, weights: list[float]) -> list[int]:
    exact = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    for index in sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _centre(code: str, rng: random.Random) -> tuple[float, float]:
    if code in KNOWN_CENTRES:
        return KNOWN_CENTRES[code]
    base = PROVINCE_CENTRES.get(code[:2], (34.0, 108.0))
    return base[0] + rng.uniform(-0.6, 0.6), base[1] + rng.uniform(-0.6, 0.6)


def _near(rng: random.Random, point: tuple, metres: float, *, exactly: bool = False) -> tuple[str, str]:
    latitude, longitude = point
    distance = metres * (1 if exactly else math.sqrt(rng.random())) / METRES_PER_DEGREE
    angle = rng.uniform(0, 2 * math.pi)
    latitude += distance * math.sin(angle)
    longitude += distance * math.cos(angle) / math.cos(math.radians(latitude))
    return f"{latitude:.6f}", f"{longitude:.6f}"


def _name(rng: random.Random, sex: str, *, elder: bool) -> str:
    given = (ELDER_GIVEN if elder else YOUNGER_GIVEN)[sex]
    return SURNAMES[int(len(SURNAMES) * rng.random() ** 2)] + given[rng.randrange(len(given))]


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _address(rng: random.Random, prefix: str) -> str:
    street = STREETS[rng.randrange(len(STREETS))]
    community = COMMUNITIES[rng.randrange(len(COMMUNITIES))]
    building, unit, floor, door = rng.randint(1, 30), rng.randint(1, 6), rng.randint(1, 7), rng.randint(1, 4)
    return f"{prefix}{street}{community}{building}号楼{unit}单元{floor}0{door}室"
