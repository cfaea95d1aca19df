"""The area view: progress over the cycle, recipients by band, beds by stage, providers, funds, at risk.

Bands of counted visits are thirds of the batch's person-time threshold
(rollups.rules.person_time_bands); a bed counts toward the target by beds.rules. The trend runs
over the cycle only: the daily snapshots from its first day to the day shown (never past its
last day), against the straight line to the target. Recipients the roll-ups flag `at_risk` are
at risk while the cycle runs and have failed (未达成) once it is over: the page says which.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.scoping import scope_of, scope_queryset
from eldercare.areas.models import Disbursement, FundAllocation, FundUse, PilotArea, Region
from eldercare.beds.models import BedStatus, FamilyCareBed
from eldercare.beds.rules import beds_counting_toward_target_q
from eldercare.rollups.models import AreaDailySnapshot, ProviderAreaStats, RecipientProgress
from eldercare.rollups.rules import NO_VISIT_BAND, person_time_bands
from eldercare.rollups.selectors import provider_stats_in_area

from .figures import AreaRow, _percent, area_row

BED_STAGES = [
    # (label, the date that marks the stage reached)
    (_("Applied"), "applied_on"),
    (_("Assessed and planned"), "plan_signed_on"),
    (_("Retrofit started"), "retrofit_started_on"),
    (_("Retrofit finished, awaiting acceptance"), "retrofit_finished_on"),
    (_("Accepted"), "accepted_on"),
    (_("In service"), "service_started_on"),
]


@dataclass
class AtRiskRecipient:
    recipient_id: int
    name: str
    counted_visits: int
    still_needed: int
    last_counted_on: dt.date | None
    url: str
    provider: str = ""


@dataclass
class Crumb:
    label: str
    url: str | None


@dataclass
class FundLine:
    use: str
    label: str
    allocated: Decimal
    disbursed: Decimal

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.disbursed, self.allocated)


@dataclass
class AreaDashboard:
    area: PilotArea
    row: AreaRow
    as_of: dt.date | None
    series: list[dict]
    target_line: list[dict]
    bands: list[dict]
    at_risk: list[AtRiskRecipient]
    at_risk_total: int
    days_left: int | None
    bed_funnel: list[dict]
    beds_withdrawn: int
    beds_counting: int
    beds_by_status: list[dict] | None
    providers: list[ProviderAreaStats]
    providers_computed_at: dt.datetime | None
    funds: list[FundLine]
    updated_at: dt.datetime | None = field(default=None)
    # Recipients with no provider yet: nobody is serving them (listed for officials to act on).
    without_provider: list[AtRiskRecipient] = field(default_factory=list)
    without_provider_total: int = 0
    cycle_over: bool = False  # today is after the cycle's last day: at risk has become failed
    province_name: str = ""

    @property
    def visits_per_person_time(self) -> int:
        """The batch's threshold (30 in 2023): headings and labels say it, never a literal."""
        return self.area.batch.visits_per_person_time


def _bed_funnel(user, area: PilotArea, day: dt.date) -> tuple[list[dict], int, int]:
    """Beds that had reached each stage by the end of `day`, the withdrawn among them, and those counting.

    A stage once reached stays reached, whatever happens after: a bed accepted and later withdrawn
    (撤销) was accepted, and counts toward the target (beds.rules), as in the roll-ups. One query.
    """
    beds = scope_queryset(user, FamilyCareBed.objects.filter(area=area))
    counts = beds.aggregate(
        withdrawn=Count("pk", filter=Q(withdrawn_on__lte=day)),
        counting=Count("pk", filter=beds_counting_toward_target_q(day)),
        **{name: Count("pk", filter=Q(**{f"{name}__lte": day})) for _label, name in BED_STAGES},
    )
    funnel = [{"stage": name, "label": str(label), "value": counts[name]} for label, name in BED_STAGES]
    return funnel, counts["withdrawn"], counts["counting"]


