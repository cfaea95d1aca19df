"""Storing what the rules find: `verify_visits(ids)`, the one write path of exceptions and `is_countable`.

Each round locks its visits, derives their findings set-based (`query.derive_findings_in_db`),
compares them with the exceptions stored for those visits (read as plain rows), and writes the
difference: new exceptions in one statement, changed ones with their history rows in one bulk
update, and `Visit.is_countable` (completed, and no exception that holds it back) in one UPDATE of
the rows whose value changes. A reviewer's decision stands until the finding goes away (cleared) or
the visit's content is edited (`reopen_ids`: its accepted exceptions open again).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_update_with_history

from ..models import (
    EXCEPTION_SEVERITY,
    HOLDING_STATUSES,
    ExceptionStatus,
    ExceptionType,
    Visit,
    VisitException,
    VisitStatus,
)
from .query import OVERLAPPING_SQL, Derived, Dialect, Scope, derive_findings_in_db

# Visits checked per round: a few statements each, whatever the round's size (a day's visits of the
# whole country are one round or two).
VERIFY_ROUND = 20_000
# Visits per round when the whole table is verified by id range (`verify_all_visits`).
RANGE_ROUND = 500_000
OVERLAPPING_TABLE = "verification_overlapping_visits"


def verify_visits(
    visit_ids: Iterable[int], *, reopen_ids: Iterable[int] = (), now: dt.datetime | None = None
) -> set[int]:
    """Check the visits, store their exceptions and countability; return the recipients touched.

    `reopen_ids` are visits whose content was just edited: an earlier acceptance no longer
    vouches for the new content, so their accepted exceptions are opened again. Overlap partners
    outside the set are checked too (a new visit may make an old one overlap).
    """
    now = now or timezone.now()
    pending = list(dict.fromkeys(visit_ids))
    reopen = set(reopen_ids)
    touched_recipients: set[int] = set()
    seen: set[int] = set()
    while pending:
        chunk, pending = pending[:VERIFY_ROUND], pending[VERIFY_ROUND:]
        chunk = [pk for pk in chunk if pk not in seen]
        seen.update(chunk)
        if not chunk:
            continue
        outside, recipients = _verify_round(Scope.of(sorted(chunk)), reopen=reopen, now=now)
        touched_recipients |= recipients
        pending.extend(pk for pk in outside if pk not in seen)
    return touched_recipients


def verify_all_visits(*, now: dt.datetime | None = None, round_size: int = RANGE_ROUND, log=None) -> int:
    """Verify every visit by id range, RANGE_ROUND at a time; return the rounds run.

    For a set-up or a full re-check: every overlap partner lies in some range, so none needs a
    second look, and no recipients are collected (everything is recounted after anyway). The
    visits that overlap at all are found first with one sort of the table; only their partners are
    looked up.
    """
    now = now or timezone.now()
    bounds = Visit.objects.order_by().values_list("pk", flat=True)
    first, last = bounds.order_by("pk").first(), bounds.order_by("-pk").first()
    rounds = 0
    if first is None:
        return rounds
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {OVERLAPPING_TABLE} AS " + OVERLAPPING_SQL.format(visit=Visit._meta.db_table),
            {"completed": VisitStatus.COMPLETED.value},
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {OVERLAPPING_TABLE}")
    try:
        for start in range(first, last + 1, round_size):
            scope = Scope(first=start, last=start + round_size, overlapping=OVERLAPPING_TABLE)
            _verify_round(scope, reopen=set(), now=now, lock=False)
            rounds += 1
            if log:
                log(f"  verified visits {start:,}–{min(start + round_size, last + 1) - 1:,}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {OVERLAPPING_TABLE}")
    return rounds


@dataclass
class _Stored:
    pk: int
    visit_id: int
    type: str
    status: str
    detail: str
    area_id: int
    provider_id: int
    unresolved: bool  # no resolved_at yet


@transaction.atomic
def _verify_round(scope: Scope, *, reopen: set[int], now: dt.datetime, lock: bool = True) -> tuple[set[int], set[int]]:
    dialect = Dialect(connection.vendor)
    recipients: set[int] = set()
    if dialect.postgresql:
        # The overlap statement's estimated cost invites JIT compiling, which costs more (about 0.1 s
        # a round) than it saves on rounds of up to VERIFY_ROUND visits; for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    if lock:
        # Two verifications of one visit at a time would both create its exceptions: the second waits.
        locking = " ORDER BY id FOR UPDATE" if dialect.postgresql else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT recipient_id FROM ("  # noqa: S608 (table and scope are ours)
                f"SELECT id, recipient_id FROM {Visit._meta.db_table} WHERE {scope.where('id', dialect)}{locking}"
                f") locked",
                scope.params(dialect),
            )
            recipients = {row[0] for row in cursor.fetchall()}
    derived = derive_findings_in_db(scope, now=now)
    _write_exceptions(scope, dialect, derived, reopen=reopen, now=now)
    store_countability(scope)
    return derived.outside, recipients


def _stored_exceptions(scope: Scope, dialect: Dialect) -> tuple[dict[tuple[int, str], _Stored], dict]:
    """The exceptions of the visits in scope, and each of those visits' (status, area, provider)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT x.id, x.visit_id, x.type, x.status, x.detail, x.area_id, x.provider_id, x.resolved_at IS NULL,"
            f" v.status, v.area_id, v.provider_id"
            f" FROM {VisitException._meta.db_table} x JOIN {Visit._meta.db_table} v ON v.id = x.visit_id"
            f" WHERE {scope.where('x.visit_id', dialect)}",
            scope.params(dialect),
        )
        rows = cursor.fetchall()
    stored = {(row[1], row[2]): _Stored(*row[:7], unresolved=bool(row[7])) for row in rows}
    visits = {row[1]: (row[8], row[9], row[10]) for row in rows}
    return stored, visits


