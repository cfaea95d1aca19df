"""What every part of the demo world shares: its settings, its dice, and the plans it fills in.

All randomness comes from one `random.Random(seed)` drawn in a fixed order, and every date from
`today` and the areas' cycles, never from the clock: the same seed, size and day give the same rows.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from eldercare.areas.models import PilotArea
from eldercare.core.validators import credit_code_check_char, resident_id_check_char
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import Recipient

from ..names import ELDER_GIVEN, SURNAME_WEIGHTS, SURNAMES, YOUNGER_GIVEN, organisation_code_check_char

DEFAULT_RECIPIENTS = 400
DEFAULT_SEED = 2023
DEMO_PREFIX = "示例·"  # starts every invented organisation's name
DEMO_MARK = "（示例）"  # ends the invented batch's name and invented notes
CHANGE_REASON = "seed_demo"
# Rows per INSERT: bounds memory per statement; Django lowers it further to the backend's
# bound-parameter limit (999 on SQLite, so about 35 visits a statement there).
BATCH_SIZE = 500
# The finished batch keeps this share of the recipients (history for as-of reports); the running
# batch, where people work today, gets the rest.
HISTORY_SHARE = 0.2
METRES_PER_DEGREE = 111_000


class Dice:
    """The world's one source of randomness, with the generators built on it.

    It also remembers the identifiers already taken (in the database and in this world), so a
    second run into a database that has some keeps resident ID numbers and credit codes unique.
    """

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.resident_ids = set(Recipient.objects.values_list("resident_id", flat=True))
        self.credit_codes = set(Provider.objects.values_list("credit_code", flat=True))

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def person_name(self, sex: str, *, elder: bool) -> str:
        given = (ELDER_GIVEN if elder else YOUNGER_GIVEN)[sex]
        return self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0] + self.rng.choice(given)

    def credit_code(self, division: str, *, company: bool) -> str:
        """A unified social credit code (GB 32100) with valid check characters, unused so far."""
        prefix, series = ("91", "MA") if company else ("52", "MJ")
        while True:
            body = series + "".join(self.rng.choice("0123456789") for _ in range(6))
            first17 = prefix + division + body + organisation_code_check_char(body)
            code = first17 + credit_code_check_char(first17)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def resident_id(self, division: str, birth: dt.date, sex: str) -> str:
        """An 18-character resident ID number (ISO 7064 MOD 11-2) of the division, birth day and sex."""
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + resident_id_check_char(first17)
            if number not in self.resident_ids:
                self.resident_ids.add(number)
                return number

    def near(self, point: tuple, metres: float, *, exactly: bool = False) -> tuple[Decimal, Decimal]:
        """A point within (or `exactly` at) about `metres` of `point`, as 6-decimal latitude and longitude."""
        latitude, longitude = point
        distance = metres * (1 if exactly else math.sqrt(self.rng.random())) / METRES_PER_DEGREE
        angle = self.rng.uniform(0, 2 * math.pi)
        latitude += distance * math.sin(angle)
        longitude += distance * math.cos(angle) / math.cos(math.radians(latitude))
        return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")


def one_year_from(start: dt.date) -> dt.date:
    """The last day of a one-year cycle starting on `start` (a 29 February start ends on 28 February)."""
    try:
        return start.replace(year=start.year + 1) - dt.timedelta(days=1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


@dataclass
class Organisations:
    """The demo organisations of one region; they serve its area in every batch."""

    home_visit: list[Provider] = field(default_factory=list)
    retrofit: Provider | None = None
    design: Provider | None = None
    acceptance: Provider | None = None
    caregivers: dict = field(default_factory=dict)  # provider credit code -> [Caregiver]


@dataclass
class AreaPlan:
    """One pilot area as the world fills it: its cycle, its place, and (running batch) its state."""

    area: PilotArea
    cycle_start: dt.date
    cycle_end: dt.date
    last_day: dt.date  # the cycle's last day, or today while it runs
    centre: tuple
    address_prefix: str
    organisations: Organisations
    running: bool = False  # in the running batch: targets fitted to a state, visits up to yesterday
    state: str = ""
    reached: int = 0  # recipients planned to reach the person-time by today
    beds_accepted: int = 0  # beds planned to be accepted in the cycle by today
    recipients: list = field(default_factory=list)  # RecipientPlan


@dataclass
class RecipientPlan:
    """A recipient and what the world plans for them: when visits may run, and whether they reach 30."""

    recipient: Recipient
    area_plan: AreaPlan
    visit_from: dt.date | None = None  # first day eligible for home visits
    visit_until: dt.date | None = None  # last such day, when eligibility ends
    bed_from: dt.date | None = None
    last_assessed_on: dt.date | None = None
    reaches: bool = False  # planned to reach the person-time: every planned visit is clean
    assured: bool = False  # disabled and in economic difficulty all along, with a provider: visits count today
    caregiver_index: int = 0
    categories: tuple = ()
    caregivers: list[Caregiver] = field(default_factory=list)
