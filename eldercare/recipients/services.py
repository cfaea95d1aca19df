"""Writes for recipients and their capability assessments."""

import datetime as dt

from django.db import transaction

from .models import CapabilityAssessment, Recipient


@transaction.atomic
def assessment_record(
    *,
    recipient: Recipient,
    assessed_on: dt.date,
    level: str,
    assessor_name: str,
    assessor_provider=None,
    note: str = "",
    acting_user=None,
) -> CapabilityAssessment:
    """Record a capability assessment; visits from its date on are re-checked for eligibility."""
    from eldercare.visits.services import visits_recheck_for_recipients

    assessment = CapabilityAssessment(
        recipient=recipient,
        assessed_on=assessed_on,
        level=level,
        assessor_name=assessor_name,
        assessor_provider=assessor_provider,
        note=note,
    )
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        assessment._history_user = acting_user
    assessment.full_clean()
    assessment.save()
    visits_recheck_for_recipients([recipient.pk], since=assessed_on)
    return assessment
