"""The national world for `make bench`, generated at a scale of the real programme.

At scale 1: the 50 pilot areas of the 2023 batch, 220,000 recipients with their capability
assessments, 100,000 family care beds with about four retrofit items each, some hundreds of home
-visit providers with about 5,000 caregivers, and about 6.6 million visits spread over each
area's one-year cycle (about 18,000 a day). Everything comes from `random.Random` seeded per
area, so the same seed and scale give the same rows; only nothing depends on the clock.

Visits follow the rules the app applies when it records one: the area and provider are the
recipient's, the caregiver works for that provider, `service_date` is the Asia/Shanghai date of
the start, and the visit is entered minutes after it ended. Each caregiver works in four daily
slots that cannot overlap, so every exception below is made on purpose:
  - about 3 % too short (10–25 minutes) and 0.1 % too long (over 8 hours, which also overlaps);
  - 1 % checked in 600–2,000 m from home;
  - 0.4 % booked into a slot the caregiver already has (a caregiver overlap, on two visits);
  - 0.5 % entered 8–20 days late; 0.5 % voided;
  - 1 % of recipients first assessed a few weeks into their visits, and 0.5 % reassessed as
    only partially disabled mid-cycle (not eligible those days).
Two days of the cycle are left without visits: `bench_day`, which the incremental measurement
adds through the bulk-ingest path, and `nightly_day` a week before, which the nightly recompute
finds added. With `--batches N` the N − 1 yearly batches before the latest are generated too
(`bench.batches`: the same counties, cycles in earlier years), each with its share of the people.
Codes (levels, categories, statuses) come from the domain's choices and the lengths, distances,
delays and the person-time threshold from the batch, so the world follows the settings it runs
under; at the 2023 batch's settings the figures above hold.

Rows are written per area with PostgreSQL COPY (`bench.loading`); exceptions and countability
are then established set-based (`bench.verification`).
"""

