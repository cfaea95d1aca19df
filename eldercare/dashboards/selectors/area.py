"""The area view: progress over time, recipients by band, beds by stage, providers, funds, at risk.

Bands of counted visits are thirds of the batch's person-time threshold
(rollups.rules.person_time_bands); a bed counts toward the target by beds.rules.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from eldercare.accounts.scoping import scope_queryset
from eldercare.areas.models import Disbursement, FundAllocation, FundUse, PilotArea
from eldercare.beds.models import BedStatus, FamilyCareBed
from eldercare.beds.rules import beds_counting_toward_target_q
from eldercare.rollups.models import AreaDailySnapshot, RecipientProgress
from eldercare.rollups.rules import NO_VISIT_BAND, person_time_bands

from ..models import ProviderAreaStats
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


def _at_risk(user, area: PilotArea) -> tuple[list[AtRiskRecipient], int]:
    needed = area.batch.visits_per_person_time
    progress = scope_queryset(user, RecipientProgress.objects.filter(area=area, at_risk=True))
    chosen = progress.select_related("recipient").order_by("-counted_visits", "recipient__name", "pk")
    listed = [
        AtRiskRecipient(
            recipient_id=item.recipient_id,
            name=item.recipient.name,
            counted_visits=item.counted_visits,
            still_needed=max(0, needed - item.counted_visits),
            last_counted_on=item.last_counted_on,
            url=reverse("admin:recipients_recipient_change", args=[item.recipient_id]),
        )
        for item in chosen[: settings.DASHBOARD_AT_RISK_LIMIT]
    ]
    # Always counted, so the page runs the same queries whether or not the list is cut.
    return listed, progress.count()


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
    snapshots = scope_queryset(user, AreaDailySnapshot.objects.filter(area=area, day__lte=day)).order_by("day")
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
    funnel, withdrawn, counting = _bed_funnel(user, area, day)
    providers = list(
        scope_queryset(user, ProviderAreaStats.objects.filter(area=area))
        .select_related("provider")
        .order_by("provider__name")
    )
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
    )
