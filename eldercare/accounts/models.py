from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS
from simple_history.models import HistoricalRecords

from eldercare.core.models import TimeStampedModel


class Role(models.TextChoices):
    NATIONAL_OFFICIAL = "national_official", _("National official")
    PROVINCIAL_OFFICIAL = "provincial_official", _("Provincial official")
    DISTRICT_OFFICIAL = "district_official", _("District official")
    STREET_OFFICIAL = "street_official", _("Street official")
    PROVIDER_STAFF = "provider_staff", _("Provider staff")
    CAREGIVER = "caregiver", _("Caregiver")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("System administrator")


PROVIDER_ROLES = (Role.PROVIDER_STAFF, Role.CAREGIVER)


class RoleAssignment(TimeStampedModel):
    """A user's role and the scope it applies to (a province, an area, a township or a provider)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignment",
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    province = models.ForeignKey(
        "areas.Region",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    area = models.ForeignKey(
        "areas.PilotArea",
        verbose_name=_("pilot area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    township = models.ForeignKey(
        "areas.Township",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    caregiver = models.ForeignKey(
        "providers.Caregiver",
        verbose_name=_("caregiver record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="provincial_official") | Q(province__isnull=False),
                name="role_provincial_needs_province",
            ),
            models.CheckConstraint(
                condition=~Q(role="district_official") | Q(area__isnull=False),
                name="role_district_needs_area",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["provider_staff", "caregiver"]) | Q(provider__isnull=False),
                name="role_provider_roles_need_provider",
            ),
            models.CheckConstraint(
                condition=~Q(role="street_official") | Q(township__isnull=False),
                name="role_street_official_needs_township",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class ApiToken(AbstractAuthToken):
    """An API token (接口令牌) for `Authorization: Token ...`: django-rest-knox's token, with our labels.

    Only the SHA-512 digest of the token is stored; the token itself is shown once, to whoever logged
    in. It expires `API_TOKEN_IDLE_HOURS` after its last use (`expiry`, moved on by each request) and
    `API_TOKEN_MAX_DAYS` after it was issued, whatever its use (`accounts.tokens`).
    """

    digest = models.CharField(_("digest"), max_length=CONSTANTS.DIGEST_LENGTH, primary_key=True)
    token_key = models.CharField(
        _("token key"), max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH, db_index=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), related_name="auth_token_set", on_delete=models.CASCADE
    )
    created = models.DateTimeField(_("issued at"), auto_now_add=True)
    expiry = models.DateTimeField(_("expires if unused at"), null=True, blank=True)

    # Plain rows: tokens are issued by `accounts.tokens.token_issue`, not by knox's manager.
    objects = models.Manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user} · {self.digest[:12]}"
