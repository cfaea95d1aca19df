"""The texts of the exceptions' details, one function each.

Both forms of the rules render through these: `checks.findings_for` (one visit, in Python) and
`query.derive_findings_in_db` (a set of visits, in the database), so a reviewer reads the same words
whichever form found the exception, and a parity test can compare details as well as types.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

# `VisitException.detail` holds this many characters.
DETAIL_MAX_LENGTH = 255
# An overlap names at most this many partner visits.
OVERLAP_NAMED = 5


def clipped(detail) -> str:
    return str(detail)[:DETAIL_MAX_LENGTH]


def length_detail(minutes: float) -> str:
    return _("%(minutes)d min") % {"minutes": int(minutes)}


def cycle_detail(cycle_start, cycle_end) -> str:
    return f"{cycle_start or '—'} ~ {cycle_end or '—'}"


def late_detail(days: int) -> str:
    return _("entered %(days)d days later") % {"days": days}


def overlap_detail(partner_ids: Iterable[int]) -> str:
    named = sorted(partner_ids)[:OVERLAP_NAMED]
    return _("overlaps visit %(ids)s") % {"ids": ", ".join(f"#{pk}" for pk in named)}


def eligibility_detail(eligibility) -> str:
    return "；".join(str(reason) for reason in eligibility.reasons)


def enrolment_detail(enrolments) -> str:
    held = "；".join(
        f"{e.area} {e.area.cycle_start or '—'} ~ {e.ended_on or e.area.cycle_end or '—'}" for e in enrolments
    )
    return _("enrolled only in: %(enrolments)s") % {"enrolments": held}


def missing_photos_detail(missing_kinds) -> str:
    return ", ".join(str(kind.label) for kind in missing_kinds)
