"""Writes for townships (街道/乡镇): one township at a time, and the import of an official list.

Both audit what they write (`core.audit`) and leave a history row. Townships feed no counting rule,
so nothing is invalidated. Removing a township is not offered: recipients and applications refer to it.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from eldercare.core.audit import audit_record, audit_record_many
from eldercare.core.errors import DomainError, refuse_unknown_fields
from eldercare.core.models import AuditEvent
from eldercare.core.validators import validate_division_code

from .importers import TOWNSHIPS, ImportRow
from .models import Region, Township
from .services import ImportResult, RowError
from .townships import official_category_problem, region_can_hold_townships, validate_township_code

IMPORT_CHANGE_REASON = "import_regions"
TOWNSHIP_FIELDS = frozenset({"region", "code", "name", "is_demo"})
NAME_MAX_LENGTH = Township._meta.get_field("name").max_length
# A statistical division code (统计用区划代码) names a township when its last three digits are 000.
STATISTICAL_TOWNSHIP_CODE = re.compile(r"^(\d{9})000$")
# Rows written per statement: a national list is some 40,000 rows.
BATCH_SIZE = 1000


def _audit_user(acting_user):
    return acting_user if acting_user is not None and getattr(acting_user, "is_authenticated", False) else None


@transaction.atomic
def township_save(*, township: Township, acting_user=None, reason: str = "", **changes) -> Township:
    """Create or change one township (its code must start with its county's code); audited."""
    refuse_unknown_fields(changes, TOWNSHIP_FIELDS, _("a township"))
    creating = township.pk is None
    locked = township if creating else Township.objects.select_for_update().get(pk=township.pk)
    before = {name: getattr(locked, name) for name in changes} if not creating else {}
    for name, value in changes.items():
        setattr(locked, name, value)
    changed = sorted(name for name in changes if creating or getattr(locked, name) != before[name])
    if not creating and not changed:
        return locked
    locked.full_clean()
    locked._change_reason = reason or ("township created" if creating else "township changed")
    if _audit_user(acting_user) is not None:
        locked._history_user = acting_user
    locked.save()
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
        user=acting_user,
        obj=locked,
        reason=reason,
        details={"fields": changed},
    )
    return locked


@dataclass(frozen=True)
class _CheckedTownship:
    line: int
    code: str
    name: str
    region: Region


def _label(column: str) -> str:
    return TOWNSHIP_LABELS[column]


TOWNSHIP_LABELS = TOWNSHIPS.labels


def _check_code(row: ImportRow, problems: list) -> str | None:
    code = row.get("code")
    statistical = STATISTICAL_TOWNSHIP_CODE.match(code)
    if statistical:
        code = statistical.group(1)  # the first 9 digits of a 12-digit statistical code are the township's
    try:
        validate_township_code(code)
    except ValidationError:
        problems.append(
            _(
                "%(column)s “%(value)s” is not a township code: 9 digits, the county's 6-digit code and 3 more, "
                "not 000 (e.g. 110114001), or a 12-digit statistical code ending in 000."
            )
            % {"column": _label("code"), "value": row.get("code")}
        )
        return None
    problem = official_category_problem(code)
    if problem:
        problems.append(_("%(column)s: %(problem)s") % {"column": _label("code"), "problem": problem})
        return None
    return code


def _check_county(row: ImportRow, regions: dict[str, Region], problems: list) -> Region | None:
    county_code = row.get("county_code")
    try:
        validate_division_code(county_code)
    except ValidationError:
        problems.append(
            _("%(column)s “%(value)s” is not 6 digits with a non-zero first digit (e.g. 110114).")
            % {"column": _label("county_code"), "value": county_code}
        )
        return None
    region = regions.get(county_code)
    if region is None:
        problems.append(
            _("%(column)s: no region has the division code %(code)s; check the code (regions are never guessed).")
            % {"column": _label("county_code"), "code": county_code}
        )
        return None
    if not region_can_hold_townships(region):
        problems.append(
            _("%(column)s: %(code)s is a province; townships lie under a county-level region.")
            % {"column": _label("county_code"), "code": county_code}
        )
        return None
    return region


