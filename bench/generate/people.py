"""Providers, recipients with their assessments, and family care beds with their retrofit items."""

import datetime as dt
import random

from bench.generate.shape import (
    ASSESSMENT_COLUMNS,
    BED_COLUMNS,
    BED_GAPS,
    BED_ORDER,
    BENCH_MARK,
    DISABLED,
    INTACT,
    ITEM_COLUMNS,
    NO_DIFFICULTY,
    PROVIDER_COLUMNS,
    RECIPIENT_COLUMNS,
    ROOMS,
    STAMPS,
    TABLES,
    WITHDRAWAL_REASONS,
    _address,
    _Area,
    _name,
    _near,
    _Person,
    _phone,
    _pick,
)
from eldercare.beds.models import BedStatus
from eldercare.core.validators import credit_code_check_char, resident_id_check_char
from eldercare.demo.names import (
    organisation_code_check_char,
)
from eldercare.recipients.models import MINIMUM_AGE, CapabilityLevel


class PeopleMixin:
    """WorldGenerator's part that writes organisations, people and beds (see bench.generate.world)."""

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
                person.eligible_later = history[-1][1] in DISABLED
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
