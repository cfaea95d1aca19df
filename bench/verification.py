"""Exceptions and countability of the generated visits, established by the app's own verification.

The set-up calls `eldercare.visits.verification.verify_all_visits`, the query form of the rules
that `verify_visits` runs for every upload, over the whole table by id range: the same statements,
the same exception rows and details. Its agreement is checked from two sides on a random sample
(`check_against_verify_visits`): re-running `verify_visits` changes nothing, and the Python form of
the rules (`derive_findings`, which the deep check of the roll-ups uses) finds exactly the stored
exceptions.

A reviewer's hand is simulated too: three warnings in five are accepted with a reason code
(so those visits count), the rest stay open.
"""

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from bench.loading import is_postgresql
from eldercare.visits.models import (
    ExceptionStatus,
    ReviewReasonCode,
    Severity,
    Visit,
    VisitException,
)
from eldercare.visits.verification import (
    VERIFY_CHUNK,
    Scope,
    derive_findings,
    derive_findings_in_db,
    store_countability,
    verify_all_visits,
    verify_visits,
)
from eldercare.visits.verification.checks import visits_for_checking

# The reviewer accepts the warnings of visits whose id falls in these residues (3 in 5).
ACCEPTED_RESIDUES = (0, 1, 2)
ACCEPTED_MODULUS = 5
# Exception states that stand for a finding (cleared and voided ones no longer do).
STANDING = (ExceptionStatus.OPEN, ExceptionStatus.ACKNOWLEDGED, ExceptionStatus.ACCEPTED)
# While the generator has the visits' own indexes dropped, these stand in for the ones the
# verification statements look up by: a caregiver's visits by start (overlap partners).
TEMPORARY_INDEXES = {"bench_visit_caregiver_start_tmp": "visits_visit (caregiver_id, started_at)"}


@dataclass
class VerificationReport:
    method: str
    seconds: float = 0.0
    exceptions: dict = field(default_factory=dict)
    accepted_warnings: int = 0
    countable_visits: int = 0
    visits: int = 0


def establish_verification(*, now: dt.datetime | None = None, log=print) -> VerificationReport:
    """Give every visit its exceptions and countability with the app's verification, then accept some warnings."""
    now = now or timezone.now()
    started = time.perf_counter()
    report = VerificationReport(method="verify_all_visits (the app's set-based verification)")
    with transaction.atomic():
        if is_postgresql():
            _prepare_postgresql()
        verify_all_visits(now=now)
        if is_postgresql():
            with connection.cursor() as cursor:
                for name in TEMPORARY_INDEXES:
                    cursor.execute(f"DROP INDEX {name}")
    report.accepted_warnings = accept_some_warnings(now)
    store_countability(_every_visit())
    report.seconds = time.perf_counter() - started
    report.exceptions = dict(
        VisitException.objects.values_list("type").annotate(n=Count("pk")).order_by("type").values_list("type", "n")
    )
    report.countable_visits = Visit.objects.filter(is_countable=True).count()
    report.visits = Visit.objects.count()
    log(f"  exceptions and countability ({report.method}): {report.seconds:.1f} s")
    return report


def _prepare_postgresql() -> None:
    with connection.cursor() as cursor:
        # Statistics first: without them the planner takes 6.6 million rows for a few hundred.
        for table in ("visits_visit", "recipients_recipient", "recipients_capabilityassessment"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        for name, definition in TEMPORARY_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def _every_visit() -> Scope:
    bounds = Visit.objects.aggregate(low=Min("pk"), high=Max("pk"))
    return Scope(first=bounds["low"] or 0, last=(bounds["high"] or -1) + 1)


def accept_some_warnings(now: dt.datetime) -> int:
    """A reviewer accepts three warnings in five with a reason code; those visits may then count."""
    codes = ReviewReasonCode.objects.filter(decision=ReviewReasonCode.Decision.ACCEPT, is_active=True)
    reason = codes.order_by("pk").first()
    if reason is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE visits_visitexception SET status = %s, reason_code_id = %s, resolved_at = %s, "
            "resolution_note = %s WHERE severity = %s AND status = %s AND visit_id %% %s IN ("
            + ", ".join(["%s"] * len(ACCEPTED_RESIDUES))
            + ")",
            [
                ExceptionStatus.ACCEPTED,
                reason.pk,
                now,
                "复核通过（基准数据）",
                Severity.WARNING,
                ExceptionStatus.OPEN,
                ACCEPTED_MODULUS,
                *ACCEPTED_RESIDUES,
            ],
        )
        return cursor.rowcount


@dataclass
class SampleCheck:
    sample: int
    seconds: float
    exceptions_created: int
    exceptions_changed: int
    countable_changed: int
    # Visits whose stored standing exceptions (type and detail) differ from what the Python form derives.
    python_form_differences: list = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not (
            self.exceptions_created or self.exceptions_changed or self.countable_changed or self.python_form_differences
        )


