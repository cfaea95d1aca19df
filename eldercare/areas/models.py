import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eldercare.core.models import TimeStampedModel
from eldercare.core.validators import validate_division_code

from .townships import (
    DEMO_CATEGORY_DIGIT,
    TownshipKind,
    official_category_problem,
    region_can_hold_townships,
    township_kind,
    validate_township_code,
)


class Region(models.Model):
    """An administrative division (行政区划) identified by its GB/T 2260 code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        PREFECTURE = "prefecture", _("Prefecture-level city")
        COUNTY = "county", _("County-level district or county")

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[validate_division_code])
    name = models.CharField(_("name"), max_length=64)
    full_name = models.CharField(_("full name"), max_length=128, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[1-9][0-9]{5}$"), name="region_code_six_digits"),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True) | Q(~Q(level="province"), parent__isnull=False),
                name="region_only_provinces_have_no_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.name

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


class Township(TimeStampedModel):
    """A township-level division (乡级区划: 街道 sub-district, 镇 town, 乡 township) under a county-level
    region, identified by its 9-digit GB/T 10114 code (`areas.townships` says why that scheme).

    Townships hang under the region, not under a pilot area: a pilot area is one batch's, while the
    township, its recipients and their applications outlive batches.
    """

    region = models.ForeignKey(
        Region,
        verbose_name=_("county-level region"),
        on_delete=models.PROTECT,
        related_name="townships",
        limit_choices_to=~Q(level="province"),
    )
    code = models.CharField(_("township code"), max_length=9, unique=True, validators=[validate_township_code])
    name = models.CharField(_("name"), max_length=64)
    is_demo = models.BooleanField(
        _("demonstration data"),
        default=False,
        help_text=_("Invented for demonstration; not part of the official list."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("township (街道/乡镇)")
        verbose_name_plural = _("townships (街道/乡镇)")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[1-9][0-9]{8}$"), name="township_code_nine_digits"),
            # Real codes use the categories GB/T 10114 assigns; demo codes only the reserved 9xx range.
            models.CheckConstraint(
                condition=Q(is_demo=False, code__regex=r"^[0-9]{6}[0-5][0-9]{2}$")
                | Q(is_demo=True, code__regex=r"^[0-9]{6}9[0-9]{2}$"),
                name="township_code_category_official_or_demo",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（示例）" if self.is_demo else self.name

    @property
    def kind(self) -> str | None:
        return township_kind(self.code)

    def get_kind_display(self) -> str:
        kind = township_kind(self.code)
        return str(TownshipKind(kind).label) if kind else "—"

    def clean(self) -> None:
        super().clean()
        if not self.code or not self.region_id:
            return
        region = self.region
        if not region_can_hold_townships(region):
            raise ValidationError({"region": _("A township lies under a county-level region, not a province.")})
        if self.code[:6] != region.code:
            raise ValidationError(
                {
                    "code": _("Township code %(code)s does not start with %(county)s, the code of %(region)s.")
                    % {"code": self.code, "county": region.code, "region": region}
                }
            )
        problem = None if self.is_demo else official_category_problem(self.code)
        if problem:
            raise ValidationError({"code": problem})
        if self.is_demo and self.code[6] != DEMO_CATEGORY_DIGIT:
            raise ValidationError(
                {"code": _("A demo township's code uses the reserved range 9xx after the county's code.")}
            )


class Batch(TimeStampedModel):
    """A yearly batch (批次) of the programme, with its national targets and verification settings.

    The thresholds are per-batch settings (DOMAIN.md "Decision"), editable in the admin, never
    constants in code.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    name = models.CharField(_("name"), max_length=128)
    target_beds = models.PositiveIntegerField(_("national target: family care beds"), default=0)
    target_person_times = models.PositiveIntegerField(_("national target: home-visit person-times"), default=0)
    visits_per_person_time = models.PositiveSmallIntegerField(
        _("visits that make one person-time"), default=30, validators=[MinValueValidator(1)]
    )
    min_visit_minutes = models.PositiveSmallIntegerField(_("minimum counted visit length (minutes)"), default=30)
    max_visit_hours = models.PositiveSmallIntegerField(_("maximum plausible visit length (hours)"), default=8)
    checkin_radius_m = models.PositiveIntegerField(_("check-in radius around the home (metres)"), default=500)
    late_entry_days = models.PositiveSmallIntegerField(_("days after which an entry is late"), default=7)
    lock_after_days = models.PositiveSmallIntegerField(_("days after which a visit is locked"), default=95)
    bed_cost_cap = models.DecimalField(
        _("retrofit cost cap per bed (yuan)"), max_digits=12, decimal_places=2, default=Decimal("6000")
    )
    visits_include_partial_disability = models.BooleanField(
        _("home visits also for partially disabled people"),
        default=False,
        help_text=_("The 2023 notice funds home visits for disabled (失能) people only."),
    )
    # Optional evidence rules: a missing photo or a missing confirmation holds a visit as a warning.
    photos_required = models.BooleanField(
        _("visits need start and end photos"),
        default=False,
        help_text=_("A visit without both photos is held for review (a warning, not refused)."),
    )
    confirmation_required = models.BooleanField(
        _("visits need the older person's confirmation"),
        default=False,
        help_text=_("A visit the older person has not confirmed by QR code is held for review (a warning)."),
    )

    history = HistoricalRecords()

    # The settings the rules read (thresholds and evidence rules): the admin's fieldset, and what a
    # new batch made from an earlier one (demo, bench) takes over.
    RULE_SETTINGS = (
        "visits_per_person_time",
        "min_visit_minutes",
        "max_visit_hours",
        "checkin_radius_m",
        "late_entry_days",
        "lock_after_days",
        "bed_cost_cap",
        "visits_include_partial_disability",
        "photos_required",
        "confirmation_required",
    )

    def rule_settings(self) -> dict:
        """This batch's RULE_SETTINGS by name, to make another batch that applies the same rules."""
        return {name: getattr(self, name) for name in self.RULE_SETTINGS}

    class Meta:
        verbose_name = _("programme batch")
        verbose_name_plural = _("programme batches")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2021), name="batch_year_from_2021"),
            models.CheckConstraint(condition=Q(visits_per_person_time__gte=1), name="batch_person_time_positive"),
            models.CheckConstraint(condition=Q(max_visit_hours__gte=1), name="batch_max_visit_hours_positive"),
            models.CheckConstraint(condition=Q(bed_cost_cap__gte=0), name="batch_bed_cost_cap_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class PilotArea(TimeStampedModel):
    """A pilot area (项目地区) of a batch, with its one-year cycle, targets and funds."""

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="areas")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="pilot_areas")
    is_demo = models.BooleanField(
        _("demonstration data"),
        default=False,
        help_text=_("Invented for demonstration; not part of the official list."),
    )
    funds_arrived_on = models.DateField(_("central funds arrived on"), null=True, blank=True)
    cycle_start = models.DateField(_("cycle start"), null=True, blank=True)
    cycle_end = models.DateField(_("cycle end (last day)"), null=True, blank=True)
    target_beds = models.PositiveIntegerField(_("target: family care beds"), default=0)
    target_person_times = models.PositiveIntegerField(_("target: home-visit person-times"), default=0)
    target_satisfaction = models.DecimalField(
        _("target: satisfaction (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("90"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pilot area")
        verbose_name_plural = _("pilot areas")
        ordering = ["batch__year", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "region"], name="pilot_area_unique_region_per_batch"),
            models.CheckConstraint(
                condition=Q(cycle_start__isnull=True, cycle_end__isnull=True)
                | Q(cycle_start__isnull=False, cycle_end__isnull=False, cycle_end__gt=F("cycle_start")),
                name="pilot_area_cycle_complete_and_ordered",
            ),
            models.CheckConstraint(
                condition=Q(target_satisfaction__gte=0, target_satisfaction__lte=100),
                name="pilot_area_satisfaction_is_percentage",
            ),
        ]

    def __str__(self) -> str:
        label = str(self.region)
        return f"{label}（{self.batch.year}）" if self.batch_id else label

    @property
    def code(self) -> str:
        return self.region.code

    def cycle_contains(self, day: dt.date) -> bool:
        return bool(self.cycle_start and self.cycle_end and self.cycle_start <= day <= self.cycle_end)


