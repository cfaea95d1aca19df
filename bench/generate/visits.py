"""Caregivers and their visits, slot by slot, with the exceptions made on purpose."""

import math
from collections import Counter

from bench.generate.shape import (
    BENCH_MARK,
    CAREGIVER_COLUMNS,
    SATISFACTION,
    SLOTS,
    STAMPS,
    TABLES,
    VISIT_COLUMNS,
    VISIT_DATETIMES,
    _Area,
    _name,
    _near,
    _Person,
    _phone,
)
from eldercare.visits.models import VisitStatus


class VisitsMixin:
    """WorldGenerator's part that writes caregivers and visits (see bench.generate.world)."""

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
