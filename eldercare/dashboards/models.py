"""A small roll-up for the dashboards: each provider's work in an area.

Written by `dashboards.services.provider_stats_refresh` when an area's roll-ups are rewritten, so
the area view compares providers without reading visits on a request.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderAreaStats(models.Model):
    """A provider's visits, verification and satisfaction in one pilot area (服务机构对比)."""

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
