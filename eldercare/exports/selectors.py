"""Reads for exports: who may export what, and the domain's rows as they stood at the end of a day.

Reproducibility rests on django-simple-history. A row "as of D" is the latest history row of
each object whose `history_date` is before the start of D+1 (Asia/Shanghai), unless that row
records a deletion. Later edits add later history rows, so they never change what an export as
of D reads. Everything is one set-based query (a correlated subquery picks the latest history
row), never a loop over objects.

Counting as of D recomputes the rule of `visits.verification` from that state instead of
reading `Visit.is_countable` (a flag updated without history):
  counts = completed, no exception holding it back as of D, and the first such visit of its
  recipient that day (by start time, then id: the order `count_decision` uses).
An exception's state as of D is its latest history row before the end of D; exceptions are
created open by `verify_visits` (in bulk, without a history row), so one that existed by then
and has no earlier history row was open.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Aggregate,
    BooleanField,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, FirstValue
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.models import Role
from eldercare.accounts.scoping import scope_of, scope_queryset
from eldercare.areas.models import PilotArea, Region
from eldercare.core.errors import DomainError
from eldercare.providers.models import Provider
from eldercare.visits.models import HOLDING_STATUSES, ExceptionStatus, Visit, VisitException

from .models import ExportJob, ScopeLevel

# Roles that may export (DOMAIN.md: auditors export everything in their scope). Provider staff
# and caregivers may not: their ledgers are the auditors' evidence about them.
EXPORTING_ROLES = frozenset({Role.AUDITOR, Role.NATIONAL_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.DISTRICT_OFFICIAL})


GROUP_SEPARATOR = "|"


class GroupConcat(Aggregate):
    """The strings of a group joined by GROUP_SEPARATOR (in no set order: callers sort them)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, '" + GROUP_SEPARATOR + "')"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the project's time zone: "as of D" reads what was saved before it."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_default_timezone())


