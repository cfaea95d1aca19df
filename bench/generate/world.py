"""The world generator: every area of every batch asked for, written with COPY, then checked."""

import datetime as dt
import random
import time
from collections import Counter
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from bench.batches import ensure_batches
from bench.generate.people import PeopleMixin
from bench.generate.shape import (
    BED_STATES,
    BENCH_MARK,
    BULK_LOADED,
    CATEGORY_WEIGHTS,
    CENT,
    CONTINUING_SHARE,
    DEFAULT_SEED,
    ECONOMIC,
    ENROLMENT_COLUMNS,
    HISTORY_REASON,
    LEVELS,
    STAMPS,
    TABLES,
    GenerationReport,
    WorldSize,
    _Area,
    _centre,
    _Clock,
    _Limits,
    _Person,
    _share,
    _weighted,
    choose_bench_day,
    choose_nightly_day,
)
from bench.generate.visits import VisitsMixin
from bench.loading import RowWriter, bulk_load_mode, next_ids, reset_sequences, write_history
from eldercare.areas.models import Disbursement, FundAllocation, FundUse, PilotArea
from eldercare.beds.models import RetrofitCatalogItem
from eldercare.visits.models import ServiceCategory, ServiceItem


class WorldGenerator(PeopleMixin, VisitsMixin):
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
        # People served again by the next batch's area of their county, and where they live now.
        self.still_eligible: dict[str, list[_Person]] = {}
        self.enrolments: list[tuple] = []
        self.enrolled: set[tuple[int, int]] = set()
        self.households: dict[int, tuple[int, int]] = {}
        self.previous_area: dict[int, PilotArea] = {}

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
            self.write_enrolments()
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
        # The area serves its share of people either way: those carried on from the batch before
        # take the place of new ones, so each batch is the same size however many it carries.
        carried = self.continuing(context)
        context.recipients = max(0, context.recipients - len(carried))
        people = self.people(context) + carried
        self.caregivers_and_visits(context, people)
        self.still_eligible[area.region.code] = [person for person in people if person.eligible_later]
        for person in self.still_eligible[area.region.code]:
            self.previous_area[person.pk] = area

    # --- people served in two batches ----------------------------------------------------------

    def continuing(self, context: _Area) -> list[_Person]:
        """Some of the county's people of the batch before, served again here: enrolled in both areas.

        Their recipient record stays the one of their first batch; its household area and provider
        become this area's (`write_enrolments`), as the enrolment services would leave them.
        """
        rng, area = context.rng, context.area
        before = self.still_eligible.get(area.region.code, [])
        again = [person for person in before if rng.random() < CONTINUING_SHARE]
        served = []
        for earlier in again:
            person = _Person(
                earlier.pk,
                earlier.latitude,
                earlier.longitude,
                provider=context.home_providers[rng.randrange(len(context.home_providers))],
                categories=earlier.categories,
                near=earlier.near,
                eligible_later=True,
            )
            person.days = self.visit_days(
                rng, context.start + rng.randint(0, 20), context.last, needed=context.limits.needed
            )
            self.enrol(earlier.pk, self.previous_area[earlier.pk])
            self.enrol(person.pk, context.area)
            self.households[person.pk] = (area.pk, person.provider)
            served.append(person)
        self.made["served_in_two_batches"] += len(served)
        return served

    def enrol(self, recipient: int, area: PilotArea) -> None:
        if (recipient, area.pk) in self.enrolled:
            return
        self.enrolled.add((recipient, area.pk))
        stamp = self.clock.at(area.cycle_start.toordinal() - 10, 600)
        self.enrolments.append(
            (
                self.take("enrolment"),
                stamp,
                stamp,
                recipient,
                area.pk,
                None,
                area.cycle_start.isoformat(),
                None,
                "",
                None,
            )
        )

    def write_enrolments(self) -> None:
        """The enrolments, and the household area and provider of people served in a later batch."""
        self.writer.write(TABLES["enrolment"], ENROLMENT_COLUMNS, self.enrolments, datetimes=STAMPS)
        if not self.households:
            return
        rows = [(area, provider, pk) for pk, (area, provider) in sorted(self.households.items())]
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {TABLES['recipient']} SET area_id = %s, provider_id = %s WHERE id = %s", rows)

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
    from eldercare.recipients.models import CapabilityAssessment, Enrolment, Recipient
    from eldercare.visits.models import Visit

    return [Provider, Caregiver, Recipient, CapabilityAssessment, Enrolment, FamilyCareBed, RetrofitItem, Visit]


def generate_world(size: WorldSize, *, seed: int = DEFAULT_SEED, log=print, before_indexes=None) -> GenerationReport:
    """Write the world at `size` into the current database (reference data must be loaded).

    `before_indexes` runs after the rows are in and before the indexes are rebuilt (on
    PostgreSQL): updating a few % of 6.6 million rows is much cheaper without fourteen indexes.
    """
    return WorldGenerator(size, seed=seed, log=log).generate(before_indexes=before_indexes)


def check_world() -> dict:
    """Counts of rows that break a rule the app applies on entry; every count but the first is 0.

    A person served in two batches lives in the later area (their household, with its provider) and
    is enrolled in both: their earlier visits and bed are in the earlier area, with its providers.
    """
    from django.db.models import Count, Exists, F, OuterRef, Q
    from django.db.models.functions import TruncDate

    from eldercare.beds.models import FamilyCareBed
    from eldercare.beds.rules import beds_counting_toward_target_q
    from eldercare.providers.models import Provider
    from eldercare.recipients.models import Enrolment
    from eldercare.visits.models import Visit

    enrolled_there = Exists(Enrolment.objects.filter(recipient=OuterRef("recipient"), area=OuterRef("area")))
    at_home = Q(area=F("recipient__area"))
    serves_area = Exists(
        Provider.areas.through.objects.filter(provider=OuterRef("provider"), pilotarea=OuterRef("area"))
    )
    visits = Visit.objects.aggregate(
        visits=Count("pk"),
        area_is_not_where_the_recipient_is_served=Count("pk", filter=~at_home & ~enrolled_there),
        provider_is_not_the_recipients=Count("pk", filter=at_home & ~Q(provider=F("recipient__provider"))),
        provider_does_not_serve_the_area=Count("pk", filter=~serves_area),
        caregiver_of_another_provider=Count("pk", filter=~Q(caregiver__provider=F("provider"))),
        service_date_is_not_local_start=Count("pk", filter=~Q(service_date=TruncDate("started_at"))),
        outside_the_cycle=Count(
            "pk", filter=Q(service_date__lt=F("area__cycle_start")) | Q(service_date__gt=F("area__cycle_end"))
        ),
    )
    beds = FamilyCareBed.objects.aggregate(
        bed_area_is_not_where_the_recipient_is_served=Count("pk", filter=~at_home & ~enrolled_there),
        # Every accepted bed of the world counts toward its area's target (beds.rules, whatever the day).
        bed_accepted_outside_the_cycle=Count(
            "pk", filter=Q(accepted_on__isnull=False) & ~beds_counting_toward_target_q(None)
        ),
    )
    return {**visits, **beds}
