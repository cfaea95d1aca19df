"""Reads about recipients. `eligibility_on` is the one definition of eligibility on a day."""

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

from django.utils.translation import gettext_lazy as _

from eldercare.core.validators import age_on

from .models import (
    DISABLED_LEVELS,
    MINIMUM_AGE,
    PARTIALLY_DISABLED_LEVELS,
    CapabilityAssessment,
    EconomicCategory,
    Recipient,
)


class Purpose(Enum):
    HOME_VISIT = "home_visit"
    FAMILY_CARE_BED = "family_care_bed"


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple = field(default_factory=tuple)
    assessment: CapabilityAssessment | None = None

    def __bool__(self) -> bool:
        return self.eligible


def assessment_on(recipient: Recipient, day: dt.date) -> CapabilityAssessment | None:
    """The assessment in force on `day`: the latest one dated on or before it."""
    return recipient.assessments.filter(assessed_on__lte=day).order_by("-assessed_on").first()


def eligible_levels(recipient: Recipient, purpose: Purpose) -> frozenset:
    if purpose is Purpose.FAMILY_CARE_BED:
        return DISABLED_LEVELS | PARTIALLY_DISABLED_LEVELS
    if recipient.area.batch.visits_include_partial_disability:
        return DISABLED_LEVELS | PARTIALLY_DISABLED_LEVELS
    return DISABLED_LEVELS


def eligibility_on(recipient: Recipient, day: dt.date, *, purpose: Purpose = Purpose.HOME_VISIT) -> Eligibility:
    """Whether the recipient may be served on `day`, and every reason why not.

    Eligibility needs age 60+, economic difficulty and, by the assessment in force that day,
    disability: 失能 for home visits (partial disability too if the batch says so), 失能 or
    部分失能 for family care beds.
    """
    return eligibility_from(recipient, assessment_on(recipient, day), day, purpose=purpose)


def assessment_in_force(assessments: list[CapabilityAssessment], day: dt.date) -> CapabilityAssessment | None:
    """From a recipient's assessments sorted by date, the one in force on `day` (for batch checks)."""
    in_force = None
    for assessment in assessments:
        if assessment.assessed_on > day:
            break
        in_force = assessment
    return in_force


def eligibility_from(
    recipient: Recipient, assessment: CapabilityAssessment | None, day: dt.date, *, purpose: Purpose
) -> Eligibility:
    """The eligibility rule itself, given the assessment in force; callers fetch assessments as suits them."""
    reasons = []
    if age_on(recipient.birth_date, day) < MINIMUM_AGE:
        reasons.append(_("younger than 60 on that day"))
    if recipient.economic_category == EconomicCategory.NONE:
        reasons.append(_("no economic difficulty recorded"))
    if assessment is None:
        reasons.append(_("no capability assessment on or before that day"))
    elif assessment.level not in eligible_levels(recipient, purpose):
        reasons.append(
            _("assessed as %(level)s on %(day)s")
            % {"level": assessment.get_level_display(), "day": assessment.assessed_on}
        )
    return Eligibility(eligible=not reasons, reasons=tuple(reasons), assessment=assessment)
