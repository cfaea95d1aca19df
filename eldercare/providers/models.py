from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eldercare.core.models import TimeStampedModel
from eldercare.core.validators import validate_credit_code


class Provider(TimeStampedModel):
    """A service organisation (服务机构) identified by its unified social credit code."""

    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    areas = models.ManyToManyField(
        "areas.PilotArea", verbose_name=_("pilot areas served"), related_name="providers", blank=True
    )
    offers_home_visits = models.BooleanField(_("home-visit service"), default=False)
    does_bed_retrofit = models.BooleanField(_("bed construction and retrofit"), default=False)
    does_assessment_design = models.BooleanField(_("assessment and design"), default=False)
    does_acceptance = models.BooleanField(_("acceptance inspection"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_demo = models.BooleanField(_("demonstration data"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="provider_credit_code_alphabet",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Caregiver(TimeStampedModel):
    """A caregiver (服务人员) employed by a provider."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="caregivers"
    )
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    employee_number = models.CharField(_("employee number"), max_length=32)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("caregiver")
        verbose_name_plural = _("caregivers")
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "employee_number"], name="caregiver_unique_number_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.provider.name}）" if self.provider_id else self.name