class FundUse(models.TextChoices):
    BEDS = "beds", _("Family care beds")
    HOME_VISITS = "home_visits", _("Home-care visits")
    OTHER = "other", _("Other project costs")


class FundAllocation(TimeStampedModel):
    """Central lottery welfare funds (中央专项彩票公益金) allocated to an area, by use."""

    area = models.ForeignKey(
        PilotArea, verbose_name=_("pilot area"), on_delete=models.PROTECT, related_name="allocations"
    )
    use = models.CharField(_("use"), max_length=16, choices=FundUse.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    document_number = models.CharField(_("allocation document number"), max_length=64, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fund allocation")
        verbose_name_plural = _("fund allocations")
        constraints = [
            models.UniqueConstraint(fields=["area", "use"], name="fund_allocation_unique_use_per_area"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fund_allocation_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.area} · {self.get_use_display()} · {self.amount}"


class Disbursement(TimeStampedModel):
    """A payment out of an area's central funds (资金拨付), for the execution rate (资金执行率)."""

    area = models.ForeignKey(
        PilotArea, verbose_name=_("pilot area"), on_delete=models.PROTECT, related_name="disbursements"
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    use = models.CharField(_("use"), max_length=16, choices=FundUse.choices)
    payee = models.CharField(_("payee"), max_length=128)
    voucher_number = models.CharField(_("voucher number"), max_length=64)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-paid_on"]
        constraints = [
            models.UniqueConstraint(fields=["area", "voucher_number"], name="disbursement_unique_voucher_per_area"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_number} · {self.amount}"