def _check_row(
    row: ImportRow, *, regions: dict[str, Region], seen: dict[str, int]
) -> tuple[_CheckedTownship | None, list]:
    """Check one row; return it checked, or every problem found (each naming its column)."""
    problems: list = []
    code = _check_code(row, problems)
    region = _check_county(row, regions, problems)
    if code is not None:
        if code in seen:
            problems.append(
                _("%(column)s %(code)s already appears on line %(line)d.")
                % {"column": _label("code"), "code": code, "line": seen[code]}
            )
        else:
            seen[code] = row.line
        if region is not None and code[:6] != region.code:
            problems.append(
                _("%(column)s %(code)s does not start with %(county_column)s %(county)s (%(region)s).")
                % {
                    "column": _label("code"),
                    "code": code,
                    "county_column": _label("county_code"),
                    "county": region.code,
                    "region": region,
                }
            )
    name = "".join(row.get("name").split())
    if not name:
        problems.append(_("%(column)s is empty.") % {"column": _label("name")})
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(
            _("%(column)s is longer than %(limit)d characters.") % {"column": _label("name"), "limit": NAME_MAX_LENGTH}
        )
    if problems or code is None or region is None:
        return None, problems
    return _CheckedTownship(line=row.line, code=code, name=name, region=region), []


def townships_check(*, rows: list[ImportRow]) -> tuple[list[_CheckedTownship], list[RowError]]:
    """Check every row and collect every problem, so one pass over the file shows all that must be fixed."""
    if not rows:
        raise DomainError(_("The file has no data rows."), code="import_empty")
    regions = {
        region.code: region for region in Region.objects.filter(code__in={row.get("county_code") for row in rows})
    }
    seen: dict[str, int] = {}
    checked, errors = [], []
    for row in rows:
        good, problems = _check_row(row, regions=regions, seen=seen)
        if good:
            checked.append(good)
        errors.extend(RowError(line=row.line, message=str(problem)) for problem in problems)
    return checked, errors


def townships_import(*, rows: list[ImportRow], acting_user=None, dry_run: bool = False) -> ImportResult:
    """Create or rename townships from an official list; one bad row and nothing changes.

    1. Check every row first and report every problem with its line and column.
    2. Only then write, in one transaction: a new code is created, a known one takes the list's name;
       a row that changes nothing is not written (importing the same file twice changes nothing).
       Townships missing from the list are kept: recipients and applications refer to them.
    3. Each township written gets a history row and an audit event.
    With `dry_run`, count what would change and write nothing.
    """
    checked, errors = townships_check(rows=rows)
    if errors:
        return ImportResult(errors=errors, dry_run=dry_run)
    result = ImportResult(dry_run=dry_run)
    now = timezone.now()
    with transaction.atomic():
        existing = {
            township.code: township
            for township in Township.objects.select_for_update().filter(code__in=[row.code for row in checked])
        }
        created, renamed = [], []
        for row in checked:
            township = existing.get(row.code)
            if township is None:
                created.append(Township(region=row.region, code=row.code, name=row.name))
            elif township.name != row.name:
                township.name = row.name
                township.updated_at = now  # a bulk update does not set auto_now fields
                renamed.append(township)
            else:
                result.unchanged += 1
        result.created, result.updated = len(created), len(renamed)
        if dry_run or not (created or renamed):
            return result
        user = _audit_user(acting_user)
        for township in [*created, *renamed]:
            township._change_reason = IMPORT_CHANGE_REASON
        if created:
            created = bulk_create_with_history(
                created, Township, batch_size=BATCH_SIZE, default_user=user, default_change_reason=IMPORT_CHANGE_REASON
            )
            # Some databases do not return ids from a bulk insert: read the rows back for the audit log.
            created = list(Township.objects.filter(code__in=[township.code for township in created]))
            audit_record_many(action=AuditEvent.Action.CREATE, user=user, objects=created, reason=IMPORT_CHANGE_REASON)
        if renamed:
            bulk_update_with_history(
                renamed,
                Township,
                ["name", "updated_at"],
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason=IMPORT_CHANGE_REASON,
            )
            audit_record_many(
                action=AuditEvent.Action.CHANGE,
                user=user,
                objects=renamed,
                reason=IMPORT_CHANGE_REASON,
                details={"fields": ["name"]},
            )
    return result
