"""Roll-up tables: per-recipient progress toward one person-time, and per-area and per-batch totals.

They are derived data: `rollups.services` rewrites them from visits, and `verify_rollups`
proves they equal a recount. Dashboards and reports read only these tables.
`ProviderAreaStats` (the provider comparison) is written by `rollups.provider_stats`.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecipientProgress(models.Model):
    """A recipient's progress in one pilot area's cycle: counted visits toward the batch's threshold (1人次).

    One row per person and area they are enrolled in (recipients.Enrolment; a person with no
    enrolment has one row, in their household area): someone served in two batches has two rows,
    each counting the visits filed in its area (`Visit.area`, the covering enrolment's area).
    """

    # No index of its own for these keys: the person's leads the unique (recipient, area) index and
    # the area's leads `progress_area_count`; a single-column copy of either costs every recount
    # write an entry and serves no lookup those do not. The reaching visit is only ever read from
    # here (visits are never deleted, so no foreign-key check looks it up).
    recipient = models.ForeignKey(
        "recipients.Recipient",
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="progress_rows",
        db_index=False,
    )
    area = models.ForeignKey(
        "areas.PilotArea", verbose_name=_("pilot area"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    counted_visits = models.PositiveIntegerField(_("counted visits"), default=0)
    reached_on = models.DateField(_("person-time reached on"), null=True, blank=True)
    reaching_visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit that reached the person-time"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    last_counted_on = models.DateField(_("last counted visit on"), null=True, blank=True)
    completed_visits = models.PositiveIntegerField(_("completed visits"), default=0)
    rated_visits = models.PositiveIntegerField(_("visits with a satisfaction rating"), default=0)
    satisfied_visits = models.PositiveIntegerField(_("satisfied or fairly satisfied visits"), default=0)
    at_risk = models.BooleanField(_("at risk of not reaching the person-time"), default=False)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("recipient progress")
        verbose_name_plural = _("recipient progress")
        indexes = [models.Index(fields=["area", "counted_visits"], name="progress_area_count")]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "area"], name="progress_one_per_recipient_and_area"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} · {self.area_id}: {self.counted_visits}"


class ProgressFigures(models.Model):
    """The figures shown for an area or a batch, now or on a day."""

    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    person_times_reached = models.PositiveIntegerField(_("person-times reached"), default=0)
    target_person_times = models.PositiveIntegerField(_("target person-times"), default=0)
    band_0 = models.PositiveIntegerField(_("recipients with no counted visit"), default=0)
    # Thirds of the batch's threshold (rollups.rules.person_time_bands); the column names are those
    # of a threshold of 30, kept so the API and the stored rows keep their names.
    band_1_9 = models.PositiveIntegerField(_("recipients in the first third of the person-time"), default=0)
    band_10_19 = models.PositiveIntegerField(_("recipients in the second third of the person-time"), default=0)
    band_20_29 = models.PositiveIntegerField(_("recipients in the last third of the person-time"), default=0)
    at_risk = models.PositiveIntegerField(_("recipients at risk"), default=0)
    counted_visits = models.PositiveIntegerField(_("counted visits"), default=0)
    beds_accepted = models.PositiveIntegerField(_("beds accepted in the cycle"), default=0)
    target_beds = models.PositiveIntegerField(_("target beds"), default=0)
    rated_visits = models.PositiveIntegerField(_("rated visits"), default=0)
    satisfied_visits = models.PositiveIntegerField(_("satisfied or fairly satisfied visits"), default=0)
    funds_allocated = models.DecimalField(_("funds allocated (yuan)"), max_digits=16, decimal_places=2, default=0)
    funds_disbursed = models.DecimalField(_("funds disbursed (yuan)"), max_digits=16, decimal_places=2, default=0)
    computed_at = models.DateTimeField(_("computed at"))

    FIGURE_FIELDS = (
        "recipients",
        "person_times_reached",
        "target_person_times",
        "band_0",
        "band_1_9",
        "band_10_19",
        "band_20_29",
        "at_risk",
        "counted_visits",
        "beds_accepted",
        "target_beds",
        "rated_visits",
        "satisfied_visits",
        "funds_allocated",
        "funds_disbursed",
    )

    class Meta:
        abstract = True

    @property
    def satisfaction_rate(self) -> Decimal | None:
        if not self.rated_visits:
            return None
        return (Decimal(self.satisfied_visits) * 100 / self.rated_visits).quantize(Decimal("0.1"))

    @property
    def funds_execution_rate(self) -> Decimal | None:
        if not self.funds_allocated:
            return None
        return (self.funds_disbursed * 100 / self.funds_allocated).quantize(Decimal("0.1"))

    def figures(self) -> dict:
        return {name: getattr(self, name) for name in self.FIGURE_FIELDS}


class AreaProgress(ProgressFigures):
    area = models.OneToOneField(
        "areas.PilotArea",
        verbose_name=_("pilot area"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="progress",
    )
    # Served in the area but not yet assigned a provider (nobody serves them): the overview warns of
    # them per area without joining every progress row to its person on each request.
    recipients_without_provider = models.PositiveIntegerField(_("recipients without a provider"), default=0)

    class Meta:
        verbose_name = _("area progress")
        verbose_name_plural = _("area progress")

    def __str__(self) -> str:
        return str(self.area_id)


class BatchProgress(ProgressFigures):
    """National progress of a batch: the sum of its areas."""

    batch = models.OneToOneField(
        "areas.Batch", verbose_name=_("batch"), primary_key=True, on_delete=models.CASCADE, related_name="progress"
    )

    class Meta:
        verbose_name = _("national progress")
        verbose_name_plural = _("national progress")

    def __str__(self) -> str:
        return str(self.batch_id)


class AreaDailySnapshot(ProgressFigures):
    """An area's figures as they stood at the end of a day, for trends and reports as of a past date."""

    area = models.ForeignKey(
        "areas.PilotArea", verbose_name=_("pilot area"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily snapshot")
        verbose_name_plural = _("daily snapshots")
        constraints = [models.UniqueConstraint(fields=["area", "day"], name="snapshot_one_per_area_per_day")]
        indexes = [models.Index(fields=["day", "area"], name="snapshot_day_area")]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.day}"


class RollupRun(models.Model):
    """A log of full reconciles, so the admin can say when roll-ups were last brought up to date."""

    class Kind(models.TextChoices):
        RECONCILE = "reconcile", _("Full reconcile")
        VERIFY = "verify", _("Verification")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    areas = models.PositiveIntegerField(_("areas"), default=0)
    areas_done = models.PositiveIntegerField(_("areas done"), default=0)
    differences = models.PositiveIntegerField(_("differences found"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("roll-up run")
        verbose_name_plural = _("roll-up runs")
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.started_at:%Y-%m-%d %H:%M}"


class ProviderAreaStats(models.Model):
    """A provider's visits, verification and satisfaction in one pilot area (服务机构对比).

    Rewritten by `provider_stats.provider_stats_refresh` with every area recount, so the area
    dashboard compares providers without reading visits on a request.
    """

    area = models.ForeignKey(
        "areas.PilotArea", verbose_name=_("pilot area"), on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        "providers.Provider", verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+"
    )
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    person_times_reached = models.PositiveIntegerField(_("person-times reached"), default=0)
    # Visits of the provider's recipients (their home-visit provider), from recipient progress.
    visits = models.PositiveIntegerField(_("completed visits"), default=0)
    counted_visits = models.PositiveIntegerField(_("counted visits"), default=0)
    open_exceptions = models.PositiveIntegerField(_("open exceptions"), default=0)
    rated_visits = models.PositiveIntegerField(_("rated visits"), default=0)
    satisfied_visits = models.PositiveIntegerField(_("satisfied or fairly satisfied visits"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        # The table keeps the name it had when the model lived in the dashboards app: moving the
        # model changed no row (migrations rollups 0005 and dashboards 0003 move only the state).
        db_table = "dashboards_providerareastats"
        verbose_name = _("provider statistics in an area")
        verbose_name_plural = _("provider statistics in areas")
        constraints = [models.UniqueConstraint(fields=["area", "provider"], name="provider_stats_one_per_area")]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.provider_id}"

    @property
    def counted_share(self) -> Decimal | None:
        if not self.visits:
            return None
        return (Decimal(self.counted_visits) * 100 / self.visits).quantize(Decimal("0.1"))

    @property
    def satisfaction_rate(self) -> Decimal | None:
        if not self.rated_visits:
            return None
        return (Decimal(self.satisfied_visits) * 100 / self.rated_visits).quantize(Decimal("0.1"))