import datetime as dt
import math
import random
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from bench.batches import ensure_batches
from bench.loading import RowWriter, bulk_load_mode, next_ids, reset_sequences, write_history
from eldercare.areas.models import Batch, Disbursement, FundAllocation, FundUse, PilotArea
from eldercare.beds.models import BedStatus, RetrofitCatalogItem, WithdrawalReason
from eldercare.core.validators import credit_code_check_char, resident_id_check_char
from eldercare.demo.names import (
    COMMUNITIES,
    ELDER_GIVEN,
    KNOWN_CENTRES,
    PROVINCE_CENTRES,
    STREETS,
    SURNAMES,
    YOUNGER_GIVEN,
    organisation_code_check_char,
)
from eldercare.recipients.models import DISABLED_LEVELS, MINIMUM_AGE, CapabilityLevel, EconomicCategory
from eldercare.visits.models import Satisfaction, ServiceCategory, ServiceItem, VisitStatus

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
}
HISTORY_REASON = "bench world"
HISTORY_TABLES = (
    "providers_historicalprovider",
    "providers_historicalcaregiver",
    "recipients_historicalrecipient",
    "recipients_historicalcapabilityassessment",
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


class WorldGenerator:
    def __init__(self, size: WorldSize, *, seed: int = DEFAULT_SEED, log=print):
        self.size = size
        self.seed = seed
        self.log = log
        self.writer = RowWriter()
        self.clock = _Clock()
        self.ids = next_ids(TABLES.values())
        self.credit_codes: set[str] = set()
        self.made: Counter = Counter()
        self.levels = _weighted(LEVELS)
        self.economic = _weighted(ECONOMIC)
        self.bed_states = _weighted(BED_STATES)
        self.catalogue = list(RetrofitCatalogItem.objects.filter(is_active=True).order_by("code"))
        self.categories = list(ServiceCategory.objects.order_by("sort_order", "code").values_list("pk", flat=True))
        self.items_by_category: dict[int, list[int]] = {}
        for category_id, pk in (
            ServiceItem.objects.filter(is_active=True).order_by("code").values_list("category_id", "pk")
        ):
            self.items_by_category.setdefault(category_id, []).append(pk)
        self.category_weights = [
            CATEGORY_WEIGHTS[i] if i < len(CATEGORY_WEIGHTS) else 5 for i in range(len(self.categories))
        ]
        self.batches = ensure_batches(size.batches)
        self.areas = list(
            PilotArea.objects.filter(batch__in=self.batches)
            .select_related("batch", "region")
            .order_by("batch__year", "region__code")
        )
        if not self.areas or not self.catalogue or not self.categories:
            raise RuntimeError("Load the reference data first: manage.py load_reference_data")
        self.latest = self.batches[-1]
        latest_areas = [area for area in self.areas if area.batch_id == self.latest.pk]
        # Two weekdays of the latest cycles are left without visits: the incremental measurement
        # adds the first through the bulk-ingest path, the nightly recompute finds the second added.
        self.bench_day = choose_bench_day(latest_areas)
        self.nightly_day = choose_nightly_day(self.bench_day)
        self.free_days = {self.bench_day.toordinal(), self.nightly_day.toordinal()}
        # Resident IDs are unique nationwide; one county's areas of several batches share a division code.
        self.used_ids: set[str] = set()

    def take(self, key: str) -> int:
        pk = self.ids[TABLES[key]]
        self.ids[TABLES[key]] = pk + 1
        return pk

    # --- the whole world -----------------------------------------------------------------------

    def generate(self, *, before_indexes=None) -> GenerationReport:
        """Write every table; `before_indexes` runs once the rows are in, before indexes are rebuilt."""
        report = GenerationReport(
            size=self.size,
            seed=self.seed,
            bench_day=self.bench_day,
            nightly_day=self.nightly_day,
            batches=[batch.year for batch in self.batches],
        )
        started = time.perf_counter()
        recipient_shares, bed_shares = [], []
        for batch, recipients, beds in zip(
            self.batches,
            _share(self.size.recipients, [1] * len(self.batches)),
            _share(self.size.beds, [1] * len(self.batches)),
            strict=True,
        ):
            areas = [area for area in self.areas if area.batch_id == batch.pk]
            recipient_shares += _share(recipients, [area.target_person_times or 1 for area in areas])
            bed_shares += _share(beds, [area.target_beds or 1 for area in areas])
        with bulk_load_mode(BULK_LOADED, log=self.log):
            for number, (area, recipients, beds) in enumerate(
                zip(self.areas, recipient_shares, bed_shares, strict=True), start=1
            ):
                self.area(area, recipients, beds)
                if number % 10 == 0 or number == len(self.areas):
                    self.log(
                        f"  {number}/{len(self.areas)} areas, {self.writer.rows_written.get(TABLES['visit'], 0):,} "
                        f"visits, {time.perf_counter() - started:.0f} s"
                    )
            history_started = time.perf_counter()
            report.rows.update(write_history(_historied_models(), reason=HISTORY_REASON))
            report.seconds["history_rows"] = time.perf_counter() - history_started
            report.seconds["rows_written"] = time.perf_counter() - started
            reset_sequences(TABLES.values())
            if before_indexes is not None:
                before_indexes()
            restore_started = time.perf_counter()
        report.seconds["indexes_and_constraints"] = time.perf_counter() - restore_started
        self.disbursements()
        report.rows.update(self.writer.rows_written)
        report.exceptions_made = dict(self.made)
        return report

    def area(self, area: PilotArea, recipients: int, beds: int) -> None:
        # The latest batch's areas keep the seeds they had before earlier batches existed.
        salt = "" if area.batch_id == self.latest.pk else f"{area.batch.year}:"
        context = _Area(
            area=area,
            rng=random.Random(f"{self.seed}:{salt}{area.region.code}"),
            recipients=recipients,
            beds=beds,
            start=area.cycle_start.toordinal(),
            last=min(area.cycle_end, timezone.localdate() - dt.timedelta(days=1)).toordinal(),
            centre=_centre(area.region.code, random.Random(f"{self.seed}:centre:{area.region.code}")),
            limits=_Limits.of(area.batch),
        )
        self.providers(context)
        people = self.people(context)
        self.caregivers_and_visits(context, people)

    # --- organisations -------------------------------------------------------------------------

    def credit_code(self, rng: random.Random, division: str, *, company: bool) -> str:
        prefix, series = ("91", "MA") if company else ("52", "MJ")
        while True:
            body = series + "".join(rng.choice("0123456789") for _ in range(6))
            first17 = prefix + division + body + organisation_code_check_char(body)
            code = first17 + credit_code_check_char(first17)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def providers(self, context: _Area) -> None:
        rng, region = context.rng, context.area.region
        stamp = self.clock.at(context.start - 30, 540)
        rows, links = [], []

        def provider(suffix: str, *, company=False, home=False, retrofit=False, assess=False, accept=False) -> int:
            pk = self.take("provider")
            name = f"{BENCH_MARK}{region.name}{rng.choice('康颐福寿乐龄安康仁爱惠民孝亲长青')}{len(rows) + 1}{suffix}"
            code = self.credit_code(rng, region.code, company=company)
            contact = _name(rng, rng.choice("MF"), elder=False)
            rows.append((pk, stamp, stamp, name, code, home, retrofit, assess, accept, contact, _phone(rng), True))
            links.append((self.take("provider_area"), pk, context.area.pk))
            return pk

        home_count = max(1, round(context.recipients / 1000))
        context.home_providers = [provider("居家养老服务中心", home=True) for _ in range(home_count)]
        context.retrofit_provider = provider("适老化改造工程有限公司", company=True, retrofit=True)
        context.assessor = provider("养老评估咨询中心", assess=True, accept=True)
        self.writer.write(TABLES["provider"], PROVIDER_COLUMNS, rows, datetimes=STAMPS)
        self.writer.write(TABLES["provider_area"], ("id", "provider_id", "pilotarea_id"), links)

    # --- recipients, assessments, beds ---------------------------------------------------------

    def people(self, context: _Area) -> list[_Person]:
        rng, area = context.rng, context.area
        division = area.region.code
        prefix = area.region.full_name or area.region.name
        start, last = context.start, context.last
        cycle_start = area.cycle_start
        stamp = self.clock.at(start - 20, 600)
        recipients, assessments, beds, items = [], [], [], []
        people: list[_Person] = []
        used_ids = self.used_ids
        beds_left = context.beds
        for number in range(context.recipients):
            pk = self.take("recipient")
            sex = "M" if rng.random() < 0.45 else "F"
            birth = cycle_start - dt.timedelta(days=int(rng.triangular(MINIMUM_AGE + 0.2, 100, 79) * 365.25))
            while True:
                sequence = rng.randrange(500) * 2 + (1 if sex == "M" else 0)
                first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
                if first17 not in used_ids:
                    used_ids.add(first17)
                    break
            economic = _pick(rng, self.economic)
            level = _pick(rng, self.levels)
            latitude = context.centre[0] + rng.uniform(-0.15, 0.15)
            longitude = context.centre[1] + rng.uniform(-0.15, 0.15)
            person = _Person(pk, round(latitude, 6), round(longitude, 6))
            # 1. Assessments: most before the cycle; 1 % of visited people only weeks into their visits.
            late_assessment = rng.random() < 0.01
            first_on = start + rng.randint(15, 40) if late_assessment else start - rng.randint(15, 400)
            history = [(first_on, level)]
            reassessed = rng.random()
            if level in DISABLED and reassessed < 0.10:
                # A few improve after rehabilitation, to partially disabled (部分失能).
                worse = CapabilityLevel.COMPLETE.value if reassessed < 0.095 else CapabilityLevel.MODERATE.value
                history.append((start + rng.randint(60, 240), worse))
            for assessed_on, assessed_level in history:
                assessments.append(
                    (
                        self.take("assessment"),
                        stamp,
                        stamp,
                        pk,
                        self.clock.day(assessed_on),
                        assessed_level,
                        _name(rng, rng.choice("MF"), elder=False),
                        context.assessor,
                        "复评" + BENCH_MARK if assessed_on != first_on else "",
                    )
                )
            # 2. Visits for the eligible (失能 with economic difficulty); most reach the person-time.
            if economic != NO_DIFFICULTY and level in DISABLED and rng.random() < 0.96:
                person.provider = context.home_providers[rng.randrange(len(context.home_providers))]
                person.categories = tuple(
                    rng.choices(self.categories, weights=self.category_weights, k=rng.randint(1, 3))
                )
                person.near = tuple(_near(rng, (latitude, longitude), 120) for _ in range(3))
                first_visit = start + rng.randint(0, 10) if late_assessment else max(start, first_on)
                first_visit += 0 if late_assessment else rng.randint(0, 20)
                person.days = self.visit_days(rng, first_visit, last, needed=context.limits.needed)
                if late_assessment:
                    self.made["not_eligible_recipients"] += 1
                if len(history) > 1 and history[-1][1] == CapabilityLevel.MODERATE.value:
                    self.made["reassessed_partial_recipients"] += 1
            # 3. A family care bed for some of those with any disability.
            # Spread the area's beds over its recipients (about 98 % of whom qualify for one).
            bed_chance = beds_left / max(1.0, (context.recipients - number) * 0.97)
            if beds_left and economic != NO_DIFFICULTY and level != INTACT and rng.random() < bed_chance:
                beds_left -= 1
                self.bed(context, pk, max(start, first_on), beds, items)
            recipients.append(
                (
                    pk,
                    stamp,
                    stamp,
                    first17 + resident_id_check_char(first17),
                    _name(rng, sex, elder=True),
                    sex,
                    birth.isoformat(),
                    area.pk,
                    economic,
                    person.provider,
                    _address(rng, prefix),
                    f"{person.latitude:.6f}",
                    f"{person.longitude:.6f}",
                    _phone(rng),
                    _name(rng, rng.choice("MF"), elder=False),
                    _phone(rng),
                    True,
                )
            )
            people.append(person)
        self.writer.write(TABLES["recipient"], RECIPIENT_COLUMNS, recipients, datetimes=STAMPS)
        self.writer.write(TABLES["assessment"], ASSESSMENT_COLUMNS, assessments, datetimes=STAMPS)
        self.writer.write(TABLES["bed"], BED_COLUMNS, beds, datetimes=STAMPS)
        self.writer.write(TABLES["item"], ITEM_COLUMNS, items, datetimes=STAMPS)
        return people

    def visit_days(self, rng: random.Random, first: int, last: int, *, needed: int) -> list[int]:
        """The days a recipient is visited: 74 % reach the person-time, 22 % are in progress, 4 % none yet."""
        draw = rng.random()
        if draw < 0.74:
            planned = rng.randint(needed, needed + 24)
        elif draw < 0.96:
            planned = rng.randint(min(3, needed - 1), needed - 1)
        else:
            return []
        span = last - first + 1
        if span <= 0:
            return []
        free = self.free_days
        days = sorted(first + offset for offset in rng.sample(range(span), min(span, planned + 2)))
        days = [day for day in days if day not in free][:planned]
        # One visit in a hundred has a second visit the same day (it is logged; only one counts).
        return days + [day for day in days if rng.random() < 0.01]

    def bed(self, context: _Area, recipient: int, earliest: int, beds: list, items: list) -> None:
        rng = context.rng
        status = _pick(rng, self.bed_states)
        withdrawn = status == BedStatus.WITHDRAWN.value
        reached = rng.randrange(len(BED_ORDER)) if withdrawn else BED_ORDER.index(status)
        applied = earliest + rng.randint(0, 120)
        dates: list[int | None] = [None] * 5
        day = applied
        for step in range(reached):
            day += rng.randint(*BED_GAPS[step])
            dates[step] = day
        if day > context.last:  # not that far yet: keep the dates that fit
            reached = sum(1 for when in dates if when is not None and when <= context.last)
            dates = [when if when is not None and when <= context.last else None for when in dates]
            day = max([applied, *[when for when in dates if when]])
        status = BED_ORDER[reached]
        text = self.clock.day
        signed, started, finished, accepted, serving = (text(when) if when else None for when in dates)
        pk = self.take("bed")
        withdrawn_on = withdrawal = note = None
        if withdrawn and day + 5 <= context.last:
            status = BedStatus.WITHDRAWN.value
            withdrawn_on = text(day + rng.randint(5, 30) if day + 30 <= context.last else day)
            withdrawal = rng.choice(WITHDRAWAL_REASONS)
        stamp = self.clock.at(applied, 600)
        beds.append(
            (
                pk,
                stamp,
                stamp,
                recipient,
                context.area.pk,
                status,
                text(applied),
                context.assessor if signed else None,
                signed,
                context.retrofit_provider if started else None,
                started,
                finished,
                context.assessor if accepted else None,
                accepted,
                serving,
                f"JT{context.area.region.code}{rng.randrange(10**6):06d}" if serving else "",
                withdrawn_on,
                withdrawal or "",
                note or "",
            )
        )
        if started:
            begin = dates[1]
            end = dates[2] or context.last
            for catalog_item in rng.sample(self.catalogue, rng.randint(3, 7)):
                installed = begin + rng.randint(0, max(0, end - begin))
                quantity = rng.randint(1, 3) if catalog_item.code == "grab-bar" else 1
                cost = float(catalog_item.reference_cost) * quantity * rng.uniform(0.85, 1.1)
                device = catalog_item.is_device
                items.append(
                    (
                        self.take("item"),
                        stamp,
                        stamp,
                        pk,
                        catalog_item.pk,
                        ROOMS[rng.randrange(len(ROOMS))],
                        quantity,
                        f"{cost:.2f}",
                        f"{catalog_item.code[:3].upper()}{installed:07d}{rng.randrange(10**8):08d}" if device else "",
                        text(installed),
                        rng.choice((12, 12, 24, 36)) if device else None,
                    )
                )

    # --- caregivers and visits -----------------------------------------------------------------

    def caregivers_and_visits(self, context: _Area, people: list[_Person]) -> None:
        rng = context.rng
        # 1. Enough caregivers that the busiest day of each provider fits in four slots each.
        load: Counter = Counter()
        for person in people:
            for day in person.days:
                load[(person.provider, day)] += 1
        staff: dict[int, list[int]] = {}
        caregivers = []
        stamp = self.clock.at(context.start - 10, 540)
        for number, provider in enumerate(context.home_providers, start=1):
            busiest = max((count for (p, _day), count in load.items() if p == provider), default=0)
            # Room for the benchmark day too: it adds about a day's average on top of nothing.
            count = max(3, math.ceil(busiest / len(SLOTS)))
            staff[provider] = []
            for index in range(1, count + 1):
                pk = self.take("caregiver")
                sex = "F" if rng.random() < 0.8 else "M"
                name = _name(rng, sex, elder=False)
                caregivers.append((pk, stamp, stamp, provider, name, _phone(rng), f"HL{number}{index:04d}", True))
                staff[provider].append(pk)
        self.writer.write(TABLES["caregiver"], CAREGIVER_COLUMNS, caregivers, datetimes=STAMPS)
        # 2. The visits, streamed into COPY; their service items follow in a second COPY.
        items: list[tuple] = []
        self.writer.write(
            TABLES["visit"], VISIT_COLUMNS, self.visit_rows(context, people, staff, items), datetimes=VISIT_DATETIMES
        )
        self.writer.write(TABLES["visit_item"], ("id", "visit_id", "serviceitem_id"), items)

    def visit_rows(self, context: _Area, people: list[_Person], staff: dict, items: list):
        rng = context.rng
        random_ = rng.random
        randint = rng.randint
        at = self.clock.at
        day_text = self.clock.day
        area_id = context.area.pk
        made = self.made
        bookings: dict[tuple[int, int], int] = {}
        items_by_category = self.items_by_category
        salt = (self.seed * 0x9E3779B97F4A7C15) & (2**128 - 1)
        limits = context.limits
        completed, voided_status = VisitStatus.COMPLETED.value, VisitStatus.VOIDED.value
        for person in people:
            if not person.days:
                continue
            provider = person.provider
            team = staff[provider]
            size = len(team)
            home = (person.latitude, person.longitude)
            for day in person.days:
                key = (provider, day)
                booked = bookings.get(key, 0)
                if booked and random_() < 0.004:
                    booked -= 1  # booked into a slot the caregiver already has: an overlap
                    made["caregiver_overlap_pairs"] += 1
                else:
                    bookings[key] = booked + 1
                caregiver = team[booked % size]
                start = SLOTS[(booked // size) % len(SLOTS)] + randint(0, 20)
                draw = random_()
                if draw < 0.03:
                    minutes = randint(*limits.too_short)
                    made["too_short"] += 1
                elif draw < 0.031:
                    minutes = randint(*limits.too_long)
                    made["too_long"] += 1
                elif draw < 0.08:
                    minutes = randint(*limits.brief)
                else:
                    minutes = randint(*limits.ordinary)
                end = start + minutes
                if random_() < 0.01:
                    latitude, longitude = _near(rng, home, rng.uniform(*limits.far), exactly=True)
                    made["far_checkin"] += 1
                else:
                    latitude, longitude = person.near[randint(0, 2)]
                if random_() < 0.005:
                    entered = end + randint(*limits.late_days) * 1440 + randint(0, 600)
                    made["late_entry"] += 1
                else:
                    entered = end + randint(1, 30)
                rated = random_() < 0.85
                pk = self.take("visit")
                voided = random_() < 0.005
                if voided:
                    made["voided"] += 1
                category = person.categories[randint(0, len(person.categories) - 1)]
                choices = items_by_category.get(category)
                if choices:
                    items.append((self.take("visit_item"), pk, choices[pk % len(choices)]))
                yield (
                    pk,
                    at(day, entered),
                    at(day, entered),
                    f"{(pk * 0x2545F4914F6CDD1D4F2F3A5B1C7E9D3F ^ salt) & (2**128 - 1):032x}",
                    person.pk,
                    area_id,
                    provider,
                    caregiver,
                    category,
                    at(day, start),
                    at(day, end),
                    day_text(day),
                    latitude,
                    longitude,
                    latitude,
                    longitude,
                    SATISFACTION[randint(0, 99)] if rated else "",
                    "",
                    voided_status if voided else completed,
                    "重复录入" + BENCH_MARK if voided else "",
                    at(day, end + randint(120, 2880)) if voided else None,
                    not voided,
                )

    # --- payments ------------------------------------------------------------------------------

    def disbursements(self) -> None:
        """A few payments an area, so the execution rate (资金执行率) has something to show."""
        rows = []
        for area in self.areas:
            rng = random.Random(f"{self.seed}:funds:{area.region.code}")
            for allocation in FundAllocation.objects.filter(area=area, use__in=[FundUse.BEDS, FundUse.HOME_VISITS]):
                for number in range(1, 4):
                    rows.append(
                        Disbursement(
                            area=area,
                            paid_on=area.cycle_start + dt.timedelta(days=90 * number),
                            amount=(allocation.amount * Decimal(f"{rng.uniform(0.15, 0.3):.4f}")).quantize(CENT),
                            use=allocation.use,
                            payee=f"{BENCH_MARK}{area.region.name}{allocation.get_use_display()}",
                            voucher_number=f"BENCH-{area.region.code}-{allocation.use}-{number}",
                        )
                    )
        Disbursement.objects.bulk_create([row for row in rows if row.amount > 0])


def _historied_models() -> list:
    from eldercare.beds.models import FamilyCareBed, RetrofitItem
    from eldercare.providers.models import Caregiver, Provider
    from eldercare.recipients.models import CapabilityAssessment, Recipient
    from eldercare.visits.models import Visit

    return [Provider, Caregiver, Recipient, CapabilityAssessment, FamilyCareBed, RetrofitItem, Visit]


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


def generate_world(size: WorldSize, *, seed: int = DEFAULT_SEED, log=print, before_indexes=None) -> GenerationReport:
    """Write the world at `size` into the current database (reference data must be loaded).

    `before_indexes` runs after the rows are in and before the indexes are rebuilt (on
    PostgreSQL): updating a few % of 6.6 million rows is much cheaper without fourteen indexes.
    """
    return WorldGenerator(size, seed=seed, log=log).generate(before_indexes=before_indexes)


def check_world() -> dict:
    """Counts of rows that break a rule the app applies on entry; every count but the first is 0."""
    from django.db.models import Count, F, Q
    from django.db.models.functions import TruncDate

    from eldercare.beds.models import FamilyCareBed
    from eldercare.beds.rules import beds_counting_toward_target_q
    from eldercare.visits.models import Visit

    visits = Visit.objects.aggregate(
        visits=Count("pk"),
        area_is_not_the_recipients=Count("pk", filter=~Q(area=F("recipient__area"))),
        provider_is_not_the_recipients=Count("pk", filter=~Q(provider=F("recipient__provider"))),
        caregiver_of_another_provider=Count("pk", filter=~Q(caregiver__provider=F("provider"))),
        service_date_is_not_local_start=Count("pk", filter=~Q(service_date=TruncDate("started_at"))),
        outside_the_cycle=Count(
            "pk", filter=Q(service_date__lt=F("area__cycle_start")) | Q(service_date__gt=F("area__cycle_end"))
        ),
    )
    beds = FamilyCareBed.objects.aggregate(
        bed_area_is_not_the_recipients=Count("pk", filter=~Q(area=F("recipient__area"))),
        # Every accepted bed of the world counts toward its area's target (beds.rules, whatever the day).
        bed_accepted_outside_the_cycle=Count(
            "pk", filter=Q(accepted_on__isnull=False) & ~beds_counting_toward_target_q(None)
        ),
    )
    return {**visits, **beds}