def _write_exceptions(scope: Scope, dialect: Dialect, derived: Derived, *, reopen: set[int], now: dt.datetime) -> None:
    stored, visits = _stored_exceptions(scope, dialect)
    to_create: list[tuple[int, str, str, int, int]] = []
    changes: dict[int, dict] = {}
    for visit_id, wanted in derived.findings.items():
        for exception_type, detail in wanted.items():
            current = stored.get((visit_id, exception_type))
            if current is None:
                to_create.append((visit_id, exception_type, detail, *derived.filed[visit_id]))
            elif current.status == ExceptionStatus.CLEARED or (
                visit_id in reopen and current.status == ExceptionStatus.ACCEPTED
            ):
                changes[current.pk] = {
                    "status": ExceptionStatus.OPEN,
                    "detail": detail,
                    "reason_code": None,
                    "resolution_note": "",
                    "resolved_at": None,
                    "resolved_by": None,
                }
            elif current.detail != detail and current.status == ExceptionStatus.OPEN:
                changes[current.pk] = {"detail": detail}
    for (visit_id, exception_type), current in stored.items():
        status, area_id, provider_id = visits[visit_id]
        if exception_type not in derived.findings.get(visit_id, {}) and current.status in HOLDING_STATUSES:
            if status == VisitStatus.VOIDED:
                changes[current.pk] = {"status": ExceptionStatus.VOIDED}
                if current.unresolved:
                    changes[current.pk]["resolved_at"] = now
            else:
                changes[current.pk] = {"status": ExceptionStatus.CLEARED}
        # The review queue files an exception under its visit's area and provider (copied to filter
        # without joins): a visit moved to another provider or area takes its exceptions along.
        if (current.area_id, current.provider_id) != (area_id, provider_id):
            changes.setdefault(current.pk, {}).update(area_id=area_id, provider_id=provider_id)
    _create(to_create, dialect)
    _update(changes)


