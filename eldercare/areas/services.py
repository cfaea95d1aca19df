"""Writes for batches and pilot areas: project cycles and the import of a batch's official list."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from eldercare.core.errors import DomainError, refuse_unknown_fields
from eldercare.core.validators import validate_division_code
from eldercare.visits.verification.contract import changed_fields, invalidate, snapshot

from .importers import COLUMN_LABELS, PilotAreaRow
from .models import Batch, Disbursement, FundAllocation, PilotArea, Region

IMPORT_CHANGE_REASON = "import_pilot_areas"
DEFAULT_TARGET_SATISFACTION = Decimal("90")
ISO_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PERCENTAGE_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


def one_year_cycle(start: dt.date) -> tuple[dt.date, dt.date]:
    """The project cycle (项目实施周期) of one year from `start`: its first and last day."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February: the year is over at the end of 28 February
        anniversary = dt.date(start.year + 1, 3, 1)
    return start, anniversary - dt.timedelta(days=1)


def _named(obj, *, acting_user, reason: str):
    obj._change_reason = reason
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        obj._history_user = acting_user
    return obj


def _write(model, obj, allowed: frozenset, what, *, acting_user, reason: str, changes: dict):
    """Lock, change, validate and save `obj` through its model's rules; queue what the change invalidates."""
    refuse_unknown_fields(changes, allowed, what)
    locked = model.objects.select_for_update().get(pk=obj.pk) if obj.pk else obj
    before = snapshot(locked, changes) if obj.pk else dict.fromkeys(changes)
    for name, value in changes.items():
        setattr(locked, name, value)
    changed = changed_fields(locked, before)
    if obj.pk and not changed:
        return locked
    locked.full_clean()
    _named(locked, acting_user=acting_user, reason=reason).save()
    invalidate(locked, changed, before=before)
    return locked


AREA_FIELDS = frozenset(
    {"batch", "region", "is_demo", "funds_arrived_on", "cycle_start", "cycle_end"}
    | {"target_beds", "target_person_times", "target_satisfaction"}
)
BATCH_FIELDS = frozenset(
    {"year", "name", "target_beds", "target_person_times", "visits_per_person_time", "min_visit_minutes"}
    | {"max_visit_hours", "checkin_radius_m", "late_entry_days", "lock_after_days", "bed_cost_cap"}
    | {"visits_include_partial_disability", "photos_required", "confirmation_required"}
)
FUND_ALLOCATION_FIELDS = frozenset({"area", "use", "amount", "document_number"})
DISBURSEMENT_FIELDS = frozenset({"area", "paid_on", "amount", "use", "payee", "voucher_number"})


@transaction.atomic
def pilot_area_save(*, area: PilotArea, acting_user=None, reason: str = "", **changes) -> PilotArea:
    """Create or change a pilot area (cycle, targets); a changed cycle re-checks every visit of the area."""
    return _write(
        PilotArea, area, AREA_FIELDS, _("a pilot area"), acting_user=acting_user, reason=reason, changes=changes
    )


@transaction.atomic
def pilot_area_set_cycle(*, area: PilotArea, funds_arrived_on: dt.date, acting_user=None) -> PilotArea:
    """Record the day the central funds arrived (资金下达); the one-year cycle starts that day."""
    cycle_start, cycle_end = one_year_cycle(funds_arrived_on)
    return pilot_area_save(
        area=area,
        acting_user=acting_user,
        reason="funds arrived",
        funds_arrived_on=funds_arrived_on,
        cycle_start=cycle_start,
        cycle_end=cycle_end,
    )


@transaction.atomic
def batch_save(*, batch: Batch, acting_user=None, reason: str = "", **changes) -> Batch:
    """Create a batch or change its targets and verification settings; a changed threshold re-checks
    every visit of the batch's areas (through the recount queue) and recounts them."""
    return _write(Batch, batch, BATCH_FIELDS, _("a batch"), acting_user=acting_user, reason=reason, changes=changes)


@transaction.atomic
def fund_allocation_save(
    *, allocation: FundAllocation, acting_user=None, reason: str = "", **changes
) -> FundAllocation:
    """Record or correct an allocation of central funds (资金下达) to an area; its totals are recounted."""
    return _write(
        FundAllocation,
        allocation,
        FUND_ALLOCATION_FIELDS,
        _("a fund allocation"),
        acting_user=acting_user,
        reason=reason,
        changes=changes,
    )


