"""Applications (申请) for home-visit service or a family care bed, and their trail of steps.

The workflow is the national platform's (DOMAIN.md "The workflow before and after a visit"): the
township (街道/乡镇) fills in an application for an older person (暂存 draft, 提交 submitted); the
township's first review (街道初审); the county's review (区县审核), which for a bed names the
assessment-and-design and the acceptance organisations and for home visits the provider; the
provider assigns caregivers (执行分派). Every move is made by `applications.services`, which keeps
the latest review on the application and appends one `ApplicationStep` per move: the trail.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eldercare.core.models import NoDeleteQuerySet, TimeStampedModel


class ApplicationKind(models.TextChoices):
    HOME_VISITS = "home_visits", _("Home-visit service (居家养老上门服务)")
    FAMILY_CARE_BED = "family_care_bed", _("Family care bed (家庭养老床位)")


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft (暂存)")
    SUBMITTED = "submitted", _("Submitted (已提交)")
    STREET_PASSED = "street_passed", _("Passed the street review (街道初审通过)")
    STREET_FAILED = "street_failed", _("Failed the street review (街道初审不通过)")
    COUNTY_PASSED = "county_passed", _("Approved by the county (区县审核通过)")
    COUNTY_FAILED = "county_failed", _("Refused by the county (区县审核不通过)")
    ASSIGNED = "assigned", _("Caregivers assigned (已分派)")


# States after the street review (which therefore has a reviewer and a time).
STREET_REVIEWED_STATES = ("street_passed", "street_failed", "county_passed", "county_failed", "assigned")
COUNTY_APPROVED_STATES = ("county_passed", "assigned")


class Application(TimeStampedModel):
    """An application (申请) for one older person, one kind of service and one batch's pilot area."""

    kind = models.CharField(_("kind"), max_length=16, choices=ApplicationKind.choices)
    recipient = models.ForeignKey(
        "recipients.Recipient", verbose_name=_("older person"), on_delete=models.PROTECT, related_name="applications"
    )
    township = models.ForeignKey(
        "areas.Township", verbose_name=_("township"), on_delete=models.PROTECT, related_name="applications"
    )
    # The batch's pilot area the application is for: enrolment (a later step) follows it.
    area = models.ForeignKey(
        "areas.PilotArea", verbose_name=_("pilot area (batch)"), on_delete=models.PROTECT, related_name="applications"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ApplicationState.choices, default=ApplicationState.DRAFT, db_index=True
    )
    note = models.TextField(_("application note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    street_reviewer_name = models.CharField(_("street reviewer"), max_length=64, blank=True)
    street_reviewer_title = models.CharField(_("street reviewer's title"), max_length=64, blank=True)
    street_opinion = models.TextField(_("street review opinion"), blank=True)
    street_reviewed_at = models.DateTimeField(_("street reviewed at"), null=True, blank=True)

    county_reviewer_name = models.CharField(_("county reviewer"), max_length=64, blank=True)
    county_reviewer_title = models.CharField(_("county reviewer's title"), max_length=64, blank=True)
    county_opinion = models.TextField(_("county review opinion"), blank=True)
    county_reviewed_at = models.DateTimeField(_("county reviewed at"), null=True, blank=True)

    # Home-visit service: the provider the county names, and the caregivers it assigns (执行分派).
    provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("home-visit provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    caregivers = models.ManyToManyField(
        "providers.Caregiver", verbose_name=_("assigned caregivers"), blank=True, related_name="applications"
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    # Family care bed: the organisations the county names at its review.
    design_provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("assessment and design organisation (评估设计机构)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acceptance_provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("acceptance organisation (验收机构)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords()
    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("application (申请)")
        verbose_name_plural = _("applications (申请)")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One application per person, kind and batch area: a refused one is reopened, not filed anew.
            models.UniqueConstraint(fields=["recipient", "kind", "area"], name="application_one_per_kind_and_area"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(submitted_at__isnull=False), name="application_submitted_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=STREET_REVIEWED_STATES)
                | Q(street_reviewed_at__isnull=False) & ~Q(street_reviewer_name=""),
                name="application_street_review_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=("county_passed", "county_failed", "assigned"))
                | Q(county_reviewed_at__isnull=False) & ~Q(county_reviewer_name=""),
                name="application_county_review_recorded",
            ),
            models.CheckConstraint(
                condition=Q(kind="home_visits") | Q(provider__isnull=True, assigned_at__isnull=True),
                name="application_provider_only_for_home_visits",
            ),
            models.CheckConstraint(
                condition=~Q(kind="home_visits", state__in=COUNTY_APPROVED_STATES) | Q(provider__isnull=False),
                name="application_approved_service_has_provider",
            ),
            models.CheckConstraint(
                condition=~Q(kind="family_care_bed", state="county_passed")
                | Q(design_provider__isnull=False, acceptance_provider__isnull=False),
                name="application_approved_bed_has_organisations",
            ),
            models.CheckConstraint(
                condition=~Q(state="assigned") | Q(kind="home_visits", assigned_at__isnull=False),
                name="application_assigned_is_service_with_time",
            ),
        ]
        indexes = [models.Index(fields=["township", "state"], name="application_township_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient.name}" if self.recipient_id else str(self.pk)

    @property
    def dispatch_label(self) -> str:
        """执行分派 as the platform shows it: 未分派 until caregivers are assigned, for approved service only."""
        if self.kind != ApplicationKind.HOME_VISITS or self.state not in COUNTY_APPROVED_STATES:
            return ""
        return str(_("Assigned (已分派)") if self.state == ApplicationState.ASSIGNED else _("Not assigned (未分派)"))


class StepAction(models.TextChoices):
    CREATE = "create", _("Filled in (填报)")
    UPDATE = "update", _("Changed (修改)")
    SUBMIT = "submit", _("Submitted (提交)")
    STREET_REVIEW = "street_review", _("Street review (街道初审)")
    COUNTY_REVIEW = "county_review", _("County review (区县审核)")
    ASSIGN = "assign", _("Caregivers assigned (执行分派)")
    REOPEN = "reopen", _("Reopened for changes (退回修改)")


class ApplicationStep(models.Model):
    """One move of an application (流转记录): who did what, when, from which state to which, and why.

    Appended by `applications.services` only, never changed or deleted: the trail the admin shows and
    the applications ledger exports.
    """

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="steps"
    )
    action = models.CharField(_("action"), max_length=16, choices=StepAction.choices)
    from_state = models.CharField(_("from state"), max_length=16, choices=ApplicationState.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=16, choices=ApplicationState.choices)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    reviewer_name = models.CharField(_("reviewer"), max_length=64, blank=True)
    reviewer_title = models.CharField(_("reviewer's title"), max_length=64, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("username"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)
    # What else the step set: organisations, caregivers, changed fields (names and ids, for the record).
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application steps (流转记录)")
        ordering = ["application", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=("street_review", "county_review"))
                | Q(passed__isnull=False) & ~Q(reviewer_name=""),
                name="application_step_review_has_result_and_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}" if self.at else self.get_action_display()