def _create(rows: list[tuple[int, str, str, int, int]], dialect: Dialect) -> None:
    if not rows:
        return
    stamp = timezone.now()
    if not dialect.postgresql:
        VisitException.objects.bulk_create(
            VisitException(
                visit_id=visit_id,
                type=exception_type,
                severity=EXCEPTION_SEVERITY[exception_type],
                detail=detail,
                area_id=area_id,
                provider_id=provider_id,
            )
            for visit_id, exception_type, detail, area_id, provider_id in rows
        )
        return
    visit_ids, types, details, areas, providers = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {VisitException._meta.db_table}"
            " (created_at, updated_at, visit_id, type, severity, status, detail, area_id, provider_id, resolution_note)"
            " SELECT %(stamp)s, %(stamp)s, n.visit_id, n.type, s.severity, %(open)s, n.detail, n.area_id,"
            " n.provider_id, ''"
            " FROM unnest(%(visits)s::bigint[], %(types)s::text[], %(details)s::text[], %(areas)s::bigint[],"
            " %(providers)s::bigint[]) AS n(visit_id, type, detail, area_id, provider_id)"
            " JOIN unnest(%(all_types)s::text[], %(severities)s::text[]) AS s(type, severity) ON s.type = n.type",
            {
                "stamp": stamp,
                "open": ExceptionStatus.OPEN.value,
                "visits": visit_ids,
                "types": [str(kind) for kind in types],
                "details": details,
                "areas": areas,
                "providers": providers,
                "all_types": [str(kind) for kind in EXCEPTION_SEVERITY],
                "severities": [str(EXCEPTION_SEVERITY[kind]) for kind in EXCEPTION_SEVERITY],
            },
        )


def _update(changes: dict[int, dict]) -> None:
    """Write the changed exceptions and a history row for each, as a save() would."""
    if not changes:
        return
    fields = sorted({name for change in changes.values() for name in change} | {"updated_at"})
    stamp = timezone.now()
    exceptions = list(VisitException.objects.filter(pk__in=list(changes)))
    for exception in exceptions:
        for name, value in changes[exception.pk].items():
            setattr(exception, name, value)
        exception.updated_at = stamp
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    bulk_update_with_history(
        exceptions,
        VisitException,
        fields=fields,
        default_change_reason=str(_("Re-checked after a change")),
        default_user=user if getattr(user, "is_authenticated", False) else None,
    )


def holding_exception_exists():
    return Exists(VisitException.objects.filter(visit=OuterRef("pk"), status__in=HOLDING_STATUSES))


def store_countability(scope: Scope) -> int:
    """Countable: completed, and no exception that holds it back; only rows whose value changes are
    written. Returns how many changed (after a reviewer's decisions made outside `verify_visits`)."""
    dialect = Dialect(connection.vendor)
    visit, exception = Visit._meta.db_table, VisitException._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {visit} SET is_countable = NOT is_countable"
            f" WHERE {scope.where('id', dialect)} AND is_countable <> (status = %(completed)s AND NOT EXISTS ("
            f"SELECT 1 FROM {exception} x WHERE x.visit_id = {visit}.id AND x.status IN (%(open)s, %(acknowledged)s)))",
            {
                **scope.params(dialect),
                "completed": VisitStatus.COMPLETED.value,
                "open": ExceptionStatus.OPEN.value,
                "acknowledged": ExceptionStatus.ACKNOWLEDGED.value,
            },
        )
        return cursor.rowcount


def verify_open_window(*, days: int | None = None, today: dt.date | None = None, area=None) -> set[int]:
    """The periodic re-check: recent visits (a visit logged late can overlap them), future-dated
    ones, and any that were never verified.

    Returns the recipients touched; the reconcile that follows recounts everything anyway.
    """
    from django.conf import settings

    days = days if days is not None else settings.VISIT_RECHECK_DAYS
    today = today or timezone.localdate()
    visits = Visit.objects.filter(area=area) if area is not None else Visit.objects.all()
    exceptions = VisitException.objects.filter(area=area) if area is not None else VisitException.objects.all()
    recent = visits.filter(service_date__gte=today - dt.timedelta(days=days)).values_list("pk", flat=True)
    future = exceptions.filter(type=ExceptionType.FUTURE_START, status__in=HOLDING_STATUSES).values_list(
        "visit_id", flat=True
    )
    # Completed, not countable and nothing holding it back: never verified (an upload whose
    # verification could not be queued) or left stale; either way it needs a check.
    unverified = (
        visits.filter(status=VisitStatus.COMPLETED, is_countable=False)
        .exclude(holding_exception_exists())
        .values_list("pk", flat=True)
    )
    return verify_visits([*recent.iterator(), *future.iterator(), *unverified.iterator()])