def check_against_verify_visits(*, sample: int = 2000, seed: int = 0) -> SampleCheck:
    """Two checks on random visits: re-running the app's verify_visits changes nothing, and the Python
    form of the rules (`derive_findings`, independent of the statements) finds exactly what is stored."""
    bounds = Visit.objects.aggregate(low=Min("pk"), high=Max("pk"))
    population = range(bounds["low"] or 0, (bounds["high"] or -1) + 1)
    ids = sorted(random.Random(seed).sample(population, min(sample, len(population))))
    differences = _python_form_differences(ids)
    exceptions = VisitException.objects.aggregate(count=Count("pk"), last=Max("pk"), touched=Max("updated_at"))
    countable = dict(Visit.objects.filter(pk__in=ids).values_list("pk", "is_countable"))
    countable_total = Visit.objects.filter(is_countable=True).count()
    started = time.perf_counter()
    verify_visits(ids)
    seconds = time.perf_counter() - started
    after = VisitException.objects.aggregate(count=Count("pk"), last=Max("pk"), touched=Max("updated_at"))
    touched = exceptions["touched"]
    changed = VisitException.objects.filter(updated_at__gt=touched).count() if touched else 0
    countable_after = dict(Visit.objects.filter(pk__in=ids).values_list("pk", "is_countable"))
    return SampleCheck(
        sample=len(ids),
        seconds=seconds,
        exceptions_created=after["count"] - exceptions["count"],
        exceptions_changed=changed,
        countable_changed=sum(1 for pk, value in countable.items() if countable_after.get(pk) != value)
        + abs(Visit.objects.filter(is_countable=True).count() - countable_total),
        python_form_differences=differences,
    )


def _python_form_differences(ids: list[int]) -> list[tuple[int, dict, dict]]:
    """(visit, stored, derived) for every visit whose standing exceptions are not what `derive_findings` finds."""
    now = timezone.now()
    differences = []
    for start in range(0, len(ids), VERIFY_CHUNK):
        chunk = ids[start : start + VERIFY_CHUNK]
        derived, _outside = derive_findings(list(visits_for_checking(chunk)), now=now)
        stored: dict[int, dict[str, str]] = defaultdict(dict)
        rows = VisitException.objects.filter(visit_id__in=chunk, status__in=STANDING)
        for visit_id, kind, detail in rows.values_list("visit_id", "type", "detail"):
            stored[visit_id][kind] = detail
        differences += [(pk, stored[pk], found) for pk, found in derived.items() if stored[pk] != found]
    return differences


# The columns a copied visit keeps (its id, client UUID, times and countability are new).
COPIED_COLUMNS = (
    *("checkin_latitude", "checkin_longitude", "checkout_latitude", "checkout_longitude", "checkin_accuracy_m"),
    *("checkin_latitude_sent", "checkin_longitude_sent", "checkout_accuracy_m", "checkout_latitude_sent"),
    *("checkout_longitude_sent", "coordinate_system", "satisfaction", "satisfaction_source", "note", "status"),
    *("void_reason", "voided_at", "voided_by_id", "fee_confirmed_at", "fee_confirmed_by_id", "entered_by_id"),
    *("area_id", "caregiver_id", "category_id", "provider_id", "recipient_id"),
)


@dataclass
class DayVerification:
    visits: int
    derive_s: float  # the rules alone: derive_findings_in_db over the day, read-only
    verify_s: float  # verify_visits: lock, derive, store exceptions and is_countable
    exceptions: int
    countable: int


def time_day_verification(day: dt.date) -> DayVerification:
    """Verify a new day's visits as an upload's drain would: `day`'s visits copied to the next day (never
    verified, not countable), timed, then rolled back. PostgreSQL only; on a bench database:

        .venv/bin/python -c "from bench.run import configure_django; configure_django('eldercare_bench');
            from bench.verification import time_day_verification as t; import datetime as d;
            print(t(d.date(2024, 3, 6)))"
    """
    moved = {"started_at": "started_at + interval '1 day'", "ended_at": "ended_at + interval '1 day'"}
    columns = ["started_at", "ended_at", *COPIED_COLUMNS]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO visits_visit (created_at, updated_at, client_uuid, is_countable, service_date, "
                f"{', '.join(columns)}) SELECT created_at + interval '1 day', updated_at, gen_random_uuid(), false, "
                f"service_date + 1, {', '.join(moved.get(c, c) for c in columns)} "
                f"FROM visits_visit WHERE service_date = %s RETURNING id",
                [day],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        started = time.perf_counter()
        derive_findings_in_db(Scope.of(ids), now=timezone.now())
        derive_s = time.perf_counter() - started
        started = time.perf_counter()
        verify_visits(ids)
        verify_s = time.perf_counter() - started
        result = DayVerification(
            visits=len(ids),
            derive_s=derive_s,
            verify_s=verify_s,
            exceptions=VisitException.objects.filter(visit_id__in=ids).count(),
            countable=Visit.objects.filter(pk__in=ids, is_countable=True).count(),
        )
        transaction.set_rollback(True)
    return result