def _beds_by_status(user, area: PilotArea) -> list[dict]:
    counts = dict(
        scope_queryset(user, FamilyCareBed.objects.filter(area=area))
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [
        {"status": status, "label": str(label), "value": counts.get(status, 0)} for status, label in BedStatus.choices
    ]


def _funds(user, area: PilotArea, day: dt.date) -> list[FundLine]:
    allocated = dict(
        scope_queryset(user, FundAllocation.objects.filter(area=area))
        .values("use")
        .annotate(s=Sum("amount"))
        .values_list("use", "s")
    )
    disbursed = dict(
        scope_queryset(user, Disbursement.objects.filter(area=area, paid_on__lte=day))
        .values("use")
        .annotate(s=Sum("amount"))
        .values_list("use", "s")
    )
    return [
        FundLine(use, str(label), allocated.get(use) or Decimal(0), disbursed.get(use) or Decimal(0))
        for use, label in FundUse.choices
        if use in allocated or use in disbursed
    ]


def _recipient_url():
    """The admin page of a recipient by id: reversed once, not for each of 200 listed people (a
    reverse through the admin's URLs took 100–300 µs, more than the rest of the row)."""
    marker = "918273645546372819"  # digits, as an id: reversed as it is, found once in the path
    head, _marker, tail = reverse("admin:recipients_recipient_change", args=[marker]).partition(marker)
    return lambda pk: f"{head}{pk}{tail}"


def _listed(user, area: PilotArea, **condition) -> tuple[list[AtRiskRecipient], int]:
    """Recipients of the area whose progress row matches, closest to the person-time first, and how many."""
    needed = area.batch.visits_per_person_time
    url = _recipient_url()
    progress = scope_queryset(user, RecipientProgress.objects.filter(area=area, **condition))
    # Only the cells shown, as tuples: 200 rows of three whole models (progress, person, provider)
    # cost more to build than the page took to render.
    chosen = progress.order_by("-counted_visits", "recipient__name", "pk").values_list(
        "recipient_id", "recipient__name", "counted_visits", "last_counted_on", "recipient__provider__name"
    )
    listed = [
        AtRiskRecipient(
            recipient_id=recipient_id,
            name=name,
            counted_visits=counted,
            still_needed=max(0, needed - counted),
            last_counted_on=last_counted_on,
            url=url(recipient_id),
            provider=provider or "",
        )
        for recipient_id, name, counted, last_counted_on, provider in chosen[: settings.DASHBOARD_AT_RISK_LIMIT]
    ]
    # Always counted, so the page runs the same queries whether or not the list is cut.
    return listed, progress.count()


def _at_risk(user, area: PilotArea) -> tuple[list[AtRiskRecipient], int]:
    return _listed(user, area, at_risk=True)


def breadcrumbs(user, area: PilotArea, province_name: str) -> list[Crumb]:
    """全国 › 北京市 › 北京市昌平区: names, linked where the user's scope reaches."""
    scope = scope_of(user)
    province_code = area.region.province_code
    province_url = reverse("dashboards:province", kwargs={"province_code": province_code})
    crumbs = [Crumb(str(_("National")), reverse("dashboards:national") if scope.everything else None)]
    sees_province = scope.everything or scope.province_prefix == province_code[:2]
    crumbs.append(Crumb(province_name, province_url if sees_province else None))
    crumbs.append(Crumb(str(area.region), None))
    return crumbs


def area_dashboard(user, area: PilotArea, *, today: dt.date, as_of: dt.date | None = None) -> AreaDashboard:
    """Everything the area view shows; `area` comes from `area_in_scope`."""
    day = as_of or today
    if as_of is None:
        row = area_row(area, getattr(area, "progress", None), day=today)
    else:
        source = (
            scope_queryset(user, AreaDailySnapshot.objects.filter(area=area, day__lte=as_of)).order_by("-day").first()
        )
        row = area_row(area, source, day=as_of)
    # The cycle only: from its first day to the day shown, never past its last day.
    snapshots = scope_queryset(user, AreaDailySnapshot.objects.filter(area=area, day__lte=day))
    if area.cycle_start and area.cycle_end:
        snapshots = snapshots.filter(day__gte=area.cycle_start, day__lte=area.cycle_end)
    snapshots = snapshots.order_by("day")
    series = [
        {"day": item["day"].isoformat(), "person_times": item["person_times_reached"], "visits": item["counted_visits"]}
        for item in snapshots.values("day", "person_times_reached", "counted_visits")
    ]
    target_line = []
    if area.cycle_start and area.cycle_end:
        target_line = [
            {"day": area.cycle_start.isoformat(), "value": 0},
            {"day": area.cycle_end.isoformat(), "value": area.target_person_times},
        ]
    f = row.figures or {}
    bands = [
        {"label": str(_("No counted visit")), "value": f.get(NO_VISIT_BAND, 0)},
        *(
            {"label": band.label, "value": f.get(band.field, 0)}
            for band in person_time_bands(area.batch.visits_per_person_time)
            if not band.is_empty  # a threshold below 3 leaves a third empty
        ),
        {"label": str(_("Reached (1 person-time)")), "value": f.get("person_times_reached", 0)},
    ]
    at_risk, at_risk_total = _at_risk(user, area)
    without_provider, without_provider_total = _listed(user, area, recipient__provider__isnull=True)
    province = Region.objects.filter(code=area.region.province_code, level=Region.Level.PROVINCE).first()
    funnel, withdrawn, counting = _bed_funnel(user, area, day)
    providers = list(provider_stats_in_area(user=user, area=area))
    # Whole days after today (today counts as elapsed, as in the pace line).
    days_left = (area.cycle_end - today).days if area.cycle_end and area.cycle_end > today else None
    return AreaDashboard(
        area=area,
        row=row,
        as_of=as_of,
        series=series,
        target_line=target_line,
        bands=bands,
        at_risk=at_risk,
        at_risk_total=at_risk_total,
        days_left=days_left,
        bed_funnel=funnel,
        beds_withdrawn=withdrawn,
        beds_counting=counting,
        beds_by_status=None if as_of else _beds_by_status(user, area),
        providers=providers,
        providers_computed_at=max((p.computed_at for p in providers), default=None),
        funds=_funds(user, area, day),
        updated_at=row.computed_at,
        without_provider=without_provider,
        without_provider_total=without_provider_total,
        cycle_over=bool(area.cycle_end and today > area.cycle_end),
        province_name=str(province) if province else area.region.province_code,
    )