@transaction.atomic
def disbursement_save(*, disbursement: Disbursement, acting_user=None, reason: str = "", **changes) -> Disbursement:
    """Record or correct a payment out of an area's funds (资金拨付); its totals are recounted."""
    return _write(
        Disbursement,
        disbursement,
        DISBURSEMENT_FIELDS,
        _("a disbursement"),
        acting_user=acting_user,
        reason=reason,
        changes=changes,
    )


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return str(_("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message})


@dataclass
class ImportResult:
    """What an import did, or, when `errors` is not empty, why it did nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _CheckedRow:
    line: int
    region: Region
    funds_arrived_on: dt.date | None
    target_beds: int
    target_person_times: int
    target_satisfaction: Decimal


def _accepted_names(region: Region, province: Region | None) -> set[str]:
    """The names a clerk may write for a region: short, full, or full without the province."""
    names = {region.name, region.full_name}
    if province and region.full_name.startswith(province.name):
        names.add(region.full_name[len(province.name) :])
    return {"".join(name.split()) for name in names if name}


def _non_negative_int(row: PilotAreaRow, column: str, problems: list[str]) -> int | None:
    text = row.get(column)
    if not re.fullmatch(r"\d+", text):
        problems.append(
            _("%(column)s must be a whole number of 0 or more, not “%(value)s”.")
            % {"column": COLUMN_LABELS[column], "value": text}
        )
        return None
    return int(text)


def _check_row(
    row: PilotAreaRow, *, batch: Batch, regions: dict[str, Region], seen: dict[str, int]
) -> tuple[_CheckedRow | None, list[str]]:
    """Check one row against the rules and the stored regions; return it checked, or every problem found."""
    problems: list[str] = []

    # 1. The division code: its format, no repeat within the file, and a stored county or prefecture region.
    code = row.get("division_code")
    region = None
    try:
        validate_division_code(code)
    except ValidationError:
        problems.append(
            _("The division code “%(code)s” is not 6 digits with a non-zero first digit (e.g. 110114).")
            % {"code": code}
        )
    else:
        if code in seen:
            problems.append(
                _("The division code %(code)s already appears on line %(line)d.") % {"code": code, "line": seen[code]}
            )
        else:
            seen[code] = row.line
        region = regions.get(code)
        if region is None:
            problems.append(
                _("No region has the division code %(code)s; check the code (regions are never guessed).")
                % {"code": code}
            )
        elif region.level == Region.Level.PROVINCE:
            problems.append(
                _("%(code)s is a province; a pilot area is a county-level district or a prefecture-level city.")
                % {"code": code}
            )
            region = None

    # 2. The name and optional province must agree with the region the code names.
    name = "".join(row.get("name").split())
    if not name:
        problems.append(_("The area name is empty."))
    if region is not None:
        province = regions.get(region.province_code)
        if name and name not in _accepted_names(region, province):
            problems.append(
                _("The name “%(name)s” does not match region %(code)s, which is %(region)s.")
                % {"name": name, "code": region.code, "region": region.full_name or region.name}
            )
        province_text = "".join(row.get("province").split())
        if province_text and province and province_text not in (province.name, province.code):
            problems.append(
                _("The province “%(given)s” does not match region %(code)s, which lies in %(province)s.")
                % {"given": province_text, "code": region.code, "province": province.name}
            )

    # 3. The numbers and the date.
    beds = _non_negative_int(row, "target_beds", problems)
    person_times = _non_negative_int(row, "target_person_times", problems)
    satisfaction = DEFAULT_TARGET_SATISFACTION
    satisfaction_text = row.get("target_satisfaction").removesuffix("%").strip()
    if satisfaction_text:
        if PERCENTAGE_PATTERN.match(satisfaction_text) and Decimal(satisfaction_text) <= 100:
            satisfaction = Decimal(satisfaction_text)
        else:
            problems.append(
                _("%(column)s must be a percentage from 0 to 100 with at most two decimals, not “%(value)s”.")
                % {"column": COLUMN_LABELS["target_satisfaction"], "value": row.get("target_satisfaction")}
            )
    funds_arrived_on = None
    date_text = row.get("funds_arrived_on")
    if date_text:
        try:
            if not ISO_DATE_PATTERN.match(date_text):
                raise ValueError(date_text)
            funds_arrived_on = dt.date.fromisoformat(date_text)
        except ValueError:
            problems.append(
                _("%(column)s “%(value)s” is not a real date written YYYY-MM-DD.")
                % {"column": COLUMN_LABELS["funds_arrived_on"], "value": date_text}
            )
        else:
            if funds_arrived_on.year < batch.year:
                problems.append(
                    _("%(column)s %(day)s is before the %(year)d batch began.")
                    % {"column": COLUMN_LABELS["funds_arrived_on"], "day": funds_arrived_on, "year": batch.year}
                )

    if problems:
        return None, problems
    return (
        _CheckedRow(
            line=row.line,
            region=region,
            funds_arrived_on=funds_arrived_on,
            target_beds=beds,
            target_person_times=person_times,
            target_satisfaction=satisfaction,
        ),
        [],
    )


def pilot_areas_check(*, rows: list[PilotAreaRow], batch: Batch) -> tuple[list[_CheckedRow], list[RowError]]:
    """Check every row and collect every problem, so one pass over the file shows all that must be fixed."""
    if not rows:
        raise DomainError(_("The file has no data rows."), code="import_empty")
    codes = {row.get("division_code") for row in rows}
    codes |= {code[:2] + "0000" for code in codes if len(code) == 6}
    regions = {region.code: region for region in Region.objects.filter(code__in=codes)}
    seen: dict[str, int] = {}
    checked: list[_CheckedRow] = []
    errors: list[RowError] = []
    for row in rows:
        good, problems = _check_row(row, batch=batch, regions=regions, seen=seen)
        if good:
            checked.append(good)
        errors.extend(RowError(line=row.line, message=str(problem)) for problem in problems)
    return checked, errors


def pilot_areas_import(
    *, rows: list[PilotAreaRow], batch: Batch, acting_user=None, dry_run: bool = False
) -> ImportResult:
    """Create or update the batch's pilot areas from the official list; one bad row and nothing changes.

    1. Check every row first and report every problem with its line number.
    2. Only then write all rows in one transaction: an area already in the batch for the region is
       updated (its demo flag cleared), otherwise it is created; a row that changes nothing is not
       written. The funds date, when given, sets the one-year cycle; when empty, a stored date is kept.
    With `dry_run`, count what would change and write nothing.
    """
    checked, errors = pilot_areas_check(rows=rows, batch=batch)
    if errors:
        return ImportResult(errors=errors, dry_run=dry_run)

    result = ImportResult(dry_run=dry_run)
    with transaction.atomic():
        # Lock the batch's areas so a second import of the same batch waits for this one.
        existing = {area.region_id: area for area in PilotArea.objects.select_for_update().filter(batch=batch)}
        for row in checked:
            area = existing.get(row.region.pk)
            if area is None:
                area = PilotArea(batch=batch, region=row.region)
            before = _import_fields(area) if area.pk else None
            previous_cycle = (area.cycle_start, area.cycle_end)
            area.is_demo = False
            area.target_beds = row.target_beds
            area.target_person_times = row.target_person_times
            area.target_satisfaction = row.target_satisfaction
            if row.funds_arrived_on:
                area.funds_arrived_on = row.funds_arrived_on
                area.cycle_start, area.cycle_end = one_year_cycle(row.funds_arrived_on)
            if before is None:
                result.created += 1
            elif before != _import_fields(area):
                result.updated += 1
            else:
                # The same file imported again: no write, no history row.
                result.unchanged += 1
                continue
            if dry_run:
                continue
            _named(area, acting_user=acting_user, reason=IMPORT_CHANGE_REASON).save()
            changed = ["cycle_start", "cycle_end"] if previous_cycle != (area.cycle_start, area.cycle_end) else []
            changed += ["target_beds", "target_person_times", "target_satisfaction"]
            invalidate(area, changed, reason="import_pilot_areas")
    return result


def _import_fields(area: PilotArea) -> tuple:
    return (
        area.is_demo,
        area.target_beds,
        area.target_person_times,
        Decimal(area.target_satisfaction),
        area.funds_arrived_on,
        area.cycle_start,
        area.cycle_end,
    )
