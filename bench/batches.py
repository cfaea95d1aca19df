"""Earlier yearly batches for `make bench … BENCH_ARGS="--batches N"`: the world as it stands after N years.

The reference data holds one batch (2023, fixtures/batch_2023.json) and its 50 areas. A world of N
batches adds the N − 1 batches before it, each with the same 50 counties as pilot areas, their
cycles and fund arrivals moved back by whole years (so one county's cycles follow each other
without overlapping), and the same targets, funds and verification settings. Batches start in
2021 (`batch_year_from_2021`), so N is at most 3 with the 2023 reference batch.
"""

import datetime as dt

from django.db import transaction

from eldercare.areas.models import Batch, FundAllocation, PilotArea

BENCH_MARK = "（基准数据）"  # as bench.generate marks invented text
# The settings a batch carries besides its year and name: copied, so every batch verifies alike.
COPIED_FIELDS = ("target_beds", "target_person_times", *Batch.RULE_SETTINGS)
FIRST_YEAR = 2021


def years_back(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February of a leap year
        return day.replace(year=day.year - years, day=28)


def most_batches() -> int:
    latest = Batch.objects.order_by("-year").values_list("year", flat=True).first()
    return 0 if latest is None else latest - FIRST_YEAR + 1


@transaction.atomic
def ensure_batches(count: int) -> list[Batch]:
    """The latest batch and the `count - 1` yearly batches before it (made if missing), oldest first."""
    latest = Batch.objects.order_by("-year").first()
    if latest is None:
        raise RuntimeError("Load the reference data first: manage.py load_reference_data")
    if not 1 <= count <= most_batches():
        raise ValueError(f"--batches takes 1 to {most_batches()}: batches start in {FIRST_YEAR}")
    areas = list(PilotArea.objects.filter(batch=latest).order_by("region__code"))
    allocations = list(FundAllocation.objects.filter(area__batch=latest).order_by("area_id", "use"))
    batches = [latest]
    for back in range(1, count):
        year = latest.year - back
        batch, made = Batch.objects.get_or_create(
            year=year,
            defaults={
                "name": f"{year}年居家和社区基本养老服务提升行动项目{BENCH_MARK}",
                **{name: getattr(latest, name) for name in COPIED_FIELDS},
            },
        )
        if made:
            earlier = {}
            for area in areas:
                earlier[area.pk] = PilotArea.objects.create(
                    batch=batch,
                    region_id=area.region_id,
                    is_demo=area.is_demo,
                    funds_arrived_on=years_back(area.funds_arrived_on, back),
                    cycle_start=years_back(area.cycle_start, back),
                    cycle_end=years_back(area.cycle_end, back),
                    target_beds=area.target_beds,
                    target_person_times=area.target_person_times,
                    target_satisfaction=area.target_satisfaction,
                )
            FundAllocation.objects.bulk_create(
                FundAllocation(area=earlier[row.area_id], use=row.use, amount=row.amount, document_number="")
                for row in allocations
            )
        batches.append(batch)
    return sorted(batches, key=lambda batch: batch.year)
