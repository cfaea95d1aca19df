"""The verification rules one by one, on plain values: each says whether a visit raises its exception.

Both forms call them: `checks.findings_for` for one visit (the Python form) and
`query.derive_findings_in_db` for the visits its statements narrow a set to (the query form). So a
threshold is compared, and a detail worded, in one place only.
"""

import datetime as dt

from eldercare.recipients.enrolments import covering_enrolment, implicitly_enrolled
from eldercare.recipients.selectors import Purpose, eligibility_from

from ..models import ExceptionType
from .details import cycle_detail, eligibility_detail, enrolment_detail, late_detail, length_detail, overlap_detail
from .presence import Finding

# Overlap partners are looked for this far around the checked visits: visits longer than this
# are already flagged as too long, so no overlap can hide beyond it.
OVERLAP_SEARCH_MARGIN = dt.timedelta(days=1)
# Two visits of one caregiver are compared for overlap only when they start less than this apart
# (both forms): it bounds each partner lookup to an index range.
OVERLAP_WINDOW = 2 * OVERLAP_SEARCH_MARGIN


def future_finding() -> Finding:
    return Finding(ExceptionType.FUTURE_START)


def cycle_finding(cycle_start, cycle_end) -> Finding:
    """OUTSIDE_CYCLE, for a visit whose day its area's cycle does not contain (`PilotArea.cycle_contains`)."""
    return Finding(ExceptionType.OUTSIDE_CYCLE, cycle_detail(cycle_start, cycle_end))


def length_findings(batch, length: dt.timedelta) -> list[Finding]:
    """TOO_SHORT below the batch's minimum, TOO_LONG beyond its maximum plausible length."""
    minutes = length.total_seconds() / 60
    found = []
    if minutes < batch.min_visit_minutes:
        found.append(Finding(ExceptionType.TOO_SHORT, length_detail(minutes)))
    if minutes > batch.max_visit_hours * 60:
        found.append(Finding(ExceptionType.TOO_LONG, length_detail(minutes)))
    return found


def late_finding(batch, entered_after: dt.timedelta) -> Finding | None:
    """LATE_ENTRY when the visit was entered more than the batch's days after it ended."""
    if entered_after > dt.timedelta(days=batch.late_entry_days):
        return Finding(ExceptionType.LATE_ENTRY, late_detail(entered_after.days))
    return None


def eligibility_finding(recipient, assessment, day: dt.date) -> Finding | None:
    """NOT_ELIGIBLE with every reason, by the eligibility rule's home (`recipients.selectors.eligibility_from`)."""
    eligibility = eligibility_from(recipient, assessment, day, purpose=Purpose.HOME_VISIT)
    if eligibility:
        return None
    return Finding(ExceptionType.NOT_ELIGIBLE, eligibility_detail(eligibility))


def overlap_finding(partner_ids) -> Finding:
    return Finding(ExceptionType.CAREGIVER_OVERLAP, overlap_detail(partner_ids))


def enrolment_finding(day: dt.date, enrolments: list) -> Finding | None:
    """NOT_ENROLLED when no enrolment of the recipient covers the visit's day (recipients.enrolments)."""
    if implicitly_enrolled(enrolments) or covering_enrolment(enrolments, day) is not None:
        return None
    return Finding(ExceptionType.NOT_ENROLLED, enrolment_detail(enrolments))
