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
are then established by the app's own set-based verification over the whole table
(`bench.verification` calls `verify_all_visits`).
"""

from bench.generate.shape import (
    BENCH_MARK,
    DEFAULT_SEED,
    SLOTS,
    TABLES,
    VISIT_COLUMNS,
    VISIT_DATETIMES,
    GenerationReport,
    WorldSize,
    _Clock,
    choose_bench_day,
    choose_nightly_day,
)
from bench.generate.world import WorldGenerator, check_world, generate_world

__all__ = [
    "BENCH_MARK",
    "DEFAULT_SEED",
    "SLOTS",
    "TABLES",
    "VISIT_COLUMNS",
    "VISIT_DATETIMES",
    "GenerationReport",
    "WorldGenerator",
    "WorldSize",
    "_Clock",
    "check_world",
    "choose_bench_day",
    "choose_nightly_day",
    "generate_world",
]