def as_of_rows(model, end: dt.datetime) -> QuerySet:
    """The history rows of `model` (a model with `history = HistoricalRecords()`) as they stood before `end`."""
    historical = model.history.model
    latest = (
        historical.objects.filter(id=OuterRef("id"), history_date__lt=end)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return historical.objects.filter(history_date__lt=end, history_id=Subquery(latest)).exclude(history_type="-")


def exceptions_as_of(end: dt.datetime) -> QuerySet:
    """Visit exceptions that existed before `end`, annotated with their status, reason code and note then."""
    latest = VisitException.history.model.objects.filter(id=OuterRef("pk"), history_date__lt=end).order_by(
        "-history_date", "-history_id"
    )
    return VisitException.objects.filter(created_at__lt=end).annotate(
        as_of_status=Coalesce(
            Subquery(latest.values("status")[:1]), Value(ExceptionStatus.OPEN.value), output_field=CharField()
        ),
        as_of_reason_code=Subquery(latest.values("reason_code__code")[:1]),
        as_of_note=Coalesce(Subquery(latest.values("resolution_note")[:1]), Value(""), output_field=TextField()),
        as_of_resolved_at=Subquery(latest.values("resolved_at")[:1]),
        as_of_resolved_by=Subquery(latest.values("resolved_by__username")[:1]),
        as_of_detail=Coalesce(Subquery(latest.values("detail")[:1]), F("detail"), output_field=CharField()),
    )


def visits_as_of(end: dt.datetime) -> QuerySet:
    """Visits as of `end` with `countable` (verification passed then) and `counting_visit` (the one that counts)."""
    holding = Exists(exceptions_as_of(end).filter(visit_id=OuterRef("id"), as_of_status__in=HOLDING_STATUSES))
    return (
        as_of_rows(Visit, end)
        .annotate(countable=ExpressionWrapper(Q(status="completed") & ~holding, output_field=BooleanField()))
        .annotate(
            counting_visit=Window(
                FirstValue("id"),
                partition_by=[F("recipient_id"), F("service_date"), F("countable")],
                order_by=[F("started_at").asc(), F("id").asc()],
            )
        )
    )


def counted_days_as_of(end: dt.datetime) -> QuerySet:
    """(recipient_id, service_date) of every day with a counting visit as of `end` (at most one counts a day)."""
    holding = Exists(exceptions_as_of(end).filter(visit_id=OuterRef("id"), as_of_status__in=HOLDING_STATUSES))
    return as_of_rows(Visit, end).filter(status="completed").exclude(holding)


def enrolments_as_of(end: dt.datetime) -> tuple[QuerySet, QuerySet]:
    """The enrolments as they stood before `end`: (from their history rows, written without one).

    An enrolment's history row says it existed; the migration that enrolled every recipient in their
    household area (recipients 0005) wrote none, so an enrolment with no history row before `end`
    counts from its creation, as it is now (its person and area never change). Both querysets are of
    `Enrolment`-like rows with `recipient_id` and `area_id`.
    """
    from eldercare.recipients.models import Enrolment

    recorded = as_of_rows(Enrolment, end)
    unrecorded = Enrolment.objects.filter(created_at__lt=end).exclude(
        Exists(Enrolment.history.model.objects.filter(id=OuterRef("id"), history_date__lt=end))
    )
    return recorded, unrecorded


# --- Who may export what ------------------------------------------------------------------------


def can_export(user) -> bool:
    """Auditors, officials and administrators export; provider staff, caregivers and strangers do not."""
    scope = scope_of(user)
    return scope.role is not None and not scope.is_empty and (scope.everything or scope.role in EXPORTING_ROLES)


def exportable_areas(user) -> QuerySet:
    """The pilot areas this user may export (the scope filter, for exporting roles only)."""
    if not can_export(user):
        return PilotArea.objects.none()
    return scope_queryset(user, PilotArea.objects.all())


def resolve_scope(user, level: str, code: str = "") -> tuple[QuerySet, Provider | None, str]:
    """The areas (and provider) an export over (`level`, `code`) covers for this user, and its label.

    A scope outside the user's is refused as if it did not exist.
    """
    allowed = exportable_areas(user).select_related("region", "batch")
    code = (code or "").strip()
    provider = None
    if level == ScopeLevel.NATIONAL:
        areas, label = allowed, str(_("All areas in scope"))
    elif level == ScopeLevel.PROVINCE:
        province = Region.objects.filter(code=code, level=Region.Level.PROVINCE).first()
        areas = allowed.filter(region__code__startswith=code[:2]) if province else allowed.none()
        label = str(province) if province else code
    elif level == ScopeLevel.AREA:
        areas = allowed.filter(region__code=code)
        first = areas.first()
        label = str(first.region) if first else code
    elif level == ScopeLevel.PROVIDER:
        provider = scope_queryset(user, Provider.objects.filter(credit_code=code.upper())).first()
        areas = allowed.filter(providers=provider) if provider else allowed.none()
        label = str(provider) if provider else code
    else:
        raise DomainError(_("Choose a scope."), field="scope_level")
    if not areas.exists():
        raise DomainError(_("Nothing in your scope matches %(scope)s.") % {"scope": code or level}, field="scope_code")
    return areas, provider, label


def jobs_visible_to(user) -> QuerySet:
    """A user's own exports (administrators see every export); the download and status views 404 on others."""
    if not can_export(user):
        return ExportJob.objects.none()
    if scope_of(user).role == Role.ADMIN:
        return ExportJob.objects.all()
    return ExportJob.objects.filter(requester=user)


# --- What the exports page offers ------------------------------------------------------------------


@dataclass
class ScopeChoices:
    """The scopes a user may pick on the exports page: levels, then a province, an area or a provider."""

    levels: list[tuple[str, str]]
    provinces: list[tuple[str, str]] = field(default_factory=list)
    areas: list[tuple[str, str]] = field(default_factory=list)
    providers: list[tuple[str, str]] = field(default_factory=list)
    # When the user has one area and nothing else to choose (a district official): (level, code, label).
    fixed: tuple[str, str, str] | None = None


def _demo(is_demo: bool) -> str:
    # Demonstration records say so wherever they are named (DOMAIN.md).
    return f"（{gettext('demo')}）" if is_demo else ""


def _area_label(region, is_demo: bool) -> str:
    return f"{region}（{region.code}）{_demo(is_demo)}"


def scope_choices(user) -> ScopeChoices:
    """Levels by role: nationally every level; a province its own and what is in it; an area only itself."""
    scope = scope_of(user)
    areas = list(exportable_areas(user).select_related("region").order_by("region__code", "-batch__year"))
    if not areas:
        return ScopeChoices(levels=[])
    labels = dict(ScopeLevel.choices)
    if scope.area_id is not None:
        area = areas[0]
        return ScopeChoices(
            levels=[(ScopeLevel.AREA, labels[ScopeLevel.AREA])],
            areas=[(area.region.code, _area_label(area.region, area.is_demo))],
            fixed=(ScopeLevel.AREA, area.region.code, _area_label(area.region, area.is_demo)),
        )
    seen, area_choices = set(), []
    for area in areas:
        if area.region.code not in seen:
            seen.add(area.region.code)
            area_choices.append((area.region.code, _area_label(area.region, area.is_demo)))
    province_codes = sorted({area.region.province_code for area in areas})
    provinces = Region.objects.filter(code__in=province_codes, level=Region.Level.PROVINCE).order_by("code")
    providers = (
        scope_queryset(user, Provider.objects.filter(areas__in=[area.pk for area in areas])).distinct().order_by("name")
    )
    levels = [ScopeLevel.PROVINCE, ScopeLevel.AREA, ScopeLevel.PROVIDER]
    if scope.everything:
        levels.insert(0, ScopeLevel.NATIONAL)
    return ScopeChoices(
        levels=[(level, labels[level]) for level in levels],
        provinces=[(province.code, f"{province}（{province.code}）") for province in provinces],
        areas=area_choices,
        providers=[(provider.credit_code, provider.name + _demo(provider.is_demo)) for provider in providers],
    )


def issuing_unit(user) -> str:
    """Who issues a user's exports, by the scope of their role: an area, a province, or 全国 (nationwide)."""
    scope = scope_of(user)
    if scope.area_id is not None:
        area = PilotArea.objects.select_related("region").filter(pk=scope.area_id).first()
        return str(area.region) if area else ""
    if scope.province_prefix:
        province = Region.objects.filter(code=f"{scope.province_prefix}0000").first()
        return str(province) if province else ""
    return "全国"
